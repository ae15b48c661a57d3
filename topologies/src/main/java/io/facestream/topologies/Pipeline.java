package io.facestream.topologies;

import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.Embedder;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.models.MatchThresholds;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The recognition pipeline running: {@link FacestreamTopology} in a {@link KafkaStreams} instance. */
public final class Pipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    /** The record caches' bytes, all stream threads together (see {@link #start}). */
    static final long CACHE_BYTES = 64L << 20;

    /**
     * How this instance joins the cluster.
     *
     * @param commitInterval    under exactly-once a result is visible to consumers only after the commit, so
     *                          this bounds what each hop adds to frame-to-alert latency
     * @param applicationServer host:port of this instance's API, for routing queries of keys it does not own; null when none
     * @param sessionTimeout    how long the group waits for a silent instance (crashed, cut off) before its tasks move to
     *                          the others: what a failover costs before the survivors restore and answer
     * @param poll              how long a stream thread waits for records when none are there (Kafka Streams' poll.ms):
     *                          the loop's period while records flow and for {@link #IDLE_AFTER} after, and how late a
     *                          wall-clock timer (an embedding batch's wait) may run once the input is drained
     * @param idlePoll          how long a stream thread (and the global thread) waits for records once none has come for
     *                          {@link #IDLE_AFTER}: an idle pipeline's loop period; not above {@code poll}
     *                          turns the back-off off (see {@link PipelineClients.BackingOffConsumer})
     * @param standbyReplicas   warm copies of each task's stores kept on other instances ({@code num.standby.replicas}):
     *                          queries fall back to them while an instance is dead or the group rebalances, and a
     *                          takeover restores little; without another instance none is kept
     */
    public record Settings(String bootstrapServers, String applicationId, Path stateDir, int threads, Duration commitInterval,
                           short replicationFactor, String applicationServer, Duration sessionTimeout, Duration poll,
                           Duration idlePoll, int standbyReplicas) {
        /** Kafka's own default session timeout. */
        public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);
        /** The default {@link #poll}. */
        public static final Duration DEFAULT_POLL = Duration.ofMillis(100);
        /**
         * How long nothing must have come before a thread's poll waits {@link #idlePoll}: longer than every wall-clock
         * timer that still runs after the input stops (a silent camera's tracks end after 5 s, its timer ticks every
         * second; an embedding batch waits 10 ms; changed centroids 1 s), so those keep the pace of {@link #poll}.
         */
        public static final Duration IDLE_AFTER = Duration.ofSeconds(10);
        /** The default {@link #idlePoll}. */
        public static final Duration DEFAULT_IDLE_POLL = Duration.ofSeconds(1);
        /** One standby: costs nothing alone (Kafka Streams keeps no copy on the active's own instance), a warm copy scaled out. */
        public static final int DEFAULT_STANDBY_REPLICAS = 1;

        /** The longest {@link #idlePoll}: what a stop may wait for an idle thread's poll (Kafka Streams does not wake it). */
        public static final Duration MAX_IDLE_POLL = Duration.ofSeconds(10);

        public Settings {
            if (idlePoll.isNegative() || idlePoll.compareTo(MAX_IDLE_POLL) > 0) {
                throw new IllegalArgumentException("the idle poll must be 0 to " + MAX_IDLE_POLL.toMillis() + " ms, got " + idlePoll.toMillis());
            }
        }

        public Settings(String bootstrapServers, String applicationId, Path stateDir, int threads, Duration commitInterval,
                        short replicationFactor, String applicationServer) {
            this(bootstrapServers, applicationId, stateDir, threads, commitInterval, replicationFactor, applicationServer,
                    DEFAULT_SESSION_TIMEOUT, DEFAULT_POLL, DEFAULT_IDLE_POLL, DEFAULT_STANDBY_REPLICAS);
        }
    }

    private final KafkaStreams streams;
    private final Gallery gallery;
    private final MatchThresholds thresholds;
    private final InferenceMetrics metrics;
    private final CountDownLatch running = new CountDownLatch(1);

    private Pipeline(KafkaStreams streams, Gallery gallery, MatchThresholds thresholds, InferenceMetrics metrics) {
        this.streams = streams;
        this.gallery = gallery;
        this.thresholds = thresholds;
        this.metrics = metrics;
    }

    public static Pipeline start(Settings settings, PipelineSettings pipeline, AvroSerdes serdes, Embedder embedder, VectorStore vectors) {
        vectors.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
        vectors.ensureCollection(VectorStore.IDENTITIES, VectorStore.DEFAULT_DIMENSION);
        FacestreamTopology.registerAlertPathSchemas(serdes, settings.applicationId());
        Gallery gallery = new Gallery();
        InferenceMetrics metrics = new InferenceMetrics();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval().toMillis());
        // The record caches (shared by a thread's stores) coalesce a key's writes within a commit into one store and
        // changelog write. Kafka's 10 MiB, split between the threads, was full of faces and identities read back, so
        // writing an identity (~18 KiB, once per face) evicted its own store's oldest entries and, when those were
        // not yet written, flushed them mid-commit: the same identity went to RocksDB and its changelog several
        // times a commit (measured: 8.5 % of identity resolution's thread in NamedCache.evict).
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, CACHE_BYTES);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) settings.replicationFactor());
        // Wall-clock punctuation (the embedding batch's maximum wait) runs between polls; a poll returns as soon as
        // records come, so this is the idle loop's period (5 ms made an idle pipeline loop 200 times a second per thread,
        // 20 ms 50 times) and the most a batch (and the commit that makes its alerts visible) waits past its due time
        // once the input is drained. A live camera's crops do not wait for it: the batch is flushed, and the commit
        // requested, at the end of each of its frames (EmbeddingProcessor.IN_STEP).
        p.put(StreamsConfig.POLL_MS_CONFIG, settings.poll().toMillis());
        // Crops and frames meet in one task, and a frame is tracked with the crops that came before it. A fetch brings a
        // partition's records up to a byte limit, so behind a backlog one fetch holds hundreds of frames (~100 bytes,
        // the JPEG only at the live-view rate) but far fewer crops (a few KiB each): with -1 (process whatever is
        // buffered) the task ran out of crops and tracked the frames after them without their crops, which then
        // came and were dropped (CropsBehindFramesTest; bench pipeline's every-detection variant lost a quarter to a
        // half of its faces). 0: a task whose partition is empty locally while the broker holds more (its fetched lag)
        // waits for the next poll instead, so the two topics are read in time order; a partition known to be caught
        // up does not hold the other back (no idling beyond that).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
        // Undecodable records and records a processor fails on for good go to the dead-letter topic; see SkipUndecodableRecords
        // and SkipPoisonRecords.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, SkipUndecodableRecords.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, SkipPoisonRecords.class);
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DEAD_LETTERS);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Topics.DEAD_LETTER_MAX_BYTES);
        // Under exactly-once a record is visible only once its transaction commits, and the commit flushes the producer
        // first: a linger delays nothing a consumer sees, while linger 0 sent a produce request (and woke the broker)
        // per record. 100 ms is Kafka Streams' own default, longer than the commit interval: the commit sends.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 100);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        if (settings.applicationServer() != null) p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.applicationServer());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, settings.standbyReplicas());
        // Static membership: a process restarted on the same state dir (after a crash too) takes its old place in
        // the group at once, where a new member would wait for the dead one's session (45 s) to expire first.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId(settings.stateDir()));
        // A static member that stops heartbeating keeps its tasks until its session ends: this is the failover time.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) settings.sessionTimeout().toMillis());
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.min(3000, settings.sessionTimeout().toMillis() / 3));
        // The instance taking over a dead one's tasks waits for its open transaction to time out before it can read
        // their committed offsets: no longer than the session (Kafka Streams' own 10 s when the session is longer).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) Math.min(10_000, settings.sessionTimeout().toMillis()));
        KafkaStreams streams = new KafkaStreams(FacestreamTopology.build(pipeline, serdes, embedder, gallery, vectors, metrics), p,
                new PipelineClients(settings.idlePoll()));
        Pipeline started = new Pipeline(streams, gallery, pipeline.thresholds(), metrics);
        streams.setStateListener((now, before) -> {
            log.info("pipeline {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) started.running.countDown();
        });
        streams.setUncaughtExceptionHandler(e -> {
            log.error("pipeline thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return started;
    }

    /** This instance's member id in the group, kept in its state dir so a restart on the same disk reuses it. */
    private static String instanceId(Path stateDir) {
        Path file = stateDir.resolve("facestream-instance-id");
        try {
            if (Files.exists(file)) return Files.readString(file).strip();
            Files.createDirectories(stateDir);
            String id = "facestream-" + UUID.randomUUID();
            Files.writeString(file, id);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file, e);
        }
    }

    /** Waits until every task is assigned and restored. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the pipeline did not reach RUNNING within " + timeout + " (state " + streams.state() + ")");
        }
    }

    public KafkaStreams streams() {
        return streams;
    }

    public Gallery gallery() {
        return gallery;
    }

    /** The thresholds this pipeline's matches are judged by, for the API's own matches to apply too. */
    public MatchThresholds thresholds() {
        return thresholds;
    }

    public InferenceMetrics metrics() {
        return metrics;
    }

    /**
     * Leaves the group on the way out: otherwise the group keeps this member's tasks for the session timeout
     * (45 s), so a restarted standalone, or the instances that take over, processed nothing for that long.
     */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
