package io.facestream.ingest.worker;

import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.testing.TestClips;
import io.facestream.schemas.avro.Camera;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerManagerTest {

    static Camera camera(String id, String url, boolean enabled, double sampleFps, String name) {
        Instant now = Instant.now();
        return Camera.newBuilder().setCameraId(id).setName(name).setUrl(url).setEnabled(enabled)
                .setSampleFps(sampleFps).setCreatedAt(now).setUpdatedAt(now).build();
    }

    @Test
    void followsTheCamerasTopic(@TempDir Path dir) throws Exception {
        String url = TestClips.redSquare(dir, "loop.mp4", 160, 120, 10).toString();
        String topic = KafkaFixture.topic("cameras", 1, Map.of("cleanup.policy", "compact"));
        List<String> started = new CopyOnWriteArrayList<>();
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringDeserializer(), KafkaFixture.serde(Camera.class).deserializer());
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringSerializer(), KafkaFixture.serde(Camera.class).serializer());
             WorkerManager manager = new WorkerManager(consumer, topic, cam -> {
                 started.add(cam.getCameraId() + "@" + cam.getSampleFps());
                 return new CameraWorker(cam.getCameraId(), SourceSpec.of(cam.getUrl()).withSampleFps(cam.getSampleFps()), f -> { },
                         s -> { }, Duration.ofSeconds(1), new Backoff(Duration.ofMillis(500), Duration.ofSeconds(2))).start();
             }).start()) {
            producer.send(new ProducerRecord<>(topic, "cam-a", camera("cam-a", url, true, 5, "Front door"))).get();
            producer.send(new ProducerRecord<>(topic, "cam-b", camera("cam-b", url, false, 5, "Back door"))).get();
            // the factory runs before the manager files the worker it returns: wait for both
            await(() -> started.contains("cam-a@5.0") && manager.statuses().containsKey("cam-a"));
            assertThat(manager.statuses()).containsOnlyKeys("cam-a");

            producer.send(new ProducerRecord<>(topic, "cam-a", camera("cam-a", url, true, 2, "Front door"))).get();
            await(() -> started.contains("cam-a@2.0"));

            producer.send(new ProducerRecord<>(topic, "cam-a", camera("cam-a", url, true, 2, "Front door (renamed)"))).get();
            producer.send(new ProducerRecord<>(topic, "cam-b", camera("cam-b", url, true, 5, "Back door"))).get();
            await(() -> started.contains("cam-b@5.0"));
            assertThat(started).as("a new name alone restarts nothing").containsExactly("cam-a@5.0", "cam-a@2.0", "cam-b@5.0");

            producer.send(new ProducerRecord<>(topic, "cam-a", null)).get();
            producer.send(new ProducerRecord<>(topic, "cam-b", camera("cam-b", url, false, 5, "Back door"))).get();
            await(() -> manager.statuses().isEmpty());
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.sleep(50);
        }
    }
}
