package io.facestream.schemas.serde;

import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.schemas.registry.RegistryFixture;
import io.facestream.schemas.registry.TestRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.testkit.SharedKafka;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroSerdeTest {
    @RegisterExtension
    static final TestRegistry REGISTRY = new TestRegistry();

    static Heartbeat heartbeat(String camera, double fps) {
        return Heartbeat.newBuilder().setCameraId(camera).setWorker("host-1").setStatus(WorkerState.ONLINE)
                .setMeasuredFps(fps).setLastFrameTime(java.time.Instant.ofEpochMilli(1_700_000_000_123L))
                .setTimestamp(java.time.Instant.ofEpochMilli(1_700_000_000_500L)).build();
    }

    @Test
    void roundTripThroughTheBrokerAndTheRegistry() throws Exception {
        String topic = "serde-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        AvroSerde<Heartbeat> serde = AvroSerde.forValues(REGISTRY.client(), Heartbeat.class);
        List<Heartbeat> sent = List.of(heartbeat("cam-1", 9.5), heartbeat("cam-2", 4.0));
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()),
                new StringSerializer(), serde.serializer())) {
            for (Heartbeat h : sent) producer.send(new ProducerRecord<>(topic, h.getCameraId(), h)).get();
        }
        List<Heartbeat> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "serde-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), AvroSerde.forValues(new RestSchemaRegistryClient(REGISTRY.url()), Heartbeat.class).deserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (received.size() < sent.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, Heartbeat> r : consumer.poll(Duration.ofMillis(200))) received.add(r.value());
            }
        }
        assertThat(received).containsExactlyElementsOf(sent);
        assertThat(REGISTRY.client().latest(topic + "-value").schema()).isEqualTo(Heartbeat.getClassSchema());
    }

    @Test
    void readsRecordsWrittenUnderAnOlderCompatibleSchema() throws Exception {
        // The same record as Heartbeat, before last_error existed.
        Schema old = SchemaBuilder.record("Heartbeat").namespace("io.facestream.schemas.avro").fields()
                .requiredString("camera_id").requiredString("worker")
                .name("status").type().enumeration("WorkerState").namespace("io.facestream.schemas.avro").symbols("ONLINE", "OFFLINE", "ERROR", "STOPPED").noDefault()
                .requiredDouble("measured_fps")
                .name("last_frame_time").type().unionOf().nullType().and().longType().endUnion().nullDefault()
                .requiredLong("timestamp").endRecord();
        String topic = "old-" + UUID.randomUUID();
        GenericRecord record = new GenericData.Record(old);
        record.put("camera_id", "cam-9");
        record.put("worker", "w");
        record.put("status", new GenericData.EnumSymbol(old.getField("status").schema(), "OFFLINE"));
        record.put("measured_fps", 0.0);
        record.put("timestamp", 42L);
        byte[] written = RegistryFixture.written(REGISTRY.client(), topic + "-value", old, record);

        Heartbeat read = AvroSerde.forValues(REGISTRY.client(), Heartbeat.class).deserialize(topic, written);
        assertThat(read.getCameraId()).isEqualTo("cam-9");
        assertThat(read.getStatus()).isEqualTo(WorkerState.OFFLINE);
        assertThat(read.getLastError()).as("the newer field takes its default").isNull();
    }

    @Test
    void badBytesGiveClearErrors() {
        AvroSerde<Heartbeat> serde = AvroSerde.forValues(REGISTRY.client(), Heartbeat.class);
        byte[] good = serde.serialize("bad-bytes", heartbeat("cam", 1));
        assertThatThrownBy(() -> serde.deserialize("t", new byte[]{0, 0})).isInstanceOf(SerializationException.class).hasMessageContaining("too short");
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 7;
        assertThatThrownBy(() -> serde.deserialize("t", wrongMagic)).isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
        byte[] unknownId = good.clone();
        ByteBuffer.wrap(unknownId, 1, 4).putInt(987_654);
        assertThatThrownBy(() -> serde.deserialize("t", unknownId)).isInstanceOf(SerializationException.class).hasMessageContaining("987654");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 4);
        assertThatThrownBy(() -> serde.deserialize("t", truncated)).isInstanceOf(SerializationException.class).hasMessageContaining("Heartbeat");
        assertThat(serde.serialize("t", null)).as("tombstones pass through").isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }
}
