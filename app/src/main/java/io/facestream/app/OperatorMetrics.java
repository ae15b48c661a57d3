package io.facestream.app;

import io.facestream.api.backend.Backend;
import io.facestream.api.backend.PipelineKafka;
import io.facestream.api.live.AlertFeed;
import io.facestream.ingest.publish.AnalysisMetrics;
import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.topologies.views.FileView;
import io.facestream.vectors.VectorStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What an operator watches at /metrics beyond HTTP, JVM and Kafka Streams' own figures (docker/grafana-dashboard.json
 * charts them). Every label's values are bounded and stable across restarts: camera ids, topic names, the most
 * recent {@link #MAX_FILES} file ids, statuses; never a process, thread or session id.
 * <ul>
 *   <li>per camera: {@code facestream_source_frames_{read,analysed,dropped}_total{kind,camera}}, {@code facestream_camera_fps},
 *       {@code facestream_camera_reconnects_total}</li>
 *   <li>per replay (from the files view, so replays run by other processes show too): {@code facestream_replay_*{file}}</li>
 *   <li>{@code facestream_consumer_lag_records{topic}}: what this instance's pipeline has yet to read</li>
 *   <li>histograms: {@code facestream_alert_latency_seconds} (a live camera's frame to its alert at this instance),
 *       {@code facestream_detection_latency_seconds}, {@code facestream_embedding_batch_latency_seconds}</li>
 *   <li>{@code facestream_vectors_faces}: faces in the vector store</li>
 * </ul>
 */
final class OperatorMetrics implements AutoCloseable {
    static final int MAX_FILES = 100;
    private static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Duration LAG_FRESH = Duration.ofSeconds(1);

    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("operator-metrics").daemon().factory());
    private final MeterRegistry registry;
    private final Backend backend;
    private final AlertFeed alerts;
    private final Set<String> countedSources = ConcurrentHashMap.newKeySet();
    private final Set<String> countedReconnects = ConcurrentHashMap.newKeySet();
    private final AtomicLong vectorCount = new AtomicLong();
    /** The lag gauge's topics, registered by {@link #followLagTopics}; only the refresher writes it. */
    private Set<String> lagTopics = Set.of();
    private volatile Map<String, Long> lastLag = Map.of();
    private long lagAt = System.nanoTime() - LAG_FRESH.toNanos() - 1;

    private OperatorMetrics(MeterRegistry registry, Backend backend, AlertFeed alerts) {
        this.registry = registry;
        this.backend = backend;
        this.alerts = alerts;
    }

    /**
     * @param ingest null in a process without camera workers
     */
    static OperatorMetrics start(MeterRegistry registry, Backend backend, InferenceMetrics embedding, Ingest ingest, AlertFeed alerts) {
        OperatorMetrics m = new OperatorMetrics(registry, backend, alerts);
        Timer embed = histogram(registry, "facestream.embedding.batch.latency", "Time in the embedding model per micro-batch");
        embedding.observe(nanos -> embed.record(nanos, TimeUnit.NANOSECONDS));
        if (ingest != null) {
            Timer detect = histogram(registry, "facestream.detection.latency", "Time in the detection models per frame");
            ingest.analysisMetrics().models().observe(nanos -> detect.record(nanos, TimeUnit.NANOSECONDS));
        }
        Timer alertLatency = histogram(registry, "facestream.alert.latency",
                "From a live camera's frame (its event time) to its POI alert reaching this instance");
        alerts.subscribe("operator-metrics", alert -> {
            // replays stamp media time onto a chosen base time: only a camera's own alerts measure latency
            if (alert.getSourceId().equals(alert.getCameraId())) {
                long ms = Instant.now().toEpochMilli() - alert.getTimestamp().toEpochMilli();
                if (ms >= 0) alertLatency.record(ms, TimeUnit.MILLISECONDS);
            }
        });
        io.micrometer.core.instrument.Gauge.builder("facestream.vectors.faces", m.vectorCount, AtomicLong::doubleValue)
                .description("Faces in the vector store's faces collection").register(registry);
        MultiGauge fps = gauge(registry, "facestream.camera.fps", "Frames per second each camera's worker measured (0 when offline)");
        MultiGauge lag = gauge(registry, "facestream.consumer.lag.records", "Records this instance's pipeline has yet to read, per topic");
        MultiGauge fileFrames = gauge(registry, "facestream.replay.frames.processed", "Sampled frames a replay has analysed");
        MultiGauge fileDeclared = gauge(registry, "facestream.replay.frames.declared", "Frames the replayed file's container declares");
        MultiGauge fileFaces = gauge(registry, "facestream.replay.faces", "Faces a replay has published");
        MultiGauge fileProgress = gauge(registry, "facestream.replay.progress", "Fraction of a replayed file done, 0..1");
        MultiGauge fileFps = gauge(registry, "facestream.replay.fps", "A replay's sampled frames per second of wall time so far");
        MultiGauge fileStatus = gauge(registry, "facestream.replay.status", "1 for a replay's current status (processing, completed, partial, failed, stale)");
        m.refresher.scheduleWithFixedDelay(() -> {
            m.quietly(() -> fps.register(backend.queries().cameras().stream()
                    .map(c -> MultiGauge.Row.of(Tags.of("camera", c.cameraId()), c.measuredFps())).toList(), true));
            m.quietly(() -> m.followLagTopics(lag));
            m.quietly(() -> m.vectorCount.set(backend.vectors().count(VectorStore.FACES)));
            m.quietly(() -> {
                List<FileView> files = new ArrayList<>(backend.queries().files());
                files.sort(Comparator.comparing((FileView f) -> f.file().getUpdatedAt()).reversed());
                List<FileView> recent = files.subList(0, Math.min(MAX_FILES, files.size()));
                fileFrames.register(rows(recent, f -> (double) f.file().getFramesProcessed()), true);
                fileDeclared.register(rows(recent, f -> (double) f.file().getFrameCount()), true);
                fileFaces.register(rows(recent, f -> (double) f.file().getFacesDetected()), true);
                fileProgress.register(rows(recent, f -> (double) f.file().getProgress()), true);
                fileFps.register(rows(recent, f -> {
                    double seconds = Math.max(1, Duration.between(f.file().getRegisteredAt(), f.file().getUpdatedAt()).toMillis() / 1000.0);
                    return f.file().getFramesProcessed() / seconds;
                }), true);
                List<MultiGauge.Row<?>> statuses = new ArrayList<>();
                for (FileView f : recent) {
                    for (FileStatus s : FileStatus.values()) {
                        statuses.add(MultiGauge.Row.of(Tags.of("file", f.fileId(), "status", s.name().toLowerCase(Locale.ROOT)),
                                f.file().getStatus() == s ? 1 : 0));
                    }
                }
                fileStatus.register(statuses, true);
            });
            if (ingest != null) m.followCameras(ingest);
        }, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        return m;
    }

    /**
     * The lag gauge's rows: one per topic this instance's stream threads consume (their tasks' partitions, which Kafka
     * Streams keeps at hand) or whose lag was last read (the global stores' topics too), registered again only when that
     * set changes. Each row's value is read from {@link #lagByTopic()}, so the lag is summed when /metrics is read.
     */
    private void followLagTopics(MultiGauge lag) {
        Set<String> topics = new TreeSet<>(lastLag.keySet());
        for (ThreadMetadata thread : backend.streams().metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) task.topicPartitions().forEach(p -> topics.add(p.topic()));
        }
        if (topics.equals(lagTopics)) return;
        lag.register(topics.stream().<MultiGauge.Row<?>>map(topic -> MultiGauge.Row.of(Tags.of("topic", topic), this,
                m -> m.lagByTopic().getOrDefault(topic, 0L))).toList(), true);
        lagTopics = topics;
    }

    /**
     * What the pipeline has yet to read, per topic, summed when a reader asks and kept for {@link #LAG_FRESH} (a scrape
     * reads every row): it walks every Kafka client metric of the pipeline, which a timer did every 5 s, most of an idle
     * process's metrics refresh.
     */
    private synchronized Map<String, Long> lagByTopic() {
        long now = System.nanoTime();
        if (now - lagAt > LAG_FRESH.toNanos()) {
            try {
                lastLag = PipelineKafka.lagByTopic(backend.streams());
            } catch (RuntimeException e) {
                lastLag = Map.of(); // the pipeline is starting or rebalancing: no lag known
            }
            lagAt = now;
        }
        return lastLag;
    }

    /** Counters for each camera as it first shows up (they only grow: a camera once seen keeps its series). */
    private void followCameras(Ingest ingest) {
        for (AnalysisMetrics.SourceCounts counts : ingest.analysisMetrics().sources()) {
            if (!countedSources.add(counts.kind() + "/" + counts.camera())) continue;
            Tags tags = Tags.of("kind", counts.kind(), "camera", counts.camera());
            counter("facestream.source.frames.read", "Frames the source gave to detection", tags, counts.read());
            counter("facestream.source.frames.analysed", "Frames detection analysed", tags, counts.analysed());
            counter("facestream.source.frames.dropped", "Frames read but not analysed (detection or the blob store failed)", tags, counts.dropped());
        }
        for (Map.Entry<String, LongAdder> e : ingest.reconnects().entrySet()) {
            if (countedReconnects.add(e.getKey())) {
                counter("facestream.camera.reconnects", "Times a camera's stream came back after dropping", Tags.of("camera", e.getKey()), e.getValue());
            }
        }
    }

    private void counter(String name, String description, Tags tags, LongAdder value) {
        FunctionCounter.builder(name, value, LongAdder::doubleValue).description(description).tags(tags).register(registry);
    }

    private static List<MultiGauge.Row<?>> rows(List<FileView> files, java.util.function.ToDoubleFunction<FileView> value) {
        return files.stream().<MultiGauge.Row<?>>map(f -> MultiGauge.Row.of(Tags.of("file", f.fileId()), value.applyAsDouble(f))).toList();
    }

    private static MultiGauge gauge(MeterRegistry registry, String name, String description) {
        return MultiGauge.builder(name).description(description).register(registry);
    }

    private static Timer histogram(MeterRegistry registry, String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    }

    /** The views are not queryable while the pipeline starts or rebalances, the vector store may be away: the next refresh catches up. */
    private void quietly(Runnable refresh) {
        try {
            refresh.run();
        } catch (RuntimeException e) {
            // skipped this round
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        alerts.unsubscribe("operator-metrics");
    }
}
