package io.facestream.app.bench;

import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.FolderReplay;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.PipelineSettings;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code facestream bench index}: a folder of generated videos indexed the way {@code facestream replay DIR} does it
 * (content ids, one file after the other) through ingest and every topology on an embedded broker, at 640x360 and
 * 1280x720: files per minute and times real time until every track of every file has ended, beside one of the same
 * files replayed alone on the same cluster (the {@code bench pipeline} method: warmed up, as fast as it goes), and the
 * ratio of the two.
 */
public final class IndexBenchmark {
    private static final double FPS = 10;

    private final PrintStream out;
    private final int files;
    private final int seconds;
    private final FaceAnalyzer analyzer;
    private final List<BufferedImage> sprites;
    private final Path work;

    private IndexBenchmark(PrintStream out, int files, int seconds, FaceAnalyzer analyzer) throws Exception {
        this.out = out;
        this.files = files;
        this.seconds = seconds;
        this.analyzer = analyzer;
        this.sprites = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        this.work = Files.createTempDirectory("facestream-bench-index");
    }

    public static void run(PrintStream out, int files, int seconds) throws Exception {
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            new IndexBenchmark(out, files, seconds, analyzer).run();
        }
    }

    private record Row(String size, double singleSeconds, double folderSeconds) {
    }

    private void run() throws Exception {
        try {
            out.printf("%d generated videos of %d s at %.0f fps sampled per size, one person coming and going, one stranger throughout%n",
                    files, seconds, FPS);
            List<Row> rows = List.of(measure(640, 360), measure(1280, 720));
            out.println();
            out.println("| size | one file alone: x real time | folder: all tracks ended after | files/min | x real time | folder / one file |");
            out.println("|---|---:|---:|---:|---:|---:|");
            for (Row r : rows) {
                double single = seconds / r.singleSeconds(), folder = (double) files * seconds / r.folderSeconds();
                out.printf("| %s | %.2f | %.1f s | %.2f | %.2f | x%.2f |%n", r.size(), single, r.folderSeconds(),
                        files * 60 / r.folderSeconds(), folder, folder / single);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Row measure(int width, int height) throws Exception {
        Path folder = Files.createDirectories(work.resolve(width + "x" + height));
        List<Path> videos = new ArrayList<>();
        for (int i = 0; i < files; i++) videos.add(video(folder.resolve("file-" + i + ".mp4"), width, height, i));
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
        try (BenchCluster cluster = new BenchCluster(work.resolve("cluster-" + UUID.randomUUID()), work.resolve("blobs"), analyzer,
                SamplePoi.fromFace(analyzer, sprites.get(0), "bench-poi", "Bench POI", null), settings, FPS);
             KafkaConsumer<String, TrackEvent> tracks = cluster.consumer(Topics.TRACKS, TrackEvent.class)) {
            Instant base = Instant.now().minus(Duration.ofDays(1));
            // unmeasured: the first replays on a fresh JVM and cluster pay for JIT compilation and first transactions
            long t = System.nanoTime();
            cluster.replay(videos.getFirst(), "warm-up", ReplaySpeed.MAX, base);
            awaitTracksEnded(tracks, Set.of("warm-up"), t);
            t = System.nanoTime();
            cluster.replay(videos.getFirst(), "one-file", ReplaySpeed.MAX, base);
            double single = awaitTracksEnded(tracks, Set.of("one-file"), t);

            Set<String> ids = new java.util.HashSet<>();
            for (Path v : videos) ids.add(FolderReplay.contentId(v));
            t = System.nanoTime();
            try (IngestPublisher publisher = cluster.publisher()) {
                List<FolderReplay.Outcome> outcomes = new FolderReplay(cluster.replayer(publisher)).replay(videos, Set.of(),
                        v -> new Replayer.Request(v, null, "bench-cam", ReplaySpeed.MAX, FPS, null, base, 1), (a, b, c) -> { });
                if (outcomes.stream().anyMatch(o -> o.status() != FolderReplay.Outcome.Status.REPLAYED)) {
                    throw new IllegalStateException("not every file replayed: " + outcomes);
                }
            }
            double all = awaitTracksEnded(tracks, ids, t);
            return new Row(width + "x" + height, single, all);
        }
    }

    /** Seconds from {@code t0} until every track of these files has ended (every file had at least one). */
    private static double awaitTracksEnded(KafkaConsumer<String, TrackEvent> tracks, Set<String> fileIds, long t0) {
        Map<String, long[]> perFile = new HashMap<>();
        while (true) {
            for (var r : tracks.poll(Duration.ofMillis(20))) {
                if (!fileIds.contains(r.value().getFileId())) continue;
                long[] n = perFile.computeIfAbsent(r.value().getFileId(), k -> new long[2]);
                if (r.value().getType() == TrackEventType.STARTED) n[0]++;
                if (r.value().getType() == TrackEventType.ENDED) n[1]++;
            }
            if (perFile.size() == fileIds.size() && perFile.values().stream().allMatch(n -> n[0] > 0 && n[1] >= n[0])) {
                return (System.nanoTime() - t0) / 1e9;
            }
            if (System.nanoTime() - t0 > Duration.ofMinutes(15).toNanos()) throw new IllegalStateException("the pipeline did not catch up");
        }
    }

    /** The person walks in for 1.5 s every 4 s, the stranger stays; each file's paths differ, so its content does. */
    private Path video(Path file, int width, int height, int index) throws Exception {
        int frames = (int) (seconds * FPS);
        double s = width / 640.0;
        List<Sprite> scene = new ArrayList<>();
        scene.add(new Sprite(sprites.get(1), 0, frames - 1, (470 - 10 * index) * s, 190 * s, 430 * s, 180 * s, 150 * s, 150 * s));
        for (int start = 0; start < frames; start += 40) {
            scene.add(new Sprite(sprites.get(0), start, Math.min(frames - 1, start + 14), (120 + 5 * index) * s, 180 * s, 200 * s,
                    170 * s, 140 * s, 160 * s));
        }
        SceneVideoWriter.write(file, width, height, FPS, frames, scene);
        return file;
    }
}
