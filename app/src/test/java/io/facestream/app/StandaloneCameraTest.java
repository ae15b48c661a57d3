package io.facestream.app;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The standalone's ingest role: a camera defined on the cameras topic gets a worker that publishes heartbeats and crops. */
class StandaloneCameraTest {

    @Test
    void aCameraRecordStartsAWorker(@TempDir Path dir) throws Exception {
        Path clip = TestStandalone.oneFaceClip(dir.resolve("entrance.mp4"), 50, 300, 340);
        try (Standalone standalone = Standalone.start(TestStandalone.config(dir.resolve("data"), 0))) {
            var registry = new RestSchemaRegistryClient(standalone.registryUrl());
            Instant now = Instant.now();
            Camera camera = Camera.newBuilder().setCameraId("entrance").setName("Entrance").setUrl(clip.toString())
                    .setEnabled(true).setSampleFps(5).setCreatedAt(now).setUpdatedAt(now).build();
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, standalone.bootstrapServers()),
                    new StringSerializer(), AvroSerde.forValues(registry, Camera.class).serializer())) {
                producer.send(new ProducerRecord<>(Topics.CAMERAS, "entrance", camera)).get();
            }
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, standalone.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "camera-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(Topics.HEARTBEATS, Topics.FACE_CROPS));
                AvroSerde<Heartbeat> heartbeats = AvroSerde.forValues(registry, Heartbeat.class);
                AvroSerde<FaceCrop> crops = AvroSerde.forValues(registry, FaceCrop.class);
                boolean online = false;
                int faces = 0;
                long deadline = System.currentTimeMillis() + 60_000;
                while (!(online && faces > 0) && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(Topics.HEARTBEATS)) {
                            online |= heartbeats.deserialize(r.topic(), r.value()).getStatus() == WorkerState.ONLINE;
                        } else if (crops.deserialize(r.topic(), r.value()).getCameraId().equals("entrance")) {
                            faces++;
                        }
                    }
                }
                assertThat(online).as("an ONLINE heartbeat of the camera").isTrue();
                assertThat(faces).as("face crops of the camera").isPositive();
            }
            // the camera's measured rate reaches /metrics through the cameras view
            String key = Files.readString(dir.resolve("data").resolve("api-admin-key")).strip();
            var request = HttpRequest.newBuilder(URI.create("http://localhost:" + standalone.apiPort() + "/metrics"))
                    .header("X-API-Key", key).build();
            String metrics = "";
            // a file as a camera ends, goes offline and is opened again: a reconnect
            List<String> expected = List.of("facestream_camera_fps{camera=\"entrance\"", "facestream_camera_reconnects_total{camera=\"entrance\"}",
                    "facestream_source_frames_read_total{camera=\"entrance\",kind=\"camera\"}",
                    "facestream_source_frames_analysed_total{camera=\"entrance\",kind=\"camera\"}");
            for (long deadline = System.currentTimeMillis() + 60_000; !expected.stream().allMatch(metrics::contains)
                    && System.currentTimeMillis() < deadline; Thread.sleep(500)) {
                metrics = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
            }
            assertThat(metrics).contains(expected);
        }
    }
}
