package io.facestream.api.testing;

import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.recording.EventRecorder;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.worker.CameraWorkers;
import io.facestream.ingest.worker.WorkerManager;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The ingest role beside an {@link ApiFixture}, as {@code standalone} wires it: a worker manager following
 * {@code facestream.cameras}, each worker with its segment buffer, and the event recorder that cuts a clip and a
 * thumbnail for every presence and manual recording. Only cameras whose id starts with {@code cameraPrefix} get a
 * worker, so tests sharing the broker do not run each other's cameras.
 */
public final class LiveIngest implements AutoCloseable {
    private final IngestPublisher publisher;
    private final EventRecorder recorder;
    private final WorkerManager workers;

    private LiveIngest(IngestPublisher publisher, EventRecorder recorder, WorkerManager workers) {
        this.publisher = publisher;
        this.recorder = recorder;
        this.workers = workers;
    }

    /**
     * @param dir              where the segment buffers and the clips being cut live
     * @param segmentRetention how long each camera's segment buffer keeps its video
     */
    public static LiveIngest start(ApiFixture fixture, Path dir, String cameraPrefix, String clientId, Duration segmentRetention)
            throws Exception {
        var registry = new RestSchemaRegistryClient(KafkaFixture.registryUrl());
        IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), registry, clientId);
        EventRecorder recorder = null;
        try {
            recorder = new EventRecorder(KafkaFixture.bootstrap(), registry, publisher, fixture.blobs, dir.resolve("clips")).start();
            FrameProcessor processor = new FrameProcessor(ApiFixture.analyzer(), new Semaphore(1), publisher, fixture.blobs, 640);
            var factory = CameraWorkers.factory(processor, publisher, clientId, s -> { },
                    new CameraWorkers.Segments(dir.resolve("segments"), segmentRetention, 200_000_000, recorder));
            var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                    new StringDeserializer(), AvroSerde.forValues(registry, Camera.class).deserializer());
            WorkerManager workers = new WorkerManager(consumer, Topics.CAMERAS,
                    c -> c.getCameraId().startsWith(cameraPrefix) ? factory.apply(c) : null).start();
            return new LiveIngest(publisher, recorder, workers);
        } catch (Exception | Error e) {
            if (recorder != null) recorder.close();
            publisher.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        workers.close();
        recorder.close();
        publisher.close();
    }
}
