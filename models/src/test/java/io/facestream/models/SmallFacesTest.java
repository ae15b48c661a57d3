package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.facestream.models.FaceAnalyzerConfig.Tiling;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import io.facestream.models.inference.Detection;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/**
 * A 640x360 frame holding the test photos shrunk so their faces are about 16 px wide: a single pass at
 * the detector's 320x240 input halves them below its smallest anchor; tiles at native scale keep them.
 */
class SmallFacesTest {
    static final String[] PHOTOS = {"sample3", "sample4", "sample5", "sample6"};

    /** The photos side by side in a grey 640x360 frame, scaled by {@code scale}. */
    static RgbImage frameOfSmallFaces(double scale) throws Exception {
        try (Mat frame = new Mat(360, 640, CV_8UC3, new Scalar(128, 128, 128, 0))) {
            int x = 0;
            int y = 0;
            int rowHeight = 0;
            for (String photo : PHOTOS) {
                try (Mat rgb = ImageCodec.decodeRgbMat(TestPhotos.bytes(photo), Long.MAX_VALUE); Mat small = new Mat()) {
                    resize(rgb, small, new Size((int) (rgb.cols() * scale), (int) (rgb.rows() * scale)), 0, 0, INTER_AREA);
                    if (x + small.cols() > frame.cols()) {
                        x = 0;
                        y += rowHeight;
                    }
                    try (Rect at = new Rect(x, y, small.cols(), small.rows()); Mat target = new Mat(frame, at)) {
                        small.copyTo(target);
                    }
                    x += small.cols();
                    rowHeight = Math.max(rowHeight, small.rows());
                }
            }
            return ImageCodec.toRgbImage(frame);
        }
    }

    /** One photo, shrunk to fit a grey 640x360 frame. */
    static RgbImage framedPhoto(String photo) throws Exception {
        try (Mat frame = new Mat(360, 640, CV_8UC3, new Scalar(128, 128, 128, 0));
                Mat rgb = ImageCodec.decodeRgbMat(TestPhotos.bytes(photo), Long.MAX_VALUE); Mat fitted = new Mat()) {
            double scale = Math.min(640.0 / rgb.cols(), 360.0 / rgb.rows());
            resize(rgb, fitted, new Size((int) (rgb.cols() * scale), (int) (rgb.rows() * scale)), 0, 0, INTER_AREA);
            try (Rect at = new Rect(0, 0, fitted.cols(), fitted.rows()); Mat target = new Mat(frame, at)) {
                fitted.copyTo(target);
            }
            return ImageCodec.toRgbImage(frame);
        }
    }

    @Test
    void tilingFindsSmallFacesThatOnePassMisses() throws Exception {
        int expected = 0;
        for (String photo : PHOTOS) {
            expected += TestPhotos.EXPECTED_FACES.get(photo);
        }
        RgbImage frame = frameOfSmallFaces(0.09);
        FaceAnalyzerConfig base = FaceAnalyzerConfig.defaults().withMinFaceSize(8);
        try (FaceAnalyzer plain = new FaceAnalyzer(base.withTiling(Tiling.OFF));
                FaceAnalyzer tiled = new FaceAnalyzer(base.withTiling(Tiling.ON))) {
            List<Detection> once = plain.detect(frame);
            List<Detection> tiles = tiled.detect(frame);
            double plainMs = millis(() -> plain.detect(frame));
            double tiledMs = millis(() -> tiled.detect(frame));
            System.out.printf("640x360 frame, %d faces of ~%.0f px: one pass found %d in %.1f ms, tiled found %d in %.1f ms (%d tiles)%n",
                    expected, tiles.stream().mapToDouble(d -> d.box().width()).average().orElse(0), once.size(), plainMs,
                    tiles.size(), tiledMs, tiled.tiles(640, 360).size());
            assertThat(tiles.size()).as("tiled detections").isBetween(expected - 2, expected);
            assertThat(once.size()).as("one pass detections").isLessThan(tiles.size() - 4);
            for (int i = 0; i < tiles.size(); i++) {
                for (int j = i + 1; j < tiles.size(); j++) {
                    assertThat(tiles.get(i).box().iou(tiles.get(j).box())).as("no duplicates across tiles").isLessThan(0.2f);
                }
            }
        }
    }

    /**
     * Issue 16.4: {@code auto} tiles a 640x360 frame (shrunk 2x to the detector's input) whose faces are small there,
     * and finds what {@code on} finds; a frame whose faces are large enough is left to the one pass.
     */
    @Test
    void autoTilesWhereFacesAreSmallRelativeToTheDetectorsInput() throws Exception {
        RgbImage small = frameOfSmallFaces(0.09);
        RgbImage large = framedPhoto("sample1");
        FaceAnalyzerConfig base = FaceAnalyzerConfig.defaults().withMinFaceSize(8);
        try (FaceAnalyzer plain = new FaceAnalyzer(base.withTiling(Tiling.OFF));
                FaceAnalyzer tiled = new FaceAnalyzer(base.withTiling(Tiling.ON));
                FaceAnalyzer auto = new FaceAnalyzer(base.withTiling(Tiling.AUTO))) {
            assertThat(auto.detect(small)).as("small faces: tiled").hasSameSizeAs(tiled.detect(small));
            assertThat(auto.detect(small).size()).isGreaterThan(plain.detect(small).size() + 4);
            List<Detection> once = plain.detect(large);
            assertThat(once).as("large faces, all found at once").isNotEmpty()
                    .allSatisfy(d -> assertThat(Math.min(d.box().width(), d.box().height()) / 2.0).isGreaterThanOrEqualTo(FaceAnalyzer.AUTO_TILE_FACE));
            assertThat(auto.detect(large)).as("large faces: the one pass, not tiled").isEqualTo(once);
        }
    }

    @Test
    void tilesCoverTheFrameWithOverlap() {
        try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults().withTiling(Tiling.ON))) {
            List<Rect> tiles = analyzer.tiles(1280, 720);
            boolean[][] covered = new boolean[720][1280];
            for (Rect t : tiles) {
                assertThat(t.x() + t.width()).isLessThanOrEqualTo(1280);
                assertThat(t.y() + t.height()).isLessThanOrEqualTo(720);
                for (int y = t.y(); y < t.y() + t.height(); y++) {
                    for (int x = t.x(); x < t.x() + t.width(); x++) {
                        covered[y][x] = true;
                    }
                }
            }
            for (boolean[] row : covered) {
                for (boolean c : row) {
                    assertThat(c).isTrue();
                }
            }
            assertThat(tiles).hasSize(5 * 4); // 320x240 tiles with at least 20% overlap
            assertThat(analyzer.tiles(320, 240)).isEmpty();
        }
    }

    private static double millis(Runnable run) {
        for (int i = 0; i < 3; i++) {
            run.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            run.run();
        }
        return (System.nanoTime() - start) / 1e7;
    }
}
