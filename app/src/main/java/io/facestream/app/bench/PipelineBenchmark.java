package io.facestream.app.bench;

import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.Pipeline;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.tracking.TrackerSettings;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code facestream bench pipeline}: a generated 640x360 video (one POI coming and going, one stranger
 * throughout) replayed through ingest and every topology on an embedded broker, as fast as it goes, once with
 * the tracker choosing which faces to embed and once embedding every detection; then replayed at real
 * time as a live camera, for frame-to-alert latency. Each variant gets a fresh broker, so none reads
 * another's records. The models' own cost per frame and per embedding is measured in the same run.
 */
public final class PipelineBenchmark {
    private static final int WIDTH = 640, HEIGHT = 360;
    private static final double FPS = 10;
    private static final int WARM_UP_REPLAYS = 3;

    private final PrintStream out;
    private final int seconds;
    private final FaceAnalyzer analyzer;
    private final List<BufferedImage> sprites;
    private final Path work;

    private PipelineBenchmark(PrintStream out, int seconds, FaceAnalyzer analyzer) throws Exception {
        this.out = out;
        this.seconds = seconds;
        this.analyzer = analyzer;
        this.sprites = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        this.work = Files.createTempDirectory("facestream-bench-pipeline");
    }

    public static void run(PrintStream out, int seconds) throws Exception {
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            new PipelineBenchmark(out, seconds, analyzer).run();
        }
    }

    /**
     * @param coldWallSeconds the same replay, first on the fresh cluster (JIT compilation, first transactions)
     * @param cpuSeconds      the process's CPU time (every thread: ingest, broker, pipeline, JIT, GC) from the measured
     *                        replay's start until every sighting was final (ingest alone: until the replay ended); on a
     *                        shared machine this varies far less than the times do
     * @param coldCpuSeconds  the same for the cold replay, until its tracks had ended
     */
    private record Throughput(String name, double replaySeconds, double wallSeconds, double coldWallSeconds, long frames, long faces,
                              long embeddings, double resolvedSeconds, double cpuSeconds, double coldCpuSeconds, Map<String, Double> threadCpu) {
    }

    /**
     * The groups of Java threads whose CPU time the benchmark reports, first match wins: the pipeline's stream threads
     * (with their producers' I/O threads), the embedded broker's threads, the vector store and embedding pool, and ingest.
     */
    private static final List<Map.Entry<String, java.util.regex.Pattern>> THREAD_GROUPS = List.of(
            Map.entry("stream threads", java.util.regex.Pattern.compile(".*StreamThread.*")),
            Map.entry("vector store, embedding", java.util.regex.Pattern.compile("vector-.*|Lucene.*|facestream-embed.*")),
            Map.entry("ingest", java.util.regex.Pattern.compile("main|replay-.*|kafka-producer-network-thread \\| bench|blob.*")),
            Map.entry("broker", java.util.regex.Pattern.compile("data-plane-kafka.*|kafka-.*|TxnMarkerSender.*|group-coordinator.*"
                    + "|AddPartitionsToTxn.*|ExpirationReaper.*|executor-.*|quorum-.*|broker-.*|share-coordinator.*|transaction-.*"
                    + "|controller-.*|raft-.*|LogDirFailureHandler|metadata-.*|.*-event-handler|ReplicaFetcher.*|kafka-log-cleaner.*")));

    private static final String GC_WALL = "GC pauses and cycles (wall s)", JIT_WALL = "JIT compilation (wall s)";

    /** Wall ms the collectors and the JIT compilers have spent so far (their CPU is in "outside Java threads"). */
    private static double[] gcAndJitMillis() {
        double gc = 0;
        for (var collector : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) gc += Math.max(0, collector.getCollectionTime());
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return new double[]{gc, jit == null ? 0 : jit.getTotalCompilationTime()};
    }

    /** CPU ns of every live Java thread (id to name and time). */
    private static Map<Long, Map.Entry<String, Long>> threadCpu() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Map.Entry<String, Long>> out = new java.util.HashMap<>();
        for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) continue;
            long ns = threads.getThreadCpuTime(info.getThreadId());
            if (ns >= 0) out.put(info.getThreadId(), Map.entry(info.getThreadName(), ns));
        }
        return out;
    }

    /**
     * CPU seconds per thread group between {@code before} and now, over the Java threads alive now (a thread that ended in
     * between is missed: the long-lived stream and broker threads are not); "outside Java threads" is the rest of the
     * process's time: JIT compilers, GC, ONNX Runtime's own threads, and the Java threads that ended.
     */
    private static Map<String, Double> threadCpuSince(Map<Long, Map.Entry<String, Long>> before, double processCpuBefore, double[] gcJitBefore) {
        Map<String, Double> groups = new java.util.LinkedHashMap<>();
        THREAD_GROUPS.forEach(g -> groups.put(g.getKey(), 0.0));
        groups.put("other Java threads", 0.0);
        double java = 0;
        for (var e : threadCpu().entrySet()) {
            var was = before.get(e.getKey());
            double seconds = (e.getValue().getValue() - (was == null ? 0 : was.getValue())) / 1e9;
            String name = e.getValue().getKey();
            String group = THREAD_GROUPS.stream().filter(g -> g.getValue().matcher(name).matches()).map(Map.Entry::getKey).findFirst()
                    .orElse("other Java threads");
            groups.merge(group, seconds, Double::sum);
            java += seconds;
        }
        groups.put("outside Java threads", processCpuSeconds() - processCpuBefore - java);
        double[] gcJit = gcAndJitMillis();
        groups.put(GC_WALL, (gcJit[0] - gcJitBefore[0]) / 1000);
        groups.put(JIT_WALL, (gcJit[1] - gcJitBefore[1]) / 1000);
        return groups;
    }

    /** CPU time of this whole process so far, in seconds. */
    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private void run() throws Exception {
        try {
            Path video = video(work.resolve("bench.mp4"));
            out.printf("video: %dx%d, %.0f fps sampled, %d s, one POI coming and going (%d appearances), one stranger throughout%n",
                    WIDTH, HEIGHT, FPS, seconds, appearances());
            double[] model = modelCost(video);
            PipelineSettings defaults = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
            TrackerSettings t = defaults.tracker();
            PipelineSettings everyFace = defaults.withTracker(new TrackerSettings(t.highScore(), t.lowScore(), t.matchIou(),
                    t.lowMatchIou(), t.gapMillis(), t.updateEveryMillis(), 0, -1, Integer.MAX_VALUE, t.recheckMillis(), t.recheckMaxMillis(), t.historyMillis(), Integer.MAX_VALUE));
            List<Throughput> rows = List.of(throughput("ingest alone, no pipeline (baseline)", video, null),
                    throughput("tracker chooses (default)", video, defaults),
                    throughput("every detection embedded", video, everyFace));
            out.println();
            out.println("| variant | ingest done after | tracks all ended after | frames/s | faces/s | embeddings/s | x real time | all sightings final after | ratio | x real time, cold | CPU s | CPU s, cold |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (Throughput r : rows) {
                boolean pipeline = r.resolvedSeconds() > 0;
                out.printf("| %s | %.1f s | %.1f s | %.1f | %.1f | %s | %.1f | %s | x%.2f | %.1f | %.1f | %.1f |%n", r.name(), r.replaySeconds(), r.wallSeconds(),
                        r.frames() / r.wallSeconds(),
                        r.faces() / r.wallSeconds(), pipeline ? String.format("%.1f", r.embeddings() / r.wallSeconds()) : "-",
                        seconds / r.wallSeconds(), pipeline ? String.format("%.1f s", r.resolvedSeconds()) : "-",
                        rows.get(0).wallSeconds() / r.wallSeconds(), seconds / r.coldWallSeconds(), r.cpuSeconds(), r.coldCpuSeconds());
            }
            out.printf("CPU s: the whole process's CPU time for the measured replay (until every sighting was final), and for the cold one"
                    + " (until its tracks ended); the pipeline's own = a pipeline variant's minus ingest alone's: %.1f s (tracker chooses), %.1f s cold%n",
                    rows.get(1).cpuSeconds() - rows.get(0).cpuSeconds(), rows.get(1).coldCpuSeconds() - rows.get(0).coldCpuSeconds());
            for (Throughput r : rows) {
                StringBuilder line = new StringBuilder("CPU s of the measured replay by thread, " + r.name() + ":");
                r.threadCpu().forEach((group, s) -> line.append(String.format("%s %s %.2f,", group.equals(GC_WALL) ? ";" : "", group, s)));
                out.println(line.substring(0, line.length() - 1).replace(",;", ";"));
            }
            out.printf("%nmodels alone, same run: analyze (detect + landmarks + align) %.2f ms per frame -> at most %.0f frames/s on one thread;"
                    + " embed %.2f ms per face%n", model[0], 1000 / model[0], model[1]);
            // The third figure: how close each variant comes to what its model calls alone would take on every core.
            int cores = Runtime.getRuntime().availableProcessors();
            StringBuilder share = new StringBuilder(String.format("the models' own cost against each variant's time (its frames analysed and"
                    + " faces embedded at the costs above, spread over %d cores, divided by its replay's wall time; cold in brackets):", cores));
            for (Throughput r : rows) {
                double modelSeconds = (r.frames() * model[0] + r.embeddings() * model[1]) / 1000.0 / cores;
                share.append(String.format(" %s x%.2f (x%.2f);", r.name(), modelSeconds / r.wallSeconds(), modelSeconds / r.coldWallSeconds()));
            }
            out.println(share.substring(0, share.length() - 1));
            latency(video, defaults);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A cluster of its own with the POI enrolled (and, unless settings are null, a pipeline). */
    private BenchCluster cluster(String name, PipelineSettings settings) throws Exception {
        return new BenchCluster(work.resolve(name), work.resolve("blobs"), analyzer,
                SamplePoi.fromFace(analyzer, sprites.get(0), "bench-poi", "Bench POI", null), settings, FPS);
    }

    private int appearances() {
        return (int) Math.ceil(seconds / 4.0);
    }

    private Path video(Path file) throws Exception {
        return twoFaceVideo(file, sprites, seconds);
    }

    /**
     * The benchmarks' scene, 640x360 at 10 fps: the POI ({@code sprites[0]}) walks in for 1.5 s every 4 s (each a new
     * track), the stranger ({@code sprites[1]}) stays.
     */
    static Path twoFaceVideo(Path file, List<BufferedImage> sprites, int seconds) throws Exception {
        int frames = (int) (seconds * FPS);
        List<Sprite> scene = new ArrayList<>();
        scene.add(new Sprite(sprites.get(1), 0, frames - 1, 470, 190, 430, 180, 150, 150));
        for (int start = 0; start < frames; start += 40) {
            scene.add(new Sprite(sprites.get(0), start, Math.min(frames - 1, start + 14), 120, 180, 200, 170, 140, 160));
        }
        SceneVideoWriter.write(file, WIDTH, HEIGHT, FPS, frames, scene);
        return file;
    }

    /** ms per analyzed frame and per embedding, on frames of the benchmark video itself. */
    private double[] modelCost(Path video) throws Exception {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        BufferedImage frame = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        var g = frame.createGraphics();
        g.drawImage(sprites.get(0), 50, 100, 150, 180, null);
        g.drawImage(sprites.get(1), 400, 100, 150, 180, null);
        g.dispose();
        ImageIO.write(frame, "jpg", jpeg);
        byte[] bytes = jpeg.toByteArray();
        List<DetectedFace> faces = analyzer.analyze(bytes);
        for (int i = 0; i < 20; i++) analyzer.analyze(bytes);
        int n = 100;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) analyzer.analyze(bytes);
        double analyzeMs = (System.nanoTime() - t0) / 1e6 / n;
        for (int i = 0; i < 10; i++) analyzer.embed(faces.get(0).aligned());
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) analyzer.embed(faces.get(0).aligned());
        return new double[]{analyzeMs, (System.nanoTime() - t0) / 1e6 / n};
    }


    /**
     * Replays at maximum speed; done when every track of the file has ended (tracking and embedding caught up).
     * Each variant replays the video unmeasured first, on the same cluster: a 60 s video goes through in a few
     * seconds, and in a JVM started minutes ago the JIT compiler still takes a fifth of the two cores (JFR
     * measured 14 s of compilation during one 16 s variant); a running deployment is past that.
     */
    private Throughput throughput(String name, Path video, PipelineSettings settings) throws Exception {
        try (BenchCluster cluster = cluster("run-" + UUID.randomUUID(), settings);
             KafkaConsumer<String, TrackEvent> tracks = cluster.consumer(Topics.TRACKS, TrackEvent.class);
             KafkaConsumer<String, Sighting> sightings = cluster.consumer(Topics.SIGHTINGS, Sighting.class)) {
            Measured cold = replayUntilCaughtUp(cluster, video, "warm-up-0", tracks);
            for (int i = 1; i < WARM_UP_REPLAYS; i++) replayUntilCaughtUp(cluster, video, "warm-up-" + i, tracks);
            Measured warm = replayUntilCaughtUp(cluster, video, "bench-file", tracks);
            if (cluster.pipeline == null) {
                return new Throughput(name, warm.replaySeconds, warm.wallSeconds, cold.wallSeconds, warm.result.frames(), warm.result.faces(), 0, 0,
                        processCpuSeconds() - warm.cpuAtStart, cold.cpuSeconds, threadCpuSince(warm.threadsAtStart, warm.cpuAtStart, warm.gcJitAtStart));
            }
            streamThreadMetrics(name, cluster.pipeline);
            java.util.Set<String> finals = new java.util.HashSet<>();
            while (finals.size() < warm.tracks && System.nanoTime() - warm.start < Duration.ofMinutes(10).toNanos()) {
                for (var r : sightings.poll(Duration.ofMillis(20))) {
                    if (r.value().getFinal$() && "bench-file".equals(r.value().getFileId())) finals.add(r.value().getSightingId());
                }
            }
            return new Throughput(name, warm.replaySeconds, warm.wallSeconds, cold.wallSeconds, warm.result.frames(), warm.result.faces(),
                    warm.embeddings, (System.nanoTime() - warm.start) / 1e9, processCpuSeconds() - warm.cpuAtStart, cold.cpuSeconds,
                    threadCpuSince(warm.threadsAtStart, warm.cpuAtStart, warm.gcJitAtStart));
        }
    }

    private record Measured(Replayer.Result result, long start, double replaySeconds, double wallSeconds, long tracks, long embeddings,
                            double cpuAtStart, double cpuSeconds, Map<Long, Map.Entry<String, Long>> threadsAtStart, double[] gcJitAtStart) {
    }

    private Measured replayUntilCaughtUp(BenchCluster cluster, Path video, String fileId, KafkaConsumer<String, TrackEvent> tracks) throws Exception {
        long embeddedBefore = cluster.pipeline == null ? 0 : cluster.pipeline.metrics().items();
        Map<Long, Map.Entry<String, Long>> threads0 = threadCpu();
        double[] gcJit0 = gcAndJitMillis();
        double cpu0 = processCpuSeconds();
        long t0 = System.nanoTime();
        Replayer.Result result = cluster.replay(video, fileId, ReplaySpeed.MAX, Instant.now().minus(Duration.ofDays(1)));
        double replayed = (System.nanoTime() - t0) / 1e9;
        if (cluster.pipeline == null) return new Measured(result, t0, replayed, replayed, 0, 0, cpu0, processCpuSeconds() - cpu0, threads0, gcJit0);
        long started = 0, ended = 0;
        while (started == 0 || ended < started) {
            for (var r : tracks.poll(Duration.ofMillis(20))) {
                if (!fileId.equals(r.value().getFileId())) continue;
                if (r.value().getType() == TrackEventType.STARTED) started++;
                if (r.value().getType() == TrackEventType.ENDED) ended++;
            }
            if (System.nanoTime() - t0 > Duration.ofMinutes(10).toNanos()) throw new IllegalStateException("the pipeline did not catch up");
        }
        return new Measured(result, t0, replayed, (System.nanoTime() - t0) / 1e9, started, cluster.pipeline.metrics().items() - embeddedBefore,
                cpu0, processCpuSeconds() - cpu0, threads0, gcJit0);
    }

    /** Live camera at real time: event time is capture time, so alert arrival minus event time is frame-to-alert latency. */
    private void latency(Path video, PipelineSettings settings) throws Exception {
        try (BenchCluster cluster = cluster("live-" + UUID.randomUUID(), settings);
             KafkaConsumer<String, PoiAlert> alerts = cluster.consumer(Topics.POI_ALERTS, PoiAlert.class)) {
            List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        for (var r : alerts.poll(Duration.ofMillis(5))) {
                            if (r.value().getSourceId().equals("live-file")) latencies.add(System.currentTimeMillis() - r.value().getTimestamp().toEpochMilli());
                        }
                    }
                } catch (org.apache.kafka.common.errors.InterruptException stopped) {
                    // the benchmark interrupts the reader to stop it; a poll in progress then throws this
                }
            });
            // warm-up (not measured): the first alert after a start pays for JIT compilation and first transactions
            cluster.replay(video, "warm-up", ReplaySpeed.MAX, Instant.now().minus(Duration.ofDays(1)));
            // then a quiet spell, so the first alert is what a camera in a quiet room sees: every stream thread has backed off
            Thread.sleep(Pipeline.Settings.IDLE_AFTER.plusSeconds(5).toMillis());
            latencies.clear();
            cluster.replay(video, "live-file", new ReplaySpeed(1), Instant.now());
            Thread.sleep(3000);
            reader.interrupt();
            reader.join();
            List<Long> sorted = latencies.stream().sorted().toList();
            out.printf("%nlive camera at real time (%d s): %d alerts for %d POI appearances; frame-to-alert latency p50 %d ms, p99 %d ms, max %d ms%n",
                    seconds, sorted.size(), appearances(), percentile(sorted, 50), percentile(sorted, 99), sorted.isEmpty() ? -1 : sorted.getLast());
            out.println("each alert's latency in order, ms: " + latencies);
        }
    }

    /** Where the stream threads' time went: the figures Kafka Streams keeps per thread, summed over threads. */
    private void streamThreadMetrics(String variant, Pipeline pipeline) {
        Map<String, Double> sums = new java.util.TreeMap<>();
        pipeline.streams().metrics().forEach((name, metric) -> {
            if (!name.group().equals("stream-thread-metrics")) return;
            if (!List.of("commit-latency-avg", "commit-total", "poll-latency-avg", "poll-total", "process-latency-avg", "process-total",
                    "punctuate-latency-avg", "punctuate-total", "commit-ratio", "poll-ratio", "process-ratio", "punctuate-ratio").contains(name.name())) return;
            if (metric.metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) sums.merge(name.name(), n.doubleValue(), Double::sum);
        });
        // what the stream threads' producers sent (changelogs, the hop into identity resolution, output topics): every
        // record and produce request is work for the broker too, and far less noisy than time on a shared machine
        pipeline.streams().metrics().forEach((name, metric) -> {
            if (!name.group().equals("producer-metrics") || !List.of("record-send-total", "request-total").contains(name.name())) return;
            if (metric.metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) sums.merge("producer-" + name.name(), n.doubleValue(), Double::sum);
        });
        StringBuilder line = new StringBuilder("stream threads (" + variant + ", summed over threads):");
        sums.forEach((k, v) -> line.append(String.format(" %s=%.2f", k, v)));
        out.println(line);
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return -1;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
