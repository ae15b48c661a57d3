package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.InvalidImageException.Reason;
import io.facestream.models.image.RgbImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each kind of bad upload gives a typed error with a reason, never a crash or a half-decoded picture. */
class BadInputTest {
    private static FaceAnalyzer analyzer;

    @BeforeAll
    static void load() {
        analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults());
    }

    @AfterAll
    static void close() {
        analyzer.close();
    }

    @Test
    void emptyBytes() {
        assertRejected(new byte[0], Reason.EMPTY, "no image bytes");
        assertRejected(null, Reason.EMPTY, "no image bytes");
    }

    @Test
    void bytesThatAreNoImage() {
        assertRejected("{\"not\": \"an image\"}".getBytes(StandardCharsets.UTF_8), Reason.UNSUPPORTED_FORMAT, "7b226e6f");
    }

    @Test
    void truncatedJpeg() {
        byte[] jpeg = TestPhotos.bytes("sample1");
        assertRejected(Arrays.copyOf(jpeg, jpeg.length * 6 / 10), Reason.TRUNCATED, "ends before");
    }

    @Test
    void truncatedPng() throws Exception {
        byte[] png = png(ImageCodec.decode(TestPhotos.bytes("sample3"), Long.MAX_VALUE));
        assertRejected(Arrays.copyOf(png, png.length / 2), Reason.TRUNCATED, "ends before");
    }

    @Test
    void damagedHeader() {
        byte[] jpeg = TestPhotos.bytes("sample1");
        byte[] damaged = Arrays.copyOf(jpeg, 4096);
        Arrays.fill(damaged, 2, damaged.length, (byte) 0x5A);
        assertRejected(damaged, Reason.CORRUPT, "header");
    }

    @Test
    void sixtyMegapixelHeaderIsRefusedBeforeDecoding() throws Exception {
        byte[] bomb = withJpegDimensions(ImageCodec.encodeJpeg(new RgbImage(16, 16, new byte[16 * 16 * 3]), 80), 10_000, 6_000);
        assertThat(ImageCodec.readDimensions(bomb).pixels()).isEqualTo(60_000_000L);
        assertRejected(bomb, Reason.TOO_LARGE, "60000000 pixels, over the limit of 50000000");
    }

    @Test
    void pixelLimitIsConfigurable() throws Exception {
        byte[] photo = TestPhotos.bytes("sample1"); // 1920x1280 = 2.46 MP
        try (FaceAnalyzer strict = new FaceAnalyzer(FaceAnalyzerConfig.defaults().withMaxPixels(2_000_000))) {
            assertThatThrownBy(() -> strict.analyze(photo))
                    .isInstanceOfSatisfying(InvalidImageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
        }
        assertThat(analyzer.analyze(photo)).hasSize(3);
    }

    @Test
    void dataAfterTheEndMarkerIsAccepted() throws Exception {
        byte[] jpeg = TestPhotos.bytes("sample3");
        byte[] withTrailer = Arrays.copyOf(jpeg, jpeg.length + 1000); // e.g. a phone's motion-photo trailer
        Arrays.fill(withTrailer, jpeg.length, withTrailer.length, (byte) 0xDA);
        assertThat(analyzer.analyze(withTrailer)).hasSize(3);
    }

    @Test
    void encodeDecodeRoundTrip() throws Exception {
        RgbImage image = ImageCodec.decode(TestPhotos.bytes("sample4"), Long.MAX_VALUE);
        RgbImage again = ImageCodec.decode(png(image), Long.MAX_VALUE);
        assertThat(again.rgb()).isEqualTo(image.rgb()); // PNG is lossless: channel order survives both ways
        assertThat(Arrays.copyOf(ImageCodec.encodeJpeg(image, 85), 2)).containsExactly(0xFF, 0xD8);
    }

    private static void assertRejected(byte[] bytes, Reason reason, String messagePart) {
        assertThatThrownBy(() -> analyzer.analyze(bytes))
                .isInstanceOfSatisfying(InvalidImageException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(messagePart);
    }

    private static byte[] png(RgbImage image) {
        try (Mat rgb = ImageCodec.toMat(image); Mat bgr = new Mat(); BytePointer out = new BytePointer()) {
            org.bytedeco.opencv.global.opencv_imgproc.cvtColor(rgb, bgr, org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR);
            opencv_imgcodecs.imencode(".png", bgr, out);
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** Rewrites the frame header (SOF0) of a baseline JPEG to claim other dimensions. */
    private static byte[] withJpegDimensions(byte[] jpeg, int width, int height) {
        byte[] patched = jpeg.clone();
        for (int i = 2; i + 8 < patched.length; i++) {
            if ((patched[i] & 0xff) == 0xFF && (patched[i + 1] & 0xff) == 0xC0) {
                patched[i + 5] = (byte) (height >> 8);
                patched[i + 6] = (byte) height;
                patched[i + 7] = (byte) (width >> 8);
                patched[i + 8] = (byte) width;
                return patched;
            }
        }
        throw new IllegalStateException("no SOF0 marker");
    }
}
