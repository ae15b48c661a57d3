package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaceDetectionTest {
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
    void findsExactlyTheFacesAPersonSeesInEachPhoto() throws Exception {
        for (Map.Entry<String, Integer> photo : TestPhotos.EXPECTED_FACES.entrySet()) {
            RgbImage image = ImageCodec.decode(TestPhotos.bytes(photo.getKey()), ImageCodec.DEFAULT_MAX_PIXELS);
            List<DetectedFace> faces = analyzer.analyze(image);
            assertThat(faces).as(photo.getKey()).hasSize(photo.getValue());
            for (DetectedFace face : faces) {
                assertThat(face.score()).isBetween((float) analyzer.detectThreshold(), 1f);
                assertThat(face.box().x1()).isGreaterThan(-face.box().width() / 4);
                assertThat(face.box().x2()).isLessThan(image.width() + face.box().width() / 4);
                assertThat(face.box().width()).isGreaterThan(100); // faces in these photos are 150-300 px
                for (Point p : face.landmarks()) {
                    assertThat(p.x()).as("%s landmark inside its box", photo.getKey()).isBetween(face.box().x1(), face.box().x2());
                    assertThat(p.y()).isBetween(face.box().y1(), face.box().y2());
                }
                assertThat(face.landmarks68()).hasSize(68);
                assertThat(face.aligned().width()).isEqualTo(112);
                assertThat(face.aligned().height()).isEqualTo(112);
                assertThat(face.quality().score()).isBetween(0.0, 1.0);
                assertThat(face.alignedJpeg(90)).startsWith((byte) 0xFF, (byte) 0xD8);
            }
            for (int i = 0; i < faces.size(); i++) {
                for (int j = i + 1; j < faces.size(); j++) {
                    assertThat(faces.get(i).box().iou(faces.get(j).box())).as("%s: no duplicate boxes", photo.getKey()).isLessThan(0.2f);
                }
            }
        }
    }

    @Test
    void alignedCropPutsTheEyesOnTheTemplate() throws Exception {
        // Landmarks found again on each aligned crop must sit on the template the crop was warped to.
        for (DetectedFace face : analyzer.analyze(TestPhotos.bytes("sample6"))) {
            List<Point> again = FaceAnalyzer.fivePoints(analyzer.landmarks(face.aligned(), new FaceBox(0, 0, 112, 112)));
            for (int i = 0; i < 5; i++) {
                Point want = io.facestream.models.inference.SimilarityTransform.ARCFACE_112.get(i);
                assertThat(Math.hypot(again.get(i).x() - want.x(), again.get(i).y() - want.y()))
                        .as("point %d of the aligned crop lies on the ArcFace template", i)
                        .isLessThan(i < 2 ? 5 : 12); // eyes tight; nose and mouth move with pose and expression
            }
        }
    }

    @Test
    void profileAndBlurRankBelowAFrontalSharpFace() throws Exception {
        List<DetectedFace> faces = analyzer.analyze(TestPhotos.bytes("sample2"));
        DetectedFace profile = faces.stream().min((a, b) -> Double.compare(Math.abs(b.quality().yaw()), Math.abs(a.quality().yaw()))).orElseThrow();
        assertThat(Math.abs(profile.quality().yaw())).as("the profile face's yaw").isGreaterThan(0.4);
        assertThat(profile.quality().frontal()).isLessThan(0.2);
        List<DetectedFace> frontal = analyzer.analyze(TestPhotos.bytes("sample5"));
        DetectedFace best = frontal.stream().max((a, b) -> Double.compare(a.quality().score(), b.quality().score())).orElseThrow();
        assertThat(best.quality().score()).isGreaterThan(profile.quality().score() + 0.3);

        RgbImage blurred = TestImages.blur(ImageCodec.decode(TestPhotos.bytes("sample5"), Long.MAX_VALUE), 4);
        DetectedFace sameBlurred = analyzer.analyze(blurred).stream()
                .min((a, b) -> Double.compare(a.box().iou(best.box()), b.box().iou(best.box())) * -1).orElseThrow();
        System.out.printf("sharp face: %s%nblurred:    %s%nprofile:    %s%n", best.quality(), sameBlurred.quality(), profile.quality());
        assertThat(sameBlurred.quality().sharpness()).isLessThan(best.quality().sharpness() - 0.3);
        assertThat(sameBlurred.quality().score()).isLessThan(best.quality().score());
    }

    @Test
    void anImageWithoutFacesGivesAnEmptyList() throws Exception {
        RgbImage photo = ImageCodec.decode(TestPhotos.bytes("sample6"), Long.MAX_VALUE);
        RgbImage blinds = TestImages.crop(photo, 0, 0, 300, 260); // window blinds, top-left
        assertThat(analyzer.analyze(blinds)).isEmpty();
        byte[] gradient = new byte[640 * 480 * 3];
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] = (byte) ((i / 3) % 640 * 255 / 640);
        }
        assertThat(analyzer.analyze(new RgbImage(640, 480, gradient))).isEmpty();
    }

    @Test
    void concurrentCallsGiveTheSameAnswersAsOneAtATime() throws Exception {
        byte[] jpeg = TestPhotos.bytes("sample5");
        List<DetectedFace> expected = analyzer.analyze(jpeg);
        float[] expectedEmbedding = analyzer.embed(expected.get(0).aligned());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<DetectedFace>>> runs = IntStream.range(0, 8).mapToObj(i -> pool.submit(() -> analyzer.analyze(jpeg))).toList();
            for (Future<List<DetectedFace>> run : runs) {
                List<DetectedFace> faces = run.get();
                assertThat(faces).hasSameSizeAs(expected);
                for (int i = 0; i < faces.size(); i++) {
                    assertThat(faces.get(i).box()).isEqualTo(expected.get(i).box());
                }
                assertThat(Embeddings.cosine(analyzer.embed(faces.get(0).aligned()), expectedEmbedding)).isGreaterThan(0.9999);
            }
        } finally {
            pool.shutdownNow();
        }
        List<float[]> all = analyzer.embedAll(expected.stream().map(DetectedFace::aligned).toList());
        assertThat(all).hasSize(expected.size());
        assertThat(Embeddings.cosine(all.get(0), expectedEmbedding)).isGreaterThan(0.9999);
        for (float[] e : all) {
            double norm = 0;
            for (float v : e) {
                norm += v * v;
            }
            assertThat(e).hasSize(512);
            assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
    }
}
