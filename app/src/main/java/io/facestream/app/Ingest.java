package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.blobs.BlobKind;
import io.facestream.blobs.BlobStore;
import io.facestream.blobs.FileBlobStore;
import io.facestream.blobs.S3BlobStore;
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
import io.facestream.schemas.topics.AssignedConsumers;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
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
    private final BlobStore blobs;
    private final ScheduledExecutorService sweeper;
    private WorkerManager cameras;
    private EventRecorder recorder;
    private final Map<String, java.util.concurrent.atomic.LongAdder> reconnects = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> everOnline = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Ingest(Connection connection, IngestPublisher publisher, FaceAnalyzer analyzer, FrameProcessor processor, BlobStore blobs) {
        this.connection = connection;
        this.publisher = publisher;
        this.analyzer = analyzer;
        this.processor = processor;
        this.replayer = new Replayer(publisher, processor);
        this.blobs = blobs;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("blob-sweeper").daemon().factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                BlobStore.SweepResult swept = blobs.sweep();
                if (swept.removedFiles() > 0) log.info("blob store: removed {} files ({} bytes)", swept.removedFiles(), swept.removedBytes());
            } catch (IOException | RuntimeException e) {
                log.warn("blob store sweep failed: {}", e.toString());
            }
        }, 0, SWEEP_EVERY.toMinutes(), TimeUnit.MINUTES);
    }

    static Ingest start(Config config, Connection connection, String clientId) {
        BlobStore blobs = blobStore(config);
        FaceAnalyzer analyzer = FaceAnalyzer.create();
        IngestPublisher publisher = new IngestPublisher(connection.bootstrapServers(), new RestSchemaRegistryClient(connection.registryUrl()), clientId);
        return new Ingest(connection, publisher, analyzer, frameProcessor(config, analyzer, publisher, blobs), blobs);
    }

    /** Detection and publishing of frames, with ingest.detector.threads detections at once. */
    static FrameProcessor frameProcessor(Config config, FaceAnalyzer analyzer, IngestPublisher publisher, BlobStore blobs) {
        int threads = config.getInt(ConfigKey.INGEST_DETECTOR_THREADS);
        Semaphore detectorSlots = new Semaphore(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        return new FrameProcessor(analyzer, detectorSlots, publisher, blobs, config.getInt(ConfigKey.INGEST_LIVE_VIEW_MAX_WIDTH));
    }

    /** Starts a worker for every enabled camera of the cameras topic, and follows its changes. */
    void startCameras(Config config) {
        CameraWorkers.Segments segments = segments(config);
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers(),
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS),
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

    /** Where blobs live, for the start-up lines: the directory or the bucket (never credentials). */
    static String describeBlobStore(Config config) {
        return isS3(config) ? "S3 bucket " + config.get(ConfigKey.BLOBS_S3_BUCKET)
                + (config.isSet(ConfigKey.BLOBS_S3_PREFIX) ? "/" + config.get(ConfigKey.BLOBS_S3_PREFIX) : "")
                + (config.isSet(ConfigKey.BLOBS_S3_ENDPOINT) ? " at " + config.get(ConfigKey.BLOBS_S3_ENDPOINT) : "")
                : blobsDir(config).toString();
    }

    private static boolean isS3(Config config) {
        return switch (config.get(ConfigKey.BLOBS_STORE)) {
            case "dir" -> false;
            case "s3" -> true;
            default -> throw new IllegalArgumentException("blobs.store is dir or s3, got '" + config.get(ConfigKey.BLOBS_STORE) + "'");
        };
    }

    /**
     * The blob store blobs.store names, shared by every process of a deployment: the directory (blobs.dir) or the
     * S3 bucket (blobs.s3.*), whose answer is checked here, before anything else of the role starts.
     */
    static BlobStore blobStore(Config config) {
        long maxBytes = Long.parseLong(config.get(ConfigKey.BLOBS_MAX_BYTES));
        Duration frames = Duration.ofHours(config.getInt(ConfigKey.BLOBS_FRAME_RETENTION_HOURS));
        Duration clips = Duration.ofHours(config.getInt(ConfigKey.BLOBS_CLIP_RETENTION_HOURS));
        BlobStore.Policy policy = new BlobStore.Policy(Map.of(BlobKind.FRAME, frames, BlobKind.CLIP, clips), maxBytes,
                Long.parseLong(config.get(ConfigKey.BLOBS_MAX_OBJECT_BYTES)));
        if (isS3(config)) {
            if (!config.isSet(ConfigKey.BLOBS_S3_BUCKET)) throw new IllegalArgumentException("blobs.store=s3 needs blobs.s3.bucket");
            S3BlobStore.Settings settings = new S3BlobStore.Settings(
                    config.isSet(ConfigKey.BLOBS_S3_ENDPOINT) ? URI.create(config.get(ConfigKey.BLOBS_S3_ENDPOINT)) : null,
                    config.get(ConfigKey.BLOBS_S3_REGION), config.get(ConfigKey.BLOBS_S3_BUCKET), config.get(ConfigKey.BLOBS_S3_PREFIX),
                    config.get(ConfigKey.BLOBS_S3_ACCESS_KEY), config.get(ConfigKey.BLOBS_S3_SECRET_KEY),
                    config.getBoolean(ConfigKey.BLOBS_S3_PATH_STYLE), Duration.ofMillis(config.getInt(ConfigKey.BLOBS_S3_TIMEOUT_MS)),
                    config.getInt(ConfigKey.BLOBS_S3_MAX_ATTEMPTS));
            try {
                return S3BlobStore.open(settings, policy);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        Path dir = blobsDir(config);
        try {
            return new FileBlobStore(dir, policy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob store at " + dir + ": " + e, e);
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
    public BlobStore blobs() {
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
        blobs.close();
    }
}
