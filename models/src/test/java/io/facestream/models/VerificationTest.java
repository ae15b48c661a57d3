package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.getRotationMatrix2D;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

import io.facestream.models.image.ImageCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Same face under realistic changes must score above the catalogue's person threshold, and different
 * people below it. Impostor pairs are taken within one photo only, since the photos share a photographer
 * and may show one person twice.
 */
class VerificationTest {
    private static FaceAnalyzer analyzer;

    @BeforeAll
    static void load() {
        analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults());
    }

    @AfterAll
    static void close() {
        analyzer.close();
    }

    /** A change of the whole photo and where it moves a point. */
    record Change(String name, UnaryOperator<Mat> apply, UnaryOperator<Point> move) {}

    static List<Change> changes(int width, int height) {
        double angle = 8;
        Point2f centre = new Point2f(width / 2f, height / 2f);
        Mat rotation = getRotationMatrix2D(centre, angle, 1.0);
        DoubleIndexer r = rotation.createIndexer();
        double[] m = {r.get(0, 0), r.get(0, 1), r.get(0, 2), r.get(1, 0), r.get(1, 1), r.get(1, 2)};
        int shiftX = width / 10, shiftY = height / 12;
        return List.of(
                new Change("scale 0.4", src -> resized(src, 0.4), p -> new Point(p.x() * 0.4f, p.y() * 0.4f)),
                new Change("darker x0.5", src -> affineLevels(src, 0.5, 0), p -> p),
                new Change("brighter x1.2+20", src -> affineLevels(src, 1.2, 20), p -> p),
                new Change("gaussian blur sigma 3", src -> {
                    Mat dst = new Mat();
                    GaussianBlur(src, dst, new Size(0, 0), 3.0);
                    return dst;
                }, p -> p),
                new Change("jpeg quality 15", src -> {
                    try {
                        return ImageCodec.decodeRgbMat(ImageCodec.encodeJpeg(src, 15), Long.MAX_VALUE);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, p -> p),
                new Change("rotate 8 deg", src -> {
                    Mat dst = new Mat();
                    warpAffine(src, dst, rotation, src.size());
                    return dst;
                }, p -> new Point((float) (m[0] * p.x() + m[1] * p.y() + m[2]), (float) (m[3] * p.x() + m[4] * p.y() + m[5]))),
                new Change("crop shift", src -> new Mat(src, new Rect(shiftX, shiftY, width - shiftX, height - shiftY)).clone(),
                        p -> new Point(p.x() - shiftX, p.y() - shiftY)));
    }

    @Test
    void sameFaceScoresAboveThresholdAndDifferentPeopleBelow() throws Exception {
        List<Double> genuine = new ArrayList<>();
        List<Double> impostor = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        String worstGenuine = "";
        double worstGenuineScore = 2;
        for (String photo : TestPhotos.EXPECTED_FACES.keySet()) {
            try (Mat original = ImageCodec.decodeRgbMat(TestPhotos.bytes(photo), Long.MAX_VALUE)) {
                List<DetectedFace> faces = analyzer.analyzeRgb(original);
                List<float[]> embeddings = analyzer.embedAll(faces.stream().map(DetectedFace::aligned).toList());
                for (int i = 0; i < faces.size(); i++) {
                    for (int j = i + 1; j < faces.size(); j++) {
                        impostor.add(Embeddings.cosine(embeddings.get(i), embeddings.get(j)));
                    }
                }
                for (Change change : changes(original.cols(), original.rows())) {
                    try (Mat changed = change.apply().apply(original)) {
                        List<DetectedFace> found = analyzer.analyzeRgb(changed);
                        for (int i = 0; i < faces.size(); i++) {
                            FaceBox box = faces.get(i).box();
                            Point moved = change.move().apply(new Point(box.centerX(), box.centerY()));
                            DetectedFace match = found.stream()
                                    .min(Comparator.comparingDouble(f -> Math.hypot(f.box().centerX() - moved.x(), f.box().centerY() - moved.y())))
                                    .orElseThrow(() -> new AssertionError(photo + " " + change.name() + ": no face found"));
                            if (Math.hypot(match.box().centerX() - moved.x(), match.box().centerY() - moved.y()) > box.width() / 3) {
                                lost.add(photo + " face " + i + " under " + change.name());
                                continue;
                            }
                            float[] other = analyzer.embed(match.aligned());
                            double same = Embeddings.cosine(embeddings.get(i), other);
                            genuine.add(same);
                            if (same < worstGenuineScore) {
                                worstGenuineScore = same;
                                worstGenuine = photo + " face " + i + " under " + change.name();
                            }
                            for (int j = 0; j < faces.size(); j++) {
                                if (j != i) {
                                    impostor.add(Embeddings.cosine(embeddings.get(j), other));
                                }
                            }
                        }
                    }
                }
            }
        }
        DoubleSummaryStatistics g = genuine.stream().mapToDouble(Double::doubleValue).summaryStatistics();
        DoubleSummaryStatistics im = impostor.stream().mapToDouble(Double::doubleValue).summaryStatistics();
        double threshold = analyzer.thresholds().person();
        System.out.printf("genuine pairs %d: min %.3f mean %.3f max %.3f (worst: %s)%n", g.getCount(), g.getMin(), g.getAverage(), g.getMax(), worstGenuine);
        System.out.printf("impostor pairs %d: min %.3f mean %.3f max %.3f%n", im.getCount(), im.getMin(), im.getAverage(), im.getMax());
        System.out.printf("faces not found again: %d %s%n", lost.size(), lost);
        System.out.printf("threshold %.3f: margin above %.3f, below %.3f, gap %.3f%n", threshold, g.getMin() - threshold, threshold - im.getMax(), g.getMin() - im.getMax());
        assertThat(lost).as("faces lost under a change").isEmpty();
        assertThat(g.getMin()).as("every same-face pair above the threshold").isGreaterThan(threshold);
        assertThat(im.getMax()).as("every different-people pair below the threshold").isLessThan(threshold);
    }

    private static Mat resized(Mat src, double f) {
        Mat dst = new Mat();
        resize(src, dst, new Size((int) Math.round(src.cols() * f), (int) Math.round(src.rows() * f)), 0, 0, INTER_AREA);
        return dst;
    }

    private static Mat affineLevels(Mat src, double alpha, double beta) {
        Mat dst = new Mat();
        src.convertTo(dst, -1, alpha, beta);
        return dst;
    }
}
