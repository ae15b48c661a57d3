package io.facestream.schemas.registry;

import io.facestream.testkit.SharedKafka;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A registry store topic of its own per test, on the shared broker, so tests never see each other's schemas. */
public final class RegistryFixture {

    public static String freshStoreTopic() throws Exception {
        String topic = "test-schemas-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        return topic;
    }

    public static EmbeddedSchemaRegistry start(String storeTopic) {
        return EmbeddedSchemaRegistry.start(SharedKafka.bootstrapServers(), storeTopic, "localhost", 0);
    }

    /**
     * {@code record} in the Confluent wire format under {@code schema}, registered as a version of {@code subject}: what
     * a producer with that (older, or other) schema wrote, for a serde to read.
     */
    public static byte[] written(SchemaRegistryClient client, String subject, Schema schema, GenericRecord record) throws IOException {
        int id = client.register(subject, schema);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private RegistryFixture() {
    }
}
