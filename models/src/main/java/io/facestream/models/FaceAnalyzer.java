package io.facestream.models;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.meanStdDev;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.RgbImage;
import io.facestream.models.inference.Detection;
import io.facestream.models.inference.DetectorTranslator;
import io.facestream.models.inference.EmbedderTranslator;
import io.facestream.models.inference.FaceRegion;
import io.facestream.models.inference.LandmarkTranslator;
import io.facestream.models.inference.ModelRunner;
import io.facestream.models.inference.Nms;
import io.facestream.models.inference.SimilarityTransform;
import io.facestream.models.inference.Tensors;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Face detection, 68-point landmarks, 5-point alignment onto the ArcFace 112x112 template, quality, and
 * embeddings, on the catalogued models. Thread-safe: each model has a pool of {@code sessions} predictors,
 * so that many calls run at once; further callers wait for a free one.
 */
public final class FaceAnalyzer implements AutoCloseable {
    /** Nose height between eye line and mouth line on a frontal face, for this landmark model: the median over
     * the near-frontal faces of the test photos (the ArcFace template itself gives 0.495). */
    private static final double FRONTAL_PITCH = 0.6;
    /** Border added on each side of a still image where no face was found, as a fraction of its longer side:
     * a face filling the image then fills half of the padded one, well inside the detector's anchor sizes. */
    private static final double STILL_BORDER = 0.5;
    /** Longest side a still image is shrunk to before its bordered pass. */
    private static final int STILL_MAX_SIDE = 1280;
    /** The detector normalises pixels as (p - 127) / 128, so this grey is zero input: no edges, no content. */
    private static final double NEUTRAL_GREY = 127;

    private final FaceAnalyzerConfig config;
    private final ModelRunner<Mat, List<Detection>> detector;
    private final ModelRunner<FaceRegion, List<Point>> landmarker;
    private final ModelRunner<List<Mat>, List<float[]>> embedder;
    private final ModelSpec.Input detectorInput;
    private final ModelSpec.Input embedderInput;
    private final List<Point> template;
    private final double detectThreshold;
    private final double nmsThreshold;
    private final MatchThresholds thresholds;
    private final ExecutorService embedPool;

    public FaceAnalyzer(FaceAnalyzerConfig config) {
        this.config = config;
        ModelSpec det = config.catalog().model(Role.DETECTOR);
        ModelSpec lmk = config.catalog().model(Role.LANDMARKS);
        ModelSpec emb = config.catalog().model(Role.EMBEDDER);
        Map<String, Path> files = config.store().resolveAll(List.of(
                config.catalog().fileRef(det.id()), config.catalog().fileRef(lmk.id()), config.catalog().fileRef(emb.id())));
        detectThreshold = Double.isNaN(config.detectThreshold()) ? det.threshold("score") : config.detectThreshold();
        nmsThreshold = Double.isNaN(config.nmsThreshold()) ? det.threshold("nms") : config.nmsThreshold();
        thresholds = MatchThresholds.of(emb);
        detectorInput = det.input();
        embedderInput = emb.input();
        float sx = embedderInput.width() / 112f;
        float sy = embedderInput.height() / 112f;
        template = SimilarityTransform.ARCFACE_112.stream().map(p -> new Point(p.x() * sx, p.y() * sy)).toList();
        List<AutoCloseable> loaded = new ArrayList<>();
        try {
            detector = track(loaded, ModelRunner.load(det, files.get(det.id()), Mat.class, List.class,
                    new DetectorTranslator(det.input(), detectThreshold, nmsThreshold), config));
            landmarker = track(loaded, ModelRunner.load(lmk, files.get(lmk.id()), FaceRegion.class, List.class,
                    new LandmarkTranslator(lmk.input()), config));
            embedder = track(loaded, ModelRunner.load(emb, files.get(emb.id()), List.class, List.class,
                    new EmbedderTranslator(emb.input()), config));
        } catch (RuntimeException e) {
            loaded.forEach(FaceAnalyzer::closeQuietly);
            throw e;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        embedPool = Executors.newFixedThreadPool(config.sessions(), r -> {
            Thread t = new Thread(r, "facestream-embed-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** An analyzer configured from system properties and environment variables. */
    public static FaceAnalyzer create() {
        return new FaceAnalyzer(FaceAnalyzerConfig.fromEnvironment());
    }

    public FaceAnalyzerConfig config() {
        return config;
    }

    /** Cosine similarities at or above which two embeddings are taken as one person, per decision (from the catalogue). */
    public MatchThresholds thresholds() {
        return thresholds;
    }

    public double detectThreshold() {
        return detectThreshold;
    }

    /** Decodes JPEG/PNG/... bytes (dimensions checked against the pixel limit first) and analyzes them. */
    public List<DetectedFace> analyze(byte[] encoded) throws InvalidImageException {
        try (Mat rgb = ImageCodec.decodeRgbMat(encoded, config.maxPixels())) {
            return analyzeRgb(rgb);
        }
    }

    public List<DetectedFace> analyze(RgbImage image) {
        try (Mat rgb = ImageCodec.toMat(image)) {
            return analyzeRgb(rgb);
        }
    }

    /** For frames from JavaCV/FFmpeg, which come in BGR order. */
    public List<DetectedFace> analyzeBgr(Mat bgr) {
        try (Mat rgb = new Mat()) {
            cvtColor(bgr, rgb, COLOR_BGR2RGB);
            return analyzeRgb(rgb);
        }
    }

    /**
     * Every face of an uploaded still image (an enrolment, search, register or live-identification photo),
     * decoded with the pixel limit checked first. Unlike a video frame, such a photo is often cropped tight to
     * the face (ID photos, face data sets). The detector then misses a face that fills the image, or finds it
     * with a box cut by the image edge, whose landmarks and so whose embedding are wrong (measured on tight
     * crops of the test photos: cosine 0.2 to the same face in its photo, against 0.9 with a border). So when
     * no face is found, or a face fills the image (over half its shorter side, or at its edge), the image is
     * analysed once more inside a neutral grey border, and the faces that fill it there take the place of the
     * first pass's. Smaller faces clear of the edge keep the first pass's result, at full resolution. Boxes and landmarks are in the uploaded image's
     * pixels (a box may reach past its edge).
     */
    public List<DetectedFace> analyzeStill(byte[] encoded) throws InvalidImageException {
        try (Mat rgb = ImageCodec.decodeRgbMat(encoded, config.maxPixels())) {
            return analyzeStillRgb(rgb);
        }
    }

    /** {@link #analyzeStill(byte[])} for an already decoded image. */
    public List<DetectedFace> analyzeStill(RgbImage image) {
        try (Mat rgb = ImageCodec.toMat(image)) {
            return analyzeStillRgb(rgb);
        }
    }

    private List<DetectedFace> analyzeStillRgb(Mat rgb) {
        int width = rgb.cols(), height = rgb.rows();
        List<DetectedFace> faces = analyzeRgb(rgb);
        if (!faces.isEmpty() && faces.stream().noneMatch(f -> fillsImage(f.box(), width, height))) {
            return faces;
        }
        // a large photo is shrunk first: the padded copy stays bounded (not 4x a 50 MP upload), and a face that
        // fills even a shrunk photo keeps more pixels than the 112x112 crop needs
        double scale = Math.min(1, (double) STILL_MAX_SIDE / Math.max(width, height));
        List<DetectedFace> bordered;
        try (Mat small = scale < 1 ? Tensors.resized(rgb, (int) Math.round(width * scale), (int) Math.round(height * scale)) : rgb.clone();
                Mat padded = new Mat(); Scalar grey = new Scalar(NEUTRAL_GREY, NEUTRAL_GREY, NEUTRAL_GREY, 0)) {
            int pad = (int) Math.ceil(STILL_BORDER * Math.max(small.cols(), small.rows()));
            copyMakeBorder(small, padded, pad, pad, pad, pad, BORDER_CONSTANT, grey);
            bordered = analyzeRgb(padded).stream().map(f -> mapped(f, pad, scale))
                    .filter(f -> fillsImage(f.box(), width, height)).toList();
        }
        if (bordered.isEmpty()) {
            return faces;
        }
        List<DetectedFace> merged = new ArrayList<>(faces.stream().filter(f -> !fillsImage(f.box(), width, height)).toList());
        merged.addAll(bordered);
        merged.sort(Comparator.comparingDouble(f -> -f.score()));
        return merged;
    }

    /**
     * A box over half the image's shorter side, or one that reaches past an edge or within a tenth of its own
     * size of it: the landmark model, which sees a square of the box's height around it, then lacks part of
     * the face, and the detector's box is often off.
     */
    private static boolean fillsImage(FaceBox box, int width, int height) {
        float size = Math.max(box.width(), box.height());
        float margin = 0.1f * size;
        return size > 0.5f * Math.min(width, height) || box.x1() < margin || box.y1() < margin || box.x2() > width - margin || box.y2() > height - margin;
    }

    /** A face found in the shrunk, padded photo, in the photo's pixels; its aligned crop and quality stay. */
    private static DetectedFace mapped(DetectedFace face, int pad, double scale) {
        FaceBox b = face.box();
        FaceBox box = new FaceBox((float) ((b.x1() - pad) / scale), (float) ((b.y1() - pad) / scale),
                (float) ((b.x2() - pad) / scale), (float) ((b.y2() - pad) / scale));
        return new DetectedFace(box, face.score(), mapped(face.landmarks(), pad, scale), mapped(face.landmarks68(), pad, scale),
                face.aligned(), face.quality());
    }

    private static List<Point> mapped(List<Point> points, int pad, double scale) {
        return points.stream().map(p -> new Point((float) ((p.x() - pad) / scale), (float) ((p.y() - pad) / scale))).toList();
    }

    /** Every face in an 8-bit RGB Mat, best detector score first; empty when there is none. */
    public List<DetectedFace> analyzeRgb(Mat rgb) {
        List<DetectedFace> faces = new ArrayList<>();
        for (Detection detection : detectRgb(rgb)) {
            List<Point> points68 = landmarker.predict(new FaceRegion(rgb, detection.box()));
            faces.add(describe(rgb, detection, points68));
        }
        return faces;
    }

    /** Detection only: boxes and scores in source pixels. */
    public List<Detection> detect(RgbImage image) {
        try (Mat rgb = ImageCodec.toMat(image)) {
            return detectRgb(rgb);
        }
    }

    public List<Detection> detectRgb(Mat rgb) {
        List<Detection> found = new ArrayList<>(detector.predict(rgb));
        if (tilingApplies(rgb.cols(), rgb.rows(), found)) {
            for (Rect tile : tiles(rgb.cols(), rgb.rows())) {
                try (tile; Mat view = new Mat(rgb, tile)) {
                    for (Detection d : detector.predict(view)) {
                        if (!touchesInnerEdge(d.box(), tile, rgb.cols(), rgb.rows())) {
                            found.add(new Detection(d.box().translate(tile.x(), tile.y()), d.score()));
                        }
                    }
                }
            }
            found = Nms.apply(found, nmsThreshold);
        }
        return found.stream().filter(d -> Math.min(d.box().width(), d.box().height()) >= config.minFaceSize()).toList();
    }

    /** 68 landmarks for a face box, source pixels. */
    public List<Point> landmarks(RgbImage image, FaceBox box) {
        try (Mat rgb = ImageCodec.toMat(image)) {
            return landmarksRgb(rgb, box);
        }
    }

    public List<Point> landmarksRgb(Mat rgb, FaceBox box) {
        return landmarker.predict(new FaceRegion(rgb, box));
    }

    /** L2-normalised embedding of an aligned crop (resized to the embedder's input if it is another size). */
    public float[] embed(RgbImage aligned) {
        return embedBatch(List.of(aligned)).get(0);
    }

    /**
     * Embeddings of many aligned crops, in order. The shipped embedder takes batch 1 only, so crops run one
     * per call on up to {@code sessions} predictors in parallel; a catalogued embedder with a larger
     * {@code input.batch} gets batches of that size.
     */
    public List<float[]> embedAll(List<RgbImage> aligned) {
        int batch = Math.max(1, embedderInput.batch());
        if (aligned.size() <= batch) {
            return aligned.isEmpty() ? List.of() : embedBatch(aligned);
        }
        List<Future<List<float[]>>> futures = new ArrayList<>();
        for (int i = 0; i < aligned.size(); i += batch) {
            List<RgbImage> chunk = aligned.subList(i, Math.min(aligned.size(), i + batch));
            futures.add(embedPool.submit(() -> embedBatch(chunk)));
        }
        List<float[]> embeddings = new ArrayList<>(aligned.size());
        try {
            for (Future<List<float[]>> future : futures) {
                embeddings.addAll(future.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while embedding", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return embeddings;
    }

    private List<float[]> embedBatch(List<RgbImage> crops) {
        List<Mat> mats = new ArrayList<>(crops.size());
        try {
            for (RgbImage crop : crops) {
                Mat mat = ImageCodec.toMat(crop);
                if (crop.width() != embedderInput.width() || crop.height() != embedderInput.height()) {
                    try (Mat original = mat) {
                        mat = Tensors.resized(original, embedderInput.width(), embedderInput.height());
                    }
                }
                mats.add(mat);
            }
            return embedder.predict(mats);
        } finally {
            mats.forEach(Mat::close);
        }
    }

    /** The five alignment points from iBUG-68: eye centres (36-41, 42-47), nose tip (30), mouth corners (48, 54). */
    public static List<Point> fivePoints(List<Point> points68) {
        return List.of(mean(points68, 36, 42), mean(points68, 42, 48), points68.get(30), points68.get(48), points68.get(54));
    }

    private DetectedFace describe(Mat rgb, Detection detection, List<Point> points68) {
        List<Point> five = fivePoints(points68);
        SimilarityTransform.Fit fit = SimilarityTransform.estimate(five, template);
        try (Mat aligned = new Mat(); Mat gray = new Mat(); Mat laplacian = new Mat();
                Mat mean = new Mat(); Mat stddev = new Mat()) {
            try (Mat matrix = new Mat(2, 3, CV_64F);
                    Size size = new Size(embedderInput.width(), embedderInput.height());
                    Scalar black = new Scalar(0, 0, 0, 0)) {
                new DoublePointer(matrix.data()).put(fit.matrix());
                warpAffine(rgb, aligned, matrix, size, INTER_LINEAR, BORDER_CONSTANT, black);
            }
            cvtColor(aligned, gray, COLOR_RGB2GRAY);
            Laplacian(gray, laplacian, CV_64F);
            meanStdDev(laplacian, mean, stddev);
            double sd = new DoublePointer(stddev.data()).get(0);
            List<Point> mapped = five.stream().map(p -> apply(fit.matrix(), p)).toList();
            double eyeMidX = (mapped.get(0).x() + mapped.get(1).x()) / 2;
            double eyeMidY = (mapped.get(0).y() + mapped.get(1).y()) / 2;
            double mouthMidY = (mapped.get(3).y() + mapped.get(4).y()) / 2;
            double eyeDistance = Math.max(1e-3, mapped.get(1).x() - mapped.get(0).x());
            double yaw = (mapped.get(2).x() - eyeMidX) / eyeDistance;
            double pitch = (mapped.get(2).y() - eyeMidY) / Math.max(1e-3, mouthMidY - eyeMidY) - FRONTAL_PITCH;
            double det = (detection.score() - detectThreshold) / Math.max(1e-6, 1 - detectThreshold);
            FaceQuality quality = FaceQuality.of(1 / fit.scale(), sd * sd, yaw, pitch, det);
            return new DetectedFace(detection.box(), detection.score(), five, points68, ImageCodec.toRgbImage(aligned), quality);
        }
    }

    /**
     * Below this shorter side, in the detector's input pixels, a face found on the whole frame suggests smaller ones
     * it missed (the detector's smallest anchors are about 10 pixels, and faces near them come and go between frames).
     */
    public static final double AUTO_TILE_FACE = 24;
    /** A frame shrunk less than this to fit the detector gains little from tiles of the detector's own size. */
    static final double AUTO_TILE_SHRINK = 1.5;

    private boolean tilingApplies(int width, int height, List<Detection> wholeFrame) {
        return switch (config.tiling()) {
            case OFF -> false;
            case ON -> true;
            case AUTO -> {
                double shrink = Math.max((double) width / detectorInput.width(), (double) height / detectorInput.height());
                yield shrink >= AUTO_TILE_SHRINK && (wholeFrame.isEmpty() || wholeFrame.stream()
                        .anyMatch(d -> Math.min(d.box().width(), d.box().height()) / shrink < AUTO_TILE_FACE));
            }
        };
    }

    /** Overlapping tiles covering the frame, each {@code tileScale} times the detector's input size. */
    public List<Rect> tiles(int width, int height) {
        int tileW = (int) Math.round(detectorInput.width() * config.tileScale());
        int tileH = (int) Math.round(detectorInput.height() * config.tileScale());
        if (width <= tileW && height <= tileH) {
            return List.of();
        }
        List<Rect> tiles = new ArrayList<>();
        for (int y : starts(height, tileH)) {
            for (int x : starts(width, tileW)) {
                tiles.add(new Rect(x, y, Math.min(tileW, width), Math.min(tileH, height)));
            }
        }
        return tiles;
    }

    private int[] starts(int length, int tile) {
        if (length <= tile) {
            return new int[] {0};
        }
        double overlap = tile * config.tileOverlap();
        int n = (int) Math.ceil((length - overlap) / (tile - overlap));
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) {
            starts[i] = (int) Math.round((double) i * (length - tile) / (n - 1));
        }
        return starts;
    }

    /** A box cut by a tile border inside the frame is a partial face; a neighbouring tile or the full pass sees it whole. */
    private static boolean touchesInnerEdge(FaceBox box, Rect tile, int frameW, int frameH) {
        float margin = 2;
        return (tile.x() > 0 && box.x1() < margin)
                || (tile.y() > 0 && box.y1() < margin)
                || (tile.x() + tile.width() < frameW && box.x2() > tile.width() - margin)
                || (tile.y() + tile.height() < frameH && box.y2() > tile.height() - margin);
    }

    private static Point mean(List<Point> points, int from, int to) {
        float x = 0, y = 0;
        for (int i = from; i < to; i++) {
            x += points.get(i).x();
            y += points.get(i).y();
        }
        return new Point(x / (to - from), y / (to - from));
    }

    private static Point apply(double[] m, Point p) {
        return new Point((float) (m[0] * p.x() + m[1] * p.y() + m[2]), (float) (m[3] * p.x() + m[4] * p.y() + m[5]));
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> loaded, T resource) {
        loaded.add(resource);
        return resource;
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception ignored) {
            // already failing; the original exception is the one to report
        }
    }

    @Override
    public void close() {
        embedPool.shutdownNow();
        detector.close();
        landmarker.close();
        embedder.close();
    }
}
