package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Uploads cropped tight to the face, as ID photos and face data sets are: every face of the test photos cut
 * to 85 % of its detector box and resized to 150x150. A still image must give its face back (the analyzer retries
 * inside a neutral border), with the box in the crop's own pixels and the same person's embedding.
 */
class TightCropTest {
    /** Crop side over the detector box's longer side: brow to chin, as ID photos and face data sets crop. */
    static final float TIGHTNESS = Float.parseFloat(System.getProperty("tightness", "0.85"));
    private static FaceAnalyzer analyzer;

    @BeforeAll
    static void load() {
        analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults());
    }

    @AfterAll
    static void close() {
        analyzer.close();
    }

    /** A frontal-enough face of a test photo, its embedding there, and its tight 150x150 crop as a JPEG. */
    record TightCrop(String photo, int index, FaceQuality quality, float[] embedding, byte[] jpeg) {}

    static List<TightCrop> tightCrops() throws Exception {
        List<TightCrop> crops = new ArrayList<>();
        for (String photo : TestPhotos.EXPECTED_FACES.keySet()) {
            RgbImage image = ImageCodec.decode(TestPhotos.bytes(photo), ImageCodec.DEFAULT_MAX_PIXELS);
            List<DetectedFace> faces = analyzer.analyze(image);
            for (int i = 0; i < faces.size(); i++) {
                DetectedFace face = faces.get(i);
                if (Math.abs(face.quality().yaw()) > 0.3 || face.quality().pitch() > 0.15) {
                    continue; // a profile's box holds half a face, and a tight crop of one looking down loses the chin
                }
                FaceBox box = face.box();
                int side = Math.round(TIGHTNESS * Math.max(box.width(), box.height()));
                int x = Math.max(0, Math.min(image.width() - side, Math.round(box.centerX() - side / 2f)));
                int y = Math.max(0, Math.min(image.height() - side, Math.round(box.centerY() - side / 2f)));
                RgbImage crop = TestImages.crop(image, x, y, Math.min(side, image.width()), Math.min(side, image.height()));
                try (Mat mat = ImageCodec.toMat(crop); Mat small = io.facestream.models.inference.Tensors.resized(mat, 150, 150)) {
                    crops.add(new TightCrop(photo, i, face.quality(), analyzer.embed(face.aligned()), ImageCodec.encodeJpeg(small, 92)));
                }
            }
        }
        return crops;
    }

    @Test
    void everyTightCropGivesItsFaceBackAsTheSamePerson() throws Exception {
        List<TightCrop> crops = tightCrops();
        assertThat(crops).hasSizeGreaterThanOrEqualTo(18);
        int plainFound = 0, plainWrong = 0;
        List<String> lines = new ArrayList<>();
        List<Double> similarities = new ArrayList<>();
        for (TightCrop crop : crops) {
            List<DetectedFace> plainFaces = analyzer.analyze(crop.jpeg());
            boolean plain = !plainFaces.isEmpty();
            plainFound += plain ? 1 : 0;
            if (!plain || Embeddings.cosine(crop.embedding(), analyzer.embed(plainFaces.get(0).aligned())) < analyzer.thresholds().person()) {
                plainWrong++;
            }
            List<DetectedFace> faces = analyzer.analyzeStill(crop.jpeg());
            assertThat(faces).as("%s face %d", crop.photo(), crop.index()).hasSize(1);
            DetectedFace face = faces.get(0);
            double similarity = Embeddings.cosine(crop.embedding(), analyzer.embed(face.aligned()));
            similarities.add(similarity);
            lines.add(String.format("%s face %d (yaw %.2f pitch %.2f): plain pass %s, box %s, quality %.2f, similarity to the face in its photo %.2f",
                    crop.photo(), crop.index(), crop.quality().yaw(), crop.quality().pitch(), plain ? "found it" : "missed it", face.box(), face.quality().score(), similarity));
            // the box is in the crop's pixels: the face fills the 150x150 image
            assertThat(face.box().centerX()).as("box centre x").isBetween(45f, 105f);
            assertThat(face.box().centerY()).as("box centre y").isBetween(45f, 105f);
            assertThat(face.box().width()).as("box width").isBetween(80f, 220f);
        }
        lines.forEach(System.out::println);
        System.out.printf("tight 150x150 crops: %d; the plain pass found %d faces, %d of them too wrong to match; the still "
                + "image's analysis found %d%n", crops.size(), plainFound, plainWrong - (crops.size() - plainFound), crops.size());
        assertThat(plainWrong).as("the case exists: a plain pass misses or misreads some tight crops").isPositive();
        assertThat(similarities).as("each crop's face is the person of its photo").allSatisfy(
                s -> assertThat(s).isGreaterThanOrEqualTo(analyzer.thresholds().person()));
    }

    @Test
    void aLargeTightCropIsShrunkForItsBorderedPassAndAnsweredInItsOwnPixels() throws Exception {
        TightCrop crop = tightCrops().get(0);
        byte[] large;
        try (org.bytedeco.opencv.opencv_core.Mat small = ImageCodec.decodeRgbMat(crop.jpeg(), ImageCodec.DEFAULT_MAX_PIXELS);
                org.bytedeco.opencv.opencv_core.Mat big = io.facestream.models.inference.Tensors.resized(small, 1500, 1500)) {
            large = ImageCodec.encodeJpeg(big, 92);
        }
        List<DetectedFace> faces = analyzer.analyzeStill(large);
        assertThat(faces).hasSize(1);
        FaceBox box = faces.get(0).box();
        assertThat(box.centerX()).isBetween(450f, 1050f);
        assertThat(box.centerY()).isBetween(450f, 1050f);
        assertThat(box.width()).isBetween(800f, 2200f);
        faces.get(0).landmarks().forEach(p -> assertThat(p.x()).isBetween(0f, 1500f));
        assertThat(Embeddings.cosine(crop.embedding(), analyzer.embed(faces.get(0).aligned())))
                .isGreaterThanOrEqualTo(analyzer.thresholds().person());
    }

    @Test
    void aStillImageWithFacesIsAnalysedOnceAsItIs() throws Exception {
        byte[] photo = TestPhotos.bytes("sample1");
        List<DetectedFace> plain = analyzer.analyze(photo);
        List<DetectedFace> still = analyzer.analyzeStill(photo);
        assertThat(still).hasSameSizeAs(plain);
        for (int i = 0; i < plain.size(); i++) {
            assertThat(still.get(i).box()).isEqualTo(plain.get(i).box());
        }
    }

    @Test
    void aStillImageWithoutAFaceStaysEmpty() throws Exception {
        RgbImage wall = new RgbImage(200, 150, new byte[200 * 150 * 3]);
        assertThat(analyzer.analyzeStill(ImageCodec.encodeJpeg(wall, 90))).isEmpty();
    }
}
