package io.facestream.models.bench;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.facestream.models.DetectedFace;
import io.facestream.models.Point;
import io.facestream.models.inference.Detection;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.FaceAnalyzerConfig.Tiling;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.RgbImage;
import io.facestream.models.inference.DetectorTranslator;
import io.facestream.models.inference.EmbedderTranslator;
import io.facestream.models.inference.LandmarkTranslator;
import io.facestream.models.inference.ModelRunner;
import io.facestream.models.inference.Tensors;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelStore;
import io.facestream.models.inference.FaceRegion;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Times image decoding, each model, the optimisation levels, thread and session settings and the whole
 * per-face pipeline on the catalogued models and the pinned test photos; every ratio is against a baseline
 * row of the same run. {@code facestream bench models} calls {@link #run}.
 */
public final class ModelsBenchmark {
    private final PrintStream out;
    private final int iterations;

    private ModelsBenchmark(PrintStream out, int iterations) {
        this.out = out;
        this.iterations = Math.max(1, iterations);
    }

    public static void main(String[] args) {
        run(System.out, args.length > 0 ? Integer.parseInt(args[0]) : 50);
    }

    /** Prints the benchmark tables; {@code iterations} timed repetitions per row (after a warm-up). */
    public static void run(PrintStream out, int iterations) {
        try {
            new ModelsBenchmark(out, iterations).all();
        } catch (InvalidImageException | IOException e) {
            throw new IllegalStateException("benchmark input could not be read: " + e.getMessage(), e);
        }
    }

    private void all() throws InvalidImageException, IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("facestream models benchmark: %d iterations per row, %d cores, %s, Java %s%n",
                iterations, cores, cpuModel(), Runtime.version());
        Map<String, Path> photos = ModelStore.fromEnvironment().resolveAll(ModelCatalog.photos().fileRefs());
        byte[] jpeg = Files.readAllBytes(photos.get("sample1"));
        byte[] groupJpeg = Files.readAllBytes(photos.get("sample5"));
        try (Mat group = ImageCodec.decodeRgbMat(groupJpeg, Long.MAX_VALUE);
                Mat vga = scaled(group, 640, 480);
                Mat hd = scaled(group, 1280, 720)) {
            imageOps(jpeg);
            FaceAnalyzerConfig base = FaceAnalyzerConfig.defaults();
            perModel(base, vga, hd);
            optimisationLevels(base, vga);
            embeddingThroughput(base, vga);
            pipeline(base, vga, cores);
        }
    }

    private void imageOps(byte[] jpeg) throws InvalidImageException {
        section("image operations, 1920x1280 JPEG (baseline: plain Java)");
        double imageIo = time(() -> {
            try {
                return ImageIO.read(new ByteArrayInputStream(jpeg));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        double openCv = time(() -> {
            try (Mat m = ImageCodec.decodeRgbMat(jpeg, Long.MAX_VALUE)) {
                return m.cols();
            } catch (InvalidImageException e) {
                throw new IllegalStateException(e);
            }
        });
        row("decode: ImageIO", imageIo, imageIo);
        row("decode: OpenCV (header check + imdecode + BGR->RGB)", openCv, imageIo);
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        double java2d = time(() -> {
            BufferedImage small = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
            var g = small.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(decoded, 0, 0, 320, 240, null);
            g.dispose();
            return small;
        });
        try (Mat rgb = ImageCodec.decodeRgbMat(jpeg, Long.MAX_VALUE)) {
            double area = time(() -> {
                try (Mat small = scaled(rgb, 320, 240)) {
                    return small.cols();
                }
            });
            double used = time(() -> {
                try (Mat small = Tensors.resized(rgb, 320, 240)) {
                    return small.cols();
                }
            });
            row("resize to 320x240: Java2D bilinear (aliases)", java2d, java2d);
            row("resize to 320x240: OpenCV INTER_AREA in one step", area, java2d);
            row("resize to 320x240: OpenCV INTER_AREA by whole factor, then rest (used)", used, java2d);
        }
    }

    private void perModel(FaceAnalyzerConfig base, Mat vga, Mat hd) {
        section("per call, one session (baseline: 1 intra-op thread; ratio = speed-up)");
        Map<String, Double> oneThread = new java.util.LinkedHashMap<>();
        for (int threads : new int[] {1, 2}) {
            FaceAnalyzerConfig config = base.withThreads(threads, 1);
            try (FaceAnalyzer plain = new FaceAnalyzer(config.withTiling(Tiling.OFF));
                    FaceAnalyzer tiled = new FaceAnalyzer(config.withTiling(Tiling.ON))) {
                List<DetectedFace> faces = plain.analyzeRgb(vga);
                DetectedFace face = faces.get(0);
                Map<String, Double> rows = new java.util.LinkedHashMap<>();
                rows.put("detect 640x480", time(() -> plain.detectRgb(vga)));
                rows.put("detect 640x480 tiled (" + tiled.tiles(640, 480).size() + " tiles + full frame)", time(() -> tiled.detectRgb(vga)));
                rows.put("detect 1280x720", time(() -> plain.detectRgb(hd)));
                rows.put("detect 1280x720 tiled (" + tiled.tiles(1280, 720).size() + " tiles + full frame)", time(() -> tiled.detectRgb(hd)));
                rows.put("landmarks (one face)", time(() -> plain.landmarksRgb(vga, face.box())));
                rows.put("embed batch 1 (one face)", time(() -> plain.embed(face.aligned())));
                rows.put("analyze 640x480, " + faces.size() + " faces (detect+landmarks+align+quality)", time(() -> plain.analyzeRgb(vga)));
                rows.forEach((name, ms) -> {
                    oneThread.putIfAbsent(name, ms);
                    row(name + ", " + threads + " thread" + (threads > 1 ? "s" : ""), ms, oneThread.get(name));
                });
            }
        }
    }

    private void optimisationLevels(FaceAnalyzerConfig base, Mat vga) {
        section("ONNX Runtime optimisation level, 1 thread (baseline: the catalogue's choice)");
        FaceAnalyzerConfig config = base.withThreads(1, 1);
        ModelCatalog catalog = config.catalog();
        Map<String, Path> files = config.store().resolveAll(catalog.fileRefs());
        RgbImage crop;
        DetectedFace face;
        try (FaceAnalyzer analyzer = new FaceAnalyzer(config)) {
            face = analyzer.analyzeRgb(vga).get(0);
            crop = face.aligned();
        }
        try (Mat cropMat = ImageCodec.toMat(crop)) {
            for (Role role : Role.values()) {
                ModelSpec spec = catalog.model(role);
                String chosen = spec.options().getOrDefault("optLevel", "ALL_OPT");
                double baseline = Double.NaN;
                for (String level : chosen.equals("ALL_OPT") ? List.of("ALL_OPT", "EXTENDED_OPT") : List.of(chosen, "ALL_OPT")) {
                    ModelSpec variant = spec.withOptions(Map.of("optLevel", level));
                    Path file = files.get(spec.id());
                    double ms = switch (role) {
                        case DETECTOR -> {
                            try (ModelRunner<Mat, List<Detection>> runner = ModelRunner.load(variant, file, Mat.class, List.class,
                                    new DetectorTranslator(spec.input(), 0.65, 0.4), config)) {
                                yield time(() -> runner.predict(vga));
                            }
                        }
                        case LANDMARKS -> {
                            try (ModelRunner<FaceRegion, List<Point>> runner = ModelRunner.load(variant, file, FaceRegion.class,
                                    List.class, new LandmarkTranslator(spec.input()), config)) {
                                yield time(() -> runner.predict(new FaceRegion(vga, face.box())));
                            }
                        }
                        case EMBEDDER -> {
                            try (ModelRunner<List<Mat>, List<float[]>> runner = ModelRunner.load(variant, file, List.class,
                                    List.class, new EmbedderTranslator(spec.input()), config)) {
                                yield time(() -> runner.predict(List.of(cropMat)));
                            }
                        }
                    };
                    baseline = Double.isNaN(baseline) ? ms : baseline;
                    row(role.name().toLowerCase() + " " + level + (level.equals(chosen) ? " (catalogue)" : ""), ms, baseline);
                }
            }
        }
    }

    private void embeddingThroughput(FaceAnalyzerConfig base, Mat vga) {
        int crops = 32;
        section("embedAll of " + crops + " crops, ms per embedding (baseline: 1 session x 1 thread; model is batch-1)");
        double baseline = Double.NaN;
        for (int[] setting : new int[][] {{1, 1}, {2, 1}, {1, 2}, {1, 4}}) {
            try (FaceAnalyzer analyzer = new FaceAnalyzer(base.withThreads(setting[0], setting[1]))) {
                List<RgbImage> faces = analyzer.analyzeRgb(vga).stream().map(DetectedFace::aligned).toList();
                List<RgbImage> many = new ArrayList<>();
                for (int i = 0; i < crops; i++) {
                    many.add(faces.get(i % faces.size()));
                }
                double ms = time(() -> analyzer.embedAll(many)) / crops;
                baseline = Double.isNaN(baseline) ? ms : baseline;
                row(setting[1] + " parallel session(s) x " + setting[0] + " intra-op thread(s)", ms, baseline);
            }
        }
    }

    private void pipeline(FaceAnalyzerConfig base, Mat vga, int cores) {
        section("end to end on 640x480 frames with 5 faces: detect+landmarks+align+quality+embed (baseline: 1 worker)");
        double baselineFps = Double.NaN;
        for (int workers = 1; workers <= Math.max(2, cores); workers *= 2) {
            try (FaceAnalyzer analyzer = new FaceAnalyzer(base.withThreads(1, workers))) {
                int perWorker = Math.max(2, iterations / 4);
                analyzer.embedAll(analyzer.analyzeRgb(vga).stream().map(DetectedFace::aligned).toList());
                ExecutorService pool = Executors.newFixedThreadPool(workers);
                long start = System.nanoTime();
                List<Future<Integer>> done = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    done.add(pool.submit(() -> {
                        int faces = 0;
                        for (int i = 0; i < perWorker; i++) {
                            List<DetectedFace> found = analyzer.analyzeRgb(vga);
                            analyzer.embedAll(found.stream().map(DetectedFace::aligned).toList());
                            faces += found.size();
                        }
                        return faces;
                    }));
                }
                int faces = 0;
                for (Future<Integer> f : done) {
                    faces += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                pool.shutdown();
                double facesPerSecond = faces / seconds;
                baselineFps = Double.isNaN(baselineFps) ? facesPerSecond : baselineFps;
                out.printf("  %-72s %8.1f faces/s  %7.1f faces/s/core  x%.2f%n", workers + " worker(s), 1 thread each",
                        facesPerSecond, facesPerSecond / Math.min(workers, cores), facesPerSecond / baselineFps);
            } catch (Exception e) {
                throw new IllegalStateException("pipeline benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    private double time(Supplier<?> work) {
        for (int i = 0; i < Math.max(3, iterations / 5); i++) {
            work.get();
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            work.get();
        }
        return (System.nanoTime() - start) / 1e6 / iterations;
    }

    private void section(String title) {
        out.println();
        out.println(title);
    }

    private void row(String name, double ms, double baselineMs) {
        out.printf("  %-72s %8.2f ms  %8.1f /s  x%.2f%n", name, ms, 1000 / ms, baselineMs / ms);
    }

    private static Mat scaled(Mat src, int width, int height) {
        Mat dst = new Mat();
        try (Size size = new Size(width, height)) {
            resize(src, dst, size, 0, 0, INTER_AREA);
        }
        return dst;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
