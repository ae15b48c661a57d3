package io.facestream.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.Settings;
import io.facestream.models.eval.Degradation;
import io.facestream.models.eval.LabelledFaces;
import io.facestream.models.eval.PhotoEmbedder;
import io.facestream.models.eval.RecognitionScores;
import io.facestream.models.eval.SamplePeople;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Our models beside face-api.js ({@code @vladmandic/face-api}: SSD MobileNet v1, 68 landmarks and the ResNet-34
 * face descriptor, on TensorFlow.js's WASM backend in Node) on the same labelled photos and on degraded copies
 * of them: rank-1, TAR at FAR 1e-2 and 1e-3 (1e-4 where the pairs resolve it) and milliseconds per photo. Each
 * side takes a photo's largest face. A degraded photo is the probe, the other clean photos the gallery. Both
 * sides read the same pixels: Java makes every image and hands Node binary PPMs. The Node packages are
 * installed by npm, at the pinned versions below, into the work folder at run time; nothing is committed.
 */
public final class RecognitionBenchmark {
    /** The peer, pinned. face-api 1.7.15 is built against TensorFlow.js 4.22.0. */
    public static final List<String> NODE_PACKAGES = List.of("@vladmandic/face-api@1.7.15", "@tensorflow/tfjs@4.22.0",
            "@tensorflow/tfjs-backend-wasm@4.22.0");
    private static final String SCRIPT = "faceapi-bench.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One side's figures under one degradation. */
    public record Row(Degradation degradation, String side, RecognitionScores scores, double msPerPhoto) {}

    private RecognitionBenchmark() {}

    /**
     * @param folder labelled photos (one sub-folder per person), or null for the pinned sample people
     * @param work   where the degraded images, the Node packages and the peer's results go
     */
    public static List<Row> run(PrintStream out, Path folder, Path work, List<Degradation> degradations) throws Exception {
        Files.createDirectories(work);
        List<Row> rows = new ArrayList<>();
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            Path photosDir = folder != null ? folder : SamplePeople.materialise(analyzer, ModelStore.fromEnvironment().cacheDir().resolve("sample-people"));
            List<LabelledFaces.Photo> photos = LabelledFaces.scan(photosDir);
            List<String> people = photos.stream().map(LabelledFaces.Photo::person).toList();
            out.printf("%d photos of %d people from %s; ours: %s; peer: %s (WASM)%n", photos.size(), people.stream().distinct().count(),
                    photosDir, analyzer.config().catalog().model(ModelSpec.Role.EMBEDDER).id(), String.join(" ", NODE_PACKAGES));

            List<RgbImage> clean = new ArrayList<>();
            List<Double> faceSizes = new ArrayList<>();
            for (LabelledFaces.Photo photo : photos) {
                RgbImage image = ImageCodec.decode(Files.readAllBytes(photo.path()), analyzer.config().maxPixels());
                clean.add(image);
                PhotoEmbedder.Subject subject = PhotoEmbedder.subject(analyzer, image);
                faceSizes.add(subject == null ? Math.min(image.width(), image.height()) / 2.0
                        : (double) Math.max(subject.face().box().width(), subject.face().box().height()));
            }
            PhotoEmbedder.subject(analyzer, clean.get(0)); // warm-up outside the timing, as the peer gets one

            Map<Degradation, List<Path>> images = new EnumMap<>(Degradation.class);
            Map<Degradation, List<float[]>> ours = new EnumMap<>(Degradation.class);
            Map<Degradation, Double> oursMs = new EnumMap<>(Degradation.class);
            for (Degradation d : degradations) {
                Path dir = Files.createDirectories(work.resolve("images").resolve(d.name().toLowerCase(Locale.ROOT)));
                List<Path> files = new ArrayList<>();
                List<float[]> embeddings = new ArrayList<>();
                long nanos = 0;
                for (int i = 0; i < clean.size(); i++) {
                    RgbImage degraded;
                    try (Mat src = ImageCodec.toMat(clean.get(i)); Mat dst = d.apply(src, faceSizes.get(i), i)) {
                        degraded = ImageCodec.toRgbImage(dst);
                    }
                    Path file = dir.resolve(i + ".ppm");
                    writePpm(file, degraded);
                    files.add(file);
                    long t0 = System.nanoTime();
                    PhotoEmbedder.Subject subject = PhotoEmbedder.subject(analyzer, degraded);
                    nanos += System.nanoTime() - t0;
                    embeddings.add(subject == null ? null : subject.embedding());
                }
                images.put(d, files);
                ours.put(d, embeddings);
                oursMs.put(d, nanos / 1e6 / clean.size());
            }

            Map<Degradation, List<float[]>> peer = new EnumMap<>(Degradation.class);
            Map<Degradation, Double> peerMs = new EnumMap<>(Degradation.class);
            String peerNote = runPeer(work, degradations, images, peer, peerMs);

            List<float[]> ourGallery = ours.containsKey(Degradation.CLEAN) ? ours.get(Degradation.CLEAN) : null;
            List<float[]> peerGallery = peer.get(Degradation.CLEAN);
            for (Degradation d : degradations) {
                List<float[]> ourProbes = ours.get(d);
                rows.add(new Row(d, "facestream", RecognitionScores.of(people, ourProbes,
                        d == Degradation.CLEAN || ourGallery == null ? ourProbes : ourGallery, Embeddings::cosine), oursMs.get(d)));
                if (peer.containsKey(d)) {
                    List<float[]> peerProbes = peer.get(d);
                    rows.add(new Row(d, "face-api.js", RecognitionScores.of(people, peerProbes,
                            d == Degradation.CLEAN || peerGallery == null ? peerProbes : peerGallery, RecognitionBenchmark::oneMinusDistance),
                            peerMs.get(d)));
                }
            }
            print(out, rows, peerNote);
        }
        return rows;
    }

    /** face-api.js compares descriptors by Euclidean distance (0.6 is its usual cut); 1 - distance keeps "higher is more alike". */
    static double oneMinusDistance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return 1 - Math.sqrt(sum);
    }

    static void print(PrintStream out, List<Row> rows, String peerNote) {
        out.printf("%n%-14s %-12s %8s %8s %12s %9s %9s %9s %9s%n", "degradation", "side", "no face", "rank-1", "rank-1 found",
                "TAR@1e-2", "TAR@1e-3", "TAR@1e-4", "ms/photo");
        for (Row row : rows) {
            RecognitionScores s = row.scores();
            out.printf(Locale.ROOT, "%-14s %-12s %8d %8s %12s %s %s %s %9.1f%n", row.degradation().name().toLowerCase(Locale.ROOT),
                    row.side(), s.probesWithoutFace(), percent(s.rank1()), percent(s.rank1OfFound()), tar(s, 1e-2), tar(s, 1e-3),
                    tar(s, 1e-4), row.msPerPhoto());
        }
        out.println();
        for (Degradation d : rows.stream().map(Row::degradation).distinct().toList()) {
            out.printf("%-14s %s%n", d.name().toLowerCase(Locale.ROOT), d.description());
        }
        out.println("rank-1: a probe's most similar other photo is of its person (a probe without a face misses); rank-1 found: "
                + "the same among probes where the side found a face; TAR@FAR: share of genuine pairs accepted at the "
                + "threshold where that share of impostor pairs is (no face counts as a miss); ms/photo: detection, landmarks of "
                + "every face and the embedding of the largest, one photo at a time on one thread each side.");
        if (peerNote != null) {
            out.println(peerNote);
        }
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    private static String tar(RecognitionScores s, double far) {
        return s.resolves(far) ? String.format(Locale.ROOT, "%8.1f%%", 100 * s.tar(s.thresholdAtFar(far))) : String.format("%9s", "n/a");
    }

    /** Installs the pinned packages if needed and runs the peer over every image; null when it ran, else why not. */
    private static String runPeer(Path work, List<Degradation> degradations, Map<Degradation, List<Path>> images,
            Map<Degradation, List<float[]>> descriptors, Map<Degradation, Double> ms) throws Exception {
        List<String> all = new ArrayList<>();
        degradations.forEach(d -> images.get(d).forEach(p -> all.add(p.toAbsolutePath().toString())));
        PeerRun run = runPeer(work, Map.of("images", all));
        if (run.failure() != null) {
            return run.failure();
        }
        JsonNode results = run.output().get("results");
        int k = 0;
        for (Degradation d : degradations) {
            List<float[]> list = new ArrayList<>();
            double total = 0;
            for (int i = 0; i < images.get(d).size(); i++, k++) {
                JsonNode r = results.get(k);
                total += r.get("ms").asDouble();
                JsonNode desc = r.get("descriptor");
                if (desc == null || desc.isNull()) {
                    list.add(null);
                } else {
                    float[] v = new float[desc.size()];
                    for (int j = 0; j < v.length; j++) {
                        v[j] = (float) desc.get(j).asDouble();
                    }
                    list.add(v);
                }
            }
            descriptors.put(d, list);
            ms.put(d, total / images.get(d).size());
        }
        return run.describe();
    }

    /** The peer's output (null when it did not run, and then why not). */
    record PeerRun(JsonNode output, String failure) {
        String describe() {
            return "face-api.js " + output.get("faceapi").asText() + " on TensorFlow.js " + output.get("tfjs").asText() + ", backend "
                    + output.get("backend").asText();
        }
    }

    /** Installs the pinned packages if needed and runs the peer's script over {@code manifest} (images: PPM paths). */
    static PeerRun runPeer(Path work, Map<String, Object> manifest) throws Exception {
        Path nodeDir = work.resolve("node");
        String failure = installPeer(nodeDir);
        if (failure != null) {
            return new PeerRun(null, "face-api.js side not run: npm install failed: " + failure);
        }
        try (InputStream script = RecognitionBenchmark.class.getResourceAsStream(SCRIPT)) {
            Files.copy(script, nodeDir.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
        }
        Path manifestFile = work.resolve("manifest.json");
        Path result = work.resolve("faceapi-results.json");
        Files.deleteIfExists(result);
        JSON.writeValue(manifestFile.toFile(), manifest);
        failure = exec(List.of("node", SCRIPT, manifestFile.toAbsolutePath().toString(), result.toAbsolutePath().toString()), nodeDir, 3600);
        if (failure != null) {
            return new PeerRun(null, "face-api.js side not run: " + failure);
        }
        return new PeerRun(JSON.readTree(result.toFile()), null);
    }

    /** Installs the pinned face-api.js packages into {@code nodeDir} unless they are there; null when they are, else why not. */
    public static String installPeer(Path nodeDir) throws IOException, InterruptedException {
        Files.createDirectories(nodeDir);
        if (Files.isDirectory(nodeDir.resolve("node_modules/@vladmandic/face-api"))
                && Files.isDirectory(nodeDir.resolve("node_modules/@tensorflow/tfjs-backend-wasm"))) {
            return null;
        }
        Files.writeString(nodeDir.resolve("package.json"), "{\"name\": \"facestream-faceapi-bench\", \"private\": true}\n");
        List<String> install = new ArrayList<>(List.of(Settings.get(ModelStore.NPM_KEY, "npm"), "install", "--no-audit", "--no-fund",
                "--ignore-scripts", "--save-exact"));
        install.addAll(NODE_PACKAGES);
        return exec(install, nodeDir, 600);
    }

    /** Runs a command; null when it exited 0, else the reason with the end of its output (its output is not kept). */
    public static String exec(List<String> command, Path dir, int timeoutSeconds) throws InterruptedException {
        try {
            Path log = Files.createTempFile("facestream-bench-", ".log");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return String.join(" ", command) + " ran over " + timeoutSeconds + " s";
                }
                if (p.exitValue() != 0) {
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    return String.join(" ", command) + " exited " + p.exitValue() + ": " + text.substring(Math.max(0, text.length() - 1500)).strip();
                }
                return null;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return String.join(" ", command.subList(0, 1)) + " could not run (" + e.getMessage() + "); is Node.js/npm installed?";
        }
    }

    static void writePpm(Path file, RgbImage image) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(("P6\n" + image.width() + " " + image.height() + "\n255\n").getBytes(StandardCharsets.US_ASCII));
            out.write(image.rgb());
        }
    }
}
