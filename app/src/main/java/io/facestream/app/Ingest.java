package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.blobs.BlobKind;
import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.AnalysisMetrics;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.recording.EventRecorder;
import io.facestream.ingest.recording.SegmentBuffer;
import io.facestream.ingest.worker.CameraWorkers;
import io.facestream.ingest.worker.WorkerManager;
import io.facestream.ingest.worker.WorkerStatus;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The ingest role's parts, wired from configuration: publisher, blob store (swept every
 * few minutes), face analysis, frame processing, replay, and the workers of the cameras
 * the cameras topic defines.
 */
final class Ingest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ingest.class);
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(5);

    /** Where ingest publishes: explicit options, else configuration, else the standalone's own ports. */
    record Connection(String bootstrapServers, String registryUrl) {
        static Connection of(Config config, String bootstrapOption, String registryOption) {
            String bootstrap = bootstrapOption != null ? bootstrapOption
                    : config.isSet(ConfigKey.KAFKA_BOOTSTRAP_SERVERS) ? config.get(ConfigKey.KAFKA_BOOTSTRAP_SERVERS)
                    : config.get(ConfigKey.KAFKA_EMBEDDED_HOST) + ":" + config.get(ConfigKey.KAFKA_EMBEDDED_PORT);
            String registry = registryOption != null ? registryOption
                    : config.isSet(ConfigKey.REGISTRY_URL) ? config.get(ConfigKey.REGISTRY_URL)
                    : "http://" + config.get(ConfigKey.KAFKA_EMBEDDED_HOST) + ":" + config.get(ConfigKey.REGISTRY_EMBEDDED_PORT);
            return new Connection(bootstrap, registry);
        }
    }

    private final Connection connection;
    private final IngestPublisher publisher;
    private final FaceAnalyzer analyzer;
    private final FrameProcessor processor;
    private final Replayer replayer;
    private final FileBlobStore blobs;
    private final ScheduledExecutorService sweeper;
    private WorkerManager cameras;
    private EventRecorder recorder;
    private final Map<String, java.util.concurrent.atomic.LongAdder> reconnects = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> everOnline = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Ingest(Connection connection, IngestPublisher publisher, FaceAnalyzer analyzer, FrameProcessor processor, FileBlobStore blobs) {
        this.connection = connection;
        this.publisher = publisher;
        this.analyzer = analyzer;
        this.processor = processor;
        this.replayer = new Replayer(publisher, processor);
        this.blobs = blobs;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("blob-sweeper").daemon().factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                FileBlobStore.SweepResult swept = blobs.sweep();
                if (swept.removedFiles() > 0) log.info("blob store: removed {} files ({} bytes)", swept.removedFiles(), swept.removedBytes());
            } catch (IOException | RuntimeException e) {
                log.warn("blob store sweep failed: {}", e.toString());
            }
        }, 0, SWEEP_EVERY.toMinutes(), TimeUnit.MINUTES);
    }

    static Ingest start(Config config, Connection connection, String clientId) {
        FileBlobStore blobs = blobStore(config);
        FaceAnalyzer analyzer = FaceAnalyzer.create();
        IngestPublisher publisher = new IngestPublisher(connection.bootstrapServers(), new RestSchemaRegistryClient(connection.registryUrl()), clientId);
        int threads = config.getInt(ConfigKey.INGEST_DETECTOR_THREADS);
        Semaphore detectorSlots = new Semaphore(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        FrameProcessor processor = new FrameProcessor(analyzer, detectorSlots, publisher, blobs, config.getInt(ConfigKey.INGEST_LIVE_VIEW_MAX_WIDTH));
        return new Ingest(connection, publisher, analyzer, processor, blobs);
    }

    /** Starts a worker for every enabled camera of the cameras topic, and follows its changes. */
    void startCameras(Config config) {
        CameraWorkers.Segments segments = segments(config);
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers()),
                new StringDeserializer(), AvroSerde.forValues(new RestSchemaRegistryClient(connection.registryUrl()), Camera.class).deserializer());
        String worker = ProcessHandle.current().pid() + "@" + hostName();
        Map<String, WorkerStatus.State> lastStates = new java.util.concurrent.ConcurrentHashMap<>();
        cameras = new WorkerManager(consumer, Topics.CAMERAS,
                CameraWorkers.factory(processor, publisher, worker, status -> countReconnect(lastStates, status), segments)).start();
    }

    /** The cameras' segment buffers and the recorder cutting their events' clips (started with the cameras). */
    private CameraWorkers.Segments segments(Config config) {
        Path dir = config.isSet(ConfigKey.INGEST_SEGMENTS_DIR) ? config.getPath(ConfigKey.INGEST_SEGMENTS_DIR)
                : config.getPath(ConfigKey.DATA_DIR).resolve("segments");
        int retention = config.getInt(ConfigKey.INGEST_SEGMENTS_RETENTION_SECONDS);
        if (retention < 2 * SegmentBuffer.SEGMENT_SECONDS)
            throw new IllegalArgumentException(ConfigKey.INGEST_SEGMENTS_RETENTION_SECONDS.key() + " must be at least "
                    + 2 * SegmentBuffer.SEGMENT_SECONDS + ", got " + retention);
        try {
            recorder = new EventRecorder(connection.bootstrapServers(), new RestSchemaRegistryClient(connection.registryUrl()),
                    publisher, blobs, dir.resolve(".clips")).sweepAbandonedBuffers(dir, Duration.ofSeconds(retention)).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the clip directory under " + dir, e);
        }
        return new CameraWorkers.Segments(dir, Duration.ofSeconds(retention),
                Long.parseLong(config.get(ConfigKey.INGEST_SEGMENTS_MAX_BYTES)), recorder);
    }

    /** A camera back ONLINE after having been online and then OFFLINE is a reconnect (its first connection is not). */
    private void countReconnect(Map<String, WorkerStatus.State> lastStates, WorkerStatus status) {
        WorkerStatus.State previous = lastStates.put(status.cameraId(), status.state());
        if (status.state() == WorkerStatus.State.ONLINE && previous == WorkerStatus.State.OFFLINE && everOnline.contains(status.cameraId())) {
            reconnects.computeIfAbsent(status.cameraId(), c -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
        if (status.state() == WorkerStatus.State.ONLINE) everOnline.add(status.cameraId());
    }

    /** Reconnects per camera id since this process started. */
    Map<String, java.util.concurrent.atomic.LongAdder> reconnects() {
        return reconnects;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** blobs.dir, else data.dir/blobs. */
    static Path blobsDir(Config config) {
        return config.isSet(ConfigKey.BLOBS_DIR) ? config.getPath(ConfigKey.BLOBS_DIR) : config.getPath(ConfigKey.DATA_DIR).resolve("blobs");
    }

    static FileBlobStore blobStore(Config config) {
        Path dir = blobsDir(config);
        long maxBytes = Long.parseLong(config.get(ConfigKey.BLOBS_MAX_BYTES));
        Duration frames = Duration.ofHours(config.getInt(ConfigKey.BLOBS_FRAME_RETENTION_HOURS));
        try {
            Duration clips = Duration.ofHours(config.getInt(ConfigKey.BLOBS_CLIP_RETENTION_HOURS));
            return new FileBlobStore(dir, new FileBlobStore.Policy(Map.of(BlobKind.FRAME, frames, BlobKind.CLIP, clips), maxBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob store at " + dir, e);
        }
    }

    Replayer replayer() {
        return replayer;
    }

    /** Detection's frames, faces and model time, and each camera's frames read, analysed and dropped, for /metrics. */
    public AnalysisMetrics analysisMetrics() {
        return processor.metrics();
    }

    /** The blob store this role writes frames to, for the API's media endpoints in the same process. */
    public FileBlobStore blobs() {
        return blobs;
    }

    /** The face models this role loaded, for other roles of the same process. */
    public FaceAnalyzer analyzer() {
        return analyzer;
    }

    @Override
    public void close() {
        if (cameras != null) cameras.close();
        if (recorder != null) recorder.close();
        sweeper.shutdownNow();
        publisher.close();
        analyzer.close();
    }
}
