package io.facestream.ingest.bench;

import io.facestream.ingest.source.SampledFrame;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.video.SceneVideoWriter;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code facestream bench ingest}: frames per second through the ingest stages on
 * generated videos with two real faces, one and two workers at once (each decoding its own file with one
 * FFmpeg thread, as camera workers do). Figures are printed with their ratio to the
 * one-worker 640x360 decode measured in the same run.
 */
public final class IngestBenchmark {

    /** One stage applied to each decoded frame (decode alone is the identity). */
    @FunctionalInterface
    public interface Stage {
        void apply(SampledFrame frame) throws Exception;
    }

    public record Result(String video, String stage, int workers, long frames, double seconds) {
        double fps() {
            return frames / seconds;
        }
    }

    public record NamedStage(String name, Stage stage) {
    }

    /**
     * Runs every stage over both videos with one and two workers and prints a table.
     *
     * @param faces pictures of faces moved across the videos (two of them at a time)
     */
    public static List<Result> run(PrintStream out, List<NamedStage> stages, int framesPerVideo, List<BufferedImage> faces) throws Exception {
        Path dir = Files.createTempDirectory("facestream-bench-ingest");
        List<Result> results = new ArrayList<>();
        try {
            Path sd = video(dir, "640x360.mp4", 640, 360, framesPerVideo, faces);
            Path hd = video(dir, "1280x720.mp4", 1280, 720, framesPerVideo, faces);
            out.printf("%-10s %-24s %7s %8s %9s %8s%n", "video", "stage", "workers", "frames", "frames/s", "ratio");
            Double baseline = null;
            for (NamedStage stage : stages) {
                for (Path video : List.of(sd, hd)) {
                    for (int workers : new int[]{1, 2}) {
                        measure(video, stage, workers, Math.min(30, framesPerVideo)); // warm-up: JIT, native libraries, one model session per worker
                        Result r = measure(video, stage, workers, framesPerVideo);
                        if (baseline == null) baseline = r.fps();
                        results.add(r);
                        out.printf("%-10s %-24s %7d %8d %9.1f %7.2fx%n", r.video(), r.stage(), r.workers(), r.frames(), r.fps(), r.fps() / baseline);
                    }
                }
            }
            out.println("ratio: frames/s relative to one worker decoding 640x360, measured in this run");
            return results;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Result measure(Path video, NamedStage stage, int workers, int maxFrames) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            long start = System.nanoTime();
            List<Future<Long>> counts = new ArrayList<>();
            for (int w = 0; w < workers; w++) counts.add(pool.submit(() -> decode(video, stage.stage(), maxFrames)));
            long frames = 0;
            for (Future<Long> c : counts) frames += c.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            String name = video.getFileName().toString();
            return new Result(name.substring(0, name.lastIndexOf('.')), stage.name(), workers, frames, seconds);
        } finally {
            pool.shutdown();
        }
    }

    private static long decode(Path video, Stage stage, int maxFrames) throws Exception {
        long n = 0;
        try (VideoSource source = VideoSource.open(SourceSpec.of(video.toString()), 0)) {
            for (Optional<SampledFrame> f = source.next(); f.isPresent() && n < maxFrames; f = source.next()) {
                stage.apply(f.get());
                n++;
            }
        }
        return n;
    }

    /** Two faces crossing the frame in opposite directions, a fifth of the frame wide. */
    private static Path video(Path dir, String name, int width, int height, int frames, List<BufferedImage> faces) throws Exception {
        Path file = dir.resolve(name);
        double w = width / 5.0;
        SceneVideoWriter.write(file, width, height, 25, frames, List.of(
                new SceneVideoWriter.Sprite(faces.get(0), 0, frames - 1, width * 0.2, height * 0.45, width * 0.8, height * 0.5, w, w * 1.1),
                new SceneVideoWriter.Sprite(faces.get(1 % faces.size()), 0, frames - 1, width * 0.8, height * 0.55, width * 0.25, height * 0.5, w, w * 0.9)));
        return file;
    }

    private IngestBenchmark() {
    }
}
