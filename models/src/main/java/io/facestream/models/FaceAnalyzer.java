package io.facestream.models;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
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

    private final FaceAnalyzerConfig config;
    private final ModelRunner<Mat, List<Detection>> detector;
    private final ModelRunner<FaceRegion, List<Point>> landmarker;
    private final ModelRunner<List<Mat>, List<float[]>> embedder;
    private final ModelSpec.Input detectorInput;
    private final ModelSpec.Input embedderInput;
    private final List<Point> template;
    private final double detectThreshold;
    private final double nmsThreshold;
    private final double matchThreshold;
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
        matchThreshold = emb.threshold("match");
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

    /** Cosine similarity at or above which two embeddings are taken as the same person (from the catalogue). */
    public double matchThreshold() {
        return matchThreshold;
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
        if (tilingApplies(rgb.cols(), rgb.rows())) {
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

    private boolean tilingApplies(int width, int height) {
        return switch (config.tiling()) {
            case OFF -> false;
            case ON -> true;
            case AUTO -> width >= 2 * detectorInput.width() && height >= 2 * detectorInput.height();
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
