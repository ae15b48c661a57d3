package io.facestream.ingest.testing;

import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.testkit.SharedKafka;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The shared broker plus one embedded registry for this test JVM, and fresh topics per test. */
public final class KafkaFixture {
    private static EmbeddedSchemaRegistry registry;

    public static synchronized String registryUrl() throws Exception {
        if (registry == null) {
            String store = topic("schemas", 1, Map.of("cleanup.policy", "compact"));
            registry = EmbeddedSchemaRegistry.start(SharedKafka.bootstrapServers(), store, "localhost", 0);
            Runtime.getRuntime().addShutdownHook(new Thread(registry::close));
        }
        return registry.url();
    }

    public static String bootstrap() {
        return SharedKafka.bootstrapServers();
    }

    /** A new topic with a unique name starting with {@code prefix}. */
    public static String topic(String prefix, int partitions, Map<String, String> configs) throws Exception {
        String name = prefix + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        }
        return name;
    }

    public static <T extends SpecificRecord> AvroSerde<T> serde(Class<T> type) throws Exception {
        return AvroSerde.forValues(new RestSchemaRegistryClient(registryUrl()), type);
    }

    private KafkaFixture() {
    }
}
