package io.facestream.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.DetectedFace;
import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.PipelineSettings;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * {@code facestream bench recognition --video} (issue 16.4): two real faces of a package photo (the POI and a stranger)
 * shrunk, blurred and moving across a 640x360 video, as in {@code SmallSoftFacesTest}, at several sizes and blurs.
 * The POI is enrolled from their clean face. Three readings of each video: our pipeline as a user runs it (replayed
 * through ingest and every topology on an embedded broker: the tracks' sightings and the POI alerts), our models frame
 * by frame (every face detected, with {@code auto} tiling, and embedded), and face-api.js frame by frame on the same
 * decoded pixels (every face its SSD MobileNet finds, at its default confidence 0.5 and at 0.2). Per person: in how
 * many frames the face was found, matched the POI (ours: the POI threshold of the catalogue; face-api.js: Euclidean
 * distance under its usual 0.6), and at what similarity. A match on the stranger's side is a false match.
 */
public final class VideoRecognitionBenchmark {
    private static final int WIDTH = 640, HEIGHT = 360, FRAMES = 50;
    private static final double FPS = 10;
    /** The POI walks from the left towards the middle, the stranger from the right: a face's centre left of this is the POI's. */
    private static final double DIVIDE = 340;
    /** face-api.js's usual cut on the Euclidean distance of its descriptors, as 1 - distance. */
    private static final double PEER_MATCH = 1 - 0.6;
    private static final double PEER_DEFAULT_CONFIDENCE = 0.5, PEER_LOW_CONFIDENCE = 0.2;

    /** One video: both faces shrunk to a sprite {@code width} (the face is about 45 % of it) and blurred {@code blurPasses} times. */
    public record Scene(String name, int width, int blurPasses) {
    }

    public static final List<Scene> SCENES = List.of(new Scene("face ~50 px, sharp", 110, 0), new Scene("face ~25 px, sharp", 55, 0),
            new Scene("face ~25 px, blurred", 55, 1), new Scene("face ~25 px, blurred more", 55, 2));

    private enum Who { POI, STRANGER }

    /** One side's frame-by-frame reading of one person in one scene. */
    private static final class Reading {
        int found, matched;
        final List<Double> best = new ArrayList<>();

        void add(double similarity, double threshold) {
            found++;
            best.add(similarity);
            if (similarity >= threshold) matched++;
        }

        String row(String scene, Who who, String side) {
            List<Double> sorted = best.stream().sorted().toList();
            String max = sorted.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", sorted.getLast());
            String median = sorted.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", sorted.get(sorted.size() / 2));
            return String.format(Locale.ROOT, "| %s | %s | %s | %d/%d | %d | %s | %s |", scene, who == Who.POI ? "POI" : "stranger", side,
                    found, FRAMES, matched, max, median);
        }
    }

    /** One frame-by-frame row: in how many of the video's frames {@code side} found the person's face and matched it to the POI. */
    public record FrameRow(String video, String person, String side, int found, int matched) {
    }

    /**
     * What the run printed, for a test to read: the frame-by-frame rows, the pipeline's rows (as printed), and whether
     * the face-api.js side ran.
     */
    public record Result(List<FrameRow> frames, List<String> pipeline, boolean peerRan) {
    }

    private VideoRecognitionBenchmark() {
    }

    public static Result run(PrintStream out, Path work) throws Exception {
        return run(out, work, SCENES);
    }

    public static Result run(PrintStream out, Path work, List<Scene> scenes) throws Exception {
        Files.createDirectories(work);
        FaceAnalyzerConfig config = FaceAnalyzerConfig.fromEnvironment().withTiling(FaceAnalyzerConfig.Tiling.AUTO);
        try (FaceAnalyzer analyzer = new FaceAnalyzer(config)) {
            List<BufferedImage> sprites = FaceSprites.fromPhoto(analyzer, "sample1", 2);
            Person poi = SamplePoi.fromFace(analyzer, sprites.get(0), "video-poi", "Video POI", null);
            float[] poiEmbedding = Embeddings.toArray(poi.getFaces().getFirst().getEmbedding());
            double threshold = analyzer.thresholds().poi();
            out.printf("%d frames of %dx%d at %.0f fps per video; POI and stranger: the two largest faces of the package photo sample1; "
                    + "ours: %s, auto tiling, POI threshold %.2f; peer: %s (WASM), match at distance < 0.6%n", FRAMES, WIDTH, HEIGHT, FPS,
                    analyzer.config().catalog().model(io.facestream.models.store.ModelSpec.Role.EMBEDDER).id(), threshold,
                    String.join(" ", RecognitionBenchmark.NODE_PACKAGES));

            // the videos, and their decoded frames as PPMs for the peer (both sides read the same pixels)
            List<Path> videos = new ArrayList<>();
            List<List<Path>> framePpms = new ArrayList<>();
            List<String> manifestImages = new ArrayList<>();
            Path reference = work.resolve("poi.ppm");
            RecognitionBenchmark.writePpm(reference, ImageCodec.decode(jpeg(sprites.get(0)), config.maxPixels()));
            manifestImages.add(reference.toAbsolutePath().toString());
            List<Map<Who, Reading>> ours = new ArrayList<>();
            long oursNanos = 0, oursFrames = 0;
            for (int s = 0; s < scenes.size(); s++) {
                Scene scene = scenes.get(s);
                Path video = work.resolve("scene-" + s + ".mp4");
                SceneVideoWriter.write(video, WIDTH, HEIGHT, FPS, FRAMES, List.of(
                        new Sprite(FaceSprites.smallAndSoft(sprites.get(0), scene.width(), scene.blurPasses()), 0, FRAMES - 1, 120, 150, 280, 170,
                                scene.width(), scene.width()),
                        new Sprite(FaceSprites.smallAndSoft(sprites.get(1), scene.width(), scene.blurPasses()), 0, FRAMES - 1, 540, 200, 400, 180,
                                scene.width(), scene.width())));
                videos.add(video);
                Map<Who, Reading> readings = readings();
                List<Path> ppms = new ArrayList<>();
                Path dir = Files.createDirectories(work.resolve("frames-" + s));
                try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
                     OpenCVFrameConverter.ToMat toMat = new OpenCVFrameConverter.ToMat()) {
                    grabber.start();
                    Frame frame;
                    while ((frame = grabber.grabImage()) != null) {
                        Mat bgr = toMat.convert(frame);
                        RgbImage image;
                        try (Mat rgb = new Mat()) {
                            cvtColor(bgr, rgb, COLOR_BGR2RGB);
                            image = ImageCodec.toRgbImage(rgb);
                        }
                        Path ppm = dir.resolve(ppms.size() + ".ppm");
                        RecognitionBenchmark.writePpm(ppm, image);
                        ppms.add(ppm);
                        manifestImages.add(ppm.toAbsolutePath().toString());
                        Map<Who, Double> best = new HashMap<>();
                        long t0 = System.nanoTime();
                        for (DetectedFace face : analyzer.analyze(image)) {
                            double similarity = Embeddings.cosine(analyzer.embed(face.aligned()), poiEmbedding);
                            best.merge(who(face.box().x1() + face.box().width() / 2), similarity, Math::max);
                        }
                        oursNanos += System.nanoTime() - t0;
                        oursFrames++;
                        best.forEach((who, similarity) -> readings.get(who).add(similarity, threshold));
                    }
                    grabber.stop();
                }
                framePpms.add(ppms);
                ours.add(readings);
            }

            List<String> pipelineRows = pipeline(analyzer, poi, videos, scenes, work);

            RecognitionBenchmark.PeerRun peer = RecognitionBenchmark.runPeer(work, Map.of("images", manifestImages, "allFaces", true,
                    "minConfidence", PEER_LOW_CONFIDENCE));
            List<Map<Who, Reading>> peerDefault = new ArrayList<>(), peerLow = new ArrayList<>();
            double peerMs = 0;
            if (peer.failure() == null) {
                JsonNode results = peer.output().get("results");
                for (int k = 1; k < results.size(); k++) peerMs += results.get(k).get("ms").asDouble() / (results.size() - 1);
                float[] peerPoi = descriptor(results.get(0).get("descriptor"));
                int k = 1;
                for (int s = 0; s < scenes.size(); s++) {
                    Map<Who, Reading> atDefault = readings(), atLow = readings();
                    for (int f = 0; f < framePpms.get(s).size(); f++, k++) {
                        Map<Who, Double> bestDefault = new HashMap<>(), bestLow = new HashMap<>();
                        JsonNode all = results.get(k).get("all");
                        if (all == null || all.isNull() || peerPoi == null) continue;
                        for (JsonNode face : all) {
                            JsonNode box = face.get("box");
                            Who who = who(box.get(0).asDouble() + box.get(2).asDouble() / 2);
                            double similarity = RecognitionBenchmark.oneMinusDistance(descriptor(face.get("descriptor")), peerPoi);
                            bestLow.merge(who, similarity, Math::max);
                            if (face.get("score").asDouble() >= PEER_DEFAULT_CONFIDENCE) bestDefault.merge(who, similarity, Math::max);
                        }
                        bestDefault.forEach((who, similarity) -> atDefault.get(who).add(similarity, PEER_MATCH));
                        bestLow.forEach((who, similarity) -> atLow.get(who).add(similarity, PEER_MATCH));
                    }
                    peerDefault.add(atDefault);
                    peerLow.add(atLow);
                }
            }

            out.println();
            out.println("Frame by frame (found: frames where the side detected the person's face; matched: frames where it matched the POI;"
                    + " similarity to the POI's enrolled face, best and median over the frames found; ours cosine, face-api.js 1 - distance):");
            out.println();
            out.println("| video | person | side | found | matched | best | median |");
            out.println("|---|---|---|---:|---:|---:|---:|");
            List<FrameRow> frameRows = new ArrayList<>();
            for (int s = 0; s < scenes.size(); s++) {
                for (Who who : Who.values()) {
                    List<Map.Entry<String, Reading>> sides = new ArrayList<>(List.of(Map.entry("facestream", ours.get(s).get(who))));
                    if (peer.failure() == null) {
                        sides.add(Map.entry("face-api.js (confidence 0.5)", peerDefault.get(s).get(who)));
                        sides.add(Map.entry("face-api.js (confidence 0.2)", peerLow.get(s).get(who)));
                    }
                    for (var side : sides) {
                        out.println(side.getValue().row(scenes.get(s).name(), who, side.getKey()));
                        frameRows.add(new FrameRow(scenes.get(s).name(), who == Who.POI ? "POI" : "stranger", side.getKey(),
                                side.getValue().found, side.getValue().matched));
                    }
                }
            }
            out.println();
            out.println("Our pipeline on the same videos (replayed at full speed through ingest and every topology; default settings,"
                    + " auto tiling): each track's sighting (POI: matched the POI, at the quality-weighted similarity of its faces;"
                    + " IDENTITY: an automatic identity, at the similarity to it) and the POI alerts, by the side of the frame the face was on:");
            out.println();
            out.println("| video | person | tracks: frames, sighting as, similarity | POI alerts (similarity) |");
            out.println("|---|---|---|---|");
            pipelineRows.forEach(out::println);
            out.println();
            out.printf(Locale.ROOT, "ms per frame, frame by frame on one thread (detection, landmarks and the embedding of every face found):"
                    + " facestream %.1f%s%n", oursNanos / 1e6 / oursFrames,
                    peer.failure() == null ? String.format(Locale.ROOT, ", face-api.js %.1f (at confidence 0.2)", peerMs) : "");
            out.println(peer.failure() == null ? peer.describe() : peer.failure());
            return new Result(frameRows, pipelineRows, peer.failure() == null);
        }
    }

    private static Map<Who, Reading> readings() {
        Map<Who, Reading> readings = new HashMap<>();
        for (Who who : Who.values()) readings.put(who, new Reading());
        return readings;
    }

    private static Who who(double centreX) {
        return centreX < DIVIDE ? Who.POI : Who.STRANGER;
    }

    private static float[] descriptor(JsonNode values) {
        if (values == null || values.isNull()) return null;
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) values.get(i).asDouble();
        return v;
    }

    private static byte[] jpeg(BufferedImage image) throws java.io.IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", bytes); // as SamplePoi enrols it
        return bytes.toByteArray();
    }

    /** Replays every video through a pipeline of its own cluster; one table row per video and person. */
    private static List<String> pipeline(FaceAnalyzer analyzer, Person poi, List<Path> videos, List<Scene> scenes, Path work)
            throws Exception {
        List<String> rows = new ArrayList<>();
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
        try (BenchCluster cluster = new BenchCluster(Files.createTempDirectory(work, "cluster-"), work.resolve("blobs"), analyzer, poi,
                settings, FPS);
             KafkaConsumer<String, TrackEvent> tracks = cluster.consumer(Topics.TRACKS, TrackEvent.class);
             KafkaConsumer<String, Sighting> sightings = cluster.consumer(Topics.SIGHTINGS, Sighting.class);
             KafkaConsumer<String, PoiAlert> alerts = cluster.consumer(Topics.POI_ALERTS, PoiAlert.class)) {
            for (int s = 0; s < videos.size(); s++) {
                cluster.replay(videos.get(s), "scene-" + s, ReplaySpeed.MAX, Instant.now().minus(Duration.ofDays(1)));
            }
            Map<String, TrackEvent> ended = new HashMap<>();
            Map<String, Sighting> finals = new HashMap<>();
            List<PoiAlert> raised = new ArrayList<>();
            long started = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while ((started == 0 || finals.size() < started) && System.nanoTime() < deadline) {
                for (var r : tracks.poll(Duration.ofMillis(50))) {
                    if (r.value().getType() == TrackEventType.STARTED) started++;
                    if (r.value().getType() == TrackEventType.ENDED) ended.put(r.value().getTrackId(), r.value());
                }
                for (var r : sightings.poll(Duration.ofMillis(50))) {
                    if (r.value().getFinal$()) finals.put(r.value().getTrackId(), r.value());
                }
            }
            long quiet = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // alerts come before the sightings end; a late one by now
            while (System.nanoTime() < quiet) alerts.poll(Duration.ofMillis(100)).forEach(r -> raised.add(r.value()));
            for (int s = 0; s < videos.size(); s++) {
                String fileId = "scene-" + s;
                for (Who who : Who.values()) {
                    List<String> tracksOf = new ArrayList<>();
                    for (TrackEvent e : ended.values()) {
                        if (!fileId.equals(e.getFileId()) || who(e.getBbox().getX() + e.getBbox().getWidth() / 2.0) != who) continue;
                        Sighting sighting = finals.get(e.getTrackId());
                        tracksOf.add(String.format(Locale.ROOT, "%d-%d %s %s", e.getFirstFrame(), e.getLastFrame(),
                                sighting == null ? "no sighting" : sighting.getMatchKind(),
                                sighting == null ? "" : String.format(Locale.ROOT, "%.2f", sighting.getSimilarity())));
                    }
                    List<String> alertsOf = raised.stream().filter(a -> fileId.equals(a.getSourceId())
                            && who(a.getBbox().getX() + a.getBbox().getWidth() / 2.0) == who)
                            .map(a -> String.format(Locale.ROOT, "%.2f", a.getSimilarity())).toList();
                    rows.add(String.format("| %s | %s | %s | %s |", scenes.get(s).name(), who == Who.POI ? "POI" : "stranger",
                            tracksOf.isEmpty() ? "none" : String.join("; ", tracksOf), alertsOf.isEmpty() ? "none" : String.join(", ", alertsOf)));
                }
            }
            if (finals.size() < started) rows.add("| (the pipeline had not finalised every track after 5 minutes) | | | |");
        }
        return rows;
    }
}
