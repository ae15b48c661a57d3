package io.facestream.models.store;

import io.facestream.models.Embeddings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.image.ImageCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * face-api.js's ResNet descriptor, selectable through {@code models/catalogs/faceapi-resnet34.json}: the store makes
 * the ONNX file from the package's pinned TensorFlow.js weights and keeps it only with the pinned sha256, and the
 * analyzer embeds real faces with it. (Its equality with face-api.js's own output is checked in the app module,
 * where Node runs face-api.js.)
 */
class ConvertedModelTest {
    static final Path CATALOGUE = Path.of("catalogs/faceapi-resnet34.json");

    private static ModelSpec resnet() {
        return ModelCatalog.load(CATALOGUE).model(ModelSpec.Role.EMBEDDER);
    }

    /** A store with an empty cache but for the conversion's inputs, copied from the shared cache. */
    private static ModelStore storeWithInputsOnly(Path cache) throws Exception {
        ModelStore shared = ModelStore.fromEnvironment();
        ModelStore fresh = new ModelStore(cache, "npm");
        for (FileRef input : resnet().fileRef(null).conversionInputs()) {
            Path from = shared.resolve(input);
            Path to = fresh.cachedPath(input);
            Files.createDirectories(to.getParent());
            Files.copy(from, to);
        }
        return fresh;
    }

    @Test
    void theStoreConvertsTheWeightsIntoThePinnedFile(@TempDir Path cache) throws Exception {
        ModelStore store = storeWithInputsOnly(cache);
        FileRef ref = resnet().fileRef(null);
        assertThat(Files.exists(store.cachedPath(ref))).isFalse();

        Path made = store.resolve(ref);

        assertThat(made).isEqualTo(store.cachedPath(ref));
        assertThat(ModelStore.sha256(made)).isEqualTo(ref.sha256());
        assertThat(store.resolve(ref)).as("the second time it is only verified").isEqualTo(made);
    }

    @Test
    void aConversionThatGivesAnotherDigestIsRefusedAndNotKept(@TempDir Path cache) throws Exception {
        ModelStore store = storeWithInputsOnly(cache);
        FileRef pinned = resnet().fileRef(null);
        FileRef wrong = FileRef.converted("resnet-wrong", pinned.npmPackage(), pinned.version(), "converted/wrong.onnx",
                "0".repeat(64), pinned.conversion());
        assertThatThrownBy(() -> store.resolve(wrong)).isInstanceOf(ModelStoreException.class)
                .satisfies(e -> assertThat(((ModelStoreException) e).reason()).isEqualTo(ModelStoreException.Reason.CHECKSUM_MISMATCH));
        assertThat(Files.exists(store.cachedPath(wrong))).isFalse();
        try (var left = Files.list(store.cachedPath(wrong).getParent())) {
            assertThat(left.toList()).as("no temporary file left").isEmpty();
        }
        FileRef unknown = FileRef.converted("resnet-unknown", pinned.npmPackage(), pinned.version(), "converted/x.onnx",
                pinned.sha256(), new FileRef.Conversion("no-such-converter", pinned.conversion().inputs()));
        assertThatThrownBy(() -> store.resolve(unknown)).hasMessageContaining("no converter named 'no-such-converter'");
    }

    @Test
    void theAnalyzerEmbedsRealFacesWithIt() throws Exception {
        ModelCatalog catalog = ModelCatalog.builtIn().overlaidBy(ModelCatalog.load(CATALOGUE));
        try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults().withCatalog(catalog))) {
            byte[] photo = Files.readAllBytes(ModelStore.fromEnvironment().resolve(ModelCatalog.photos().fileRef("sample1")));
            List<DetectedFace> faces = analyzer.analyze(photo).stream().sorted(Comparator.comparingDouble(f -> f.box().x1())).toList();
            assertThat(faces).hasSize(3);
            assertThat(faces.get(0).aligned().width()).isEqualTo(150);
            float[] a = analyzer.embed(faces.get(0).aligned());
            assertThat(a).hasSize(128);
            // the same face a little blurred is nearer than the other two people
            float[] blurred = analyzer.embed(ImageCodec.toRgbImage(blur(faces.get(0))));
            double same = Embeddings.cosine(a, blurred);
            for (DetectedFace other : faces.subList(1, 3)) {
                assertThat(same).isGreaterThan(Embeddings.cosine(a, analyzer.embed(other.aligned())));
            }
            assertThat(same).isGreaterThanOrEqualTo(analyzer.thresholds().person());
        }
    }

    private static org.bytedeco.opencv.opencv_core.Mat blur(DetectedFace face) {
        org.bytedeco.opencv.opencv_core.Mat out = new org.bytedeco.opencv.opencv_core.Mat();
        try (var src = ImageCodec.toMat(face.aligned()); var k = new org.bytedeco.opencv.opencv_core.Size(0, 0)) {
            org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur(src, out, k, 1.0);
        }
        return out;
    }
}
