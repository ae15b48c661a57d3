package io.facestream.models.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.facestream.models.MatchThresholds;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics' arithmetic on scores worked out by hand, and the catalogue file {@code --apply} writes. */
class RecognitionScoresTest {
    /** One number per photo; the similarity of two photos is minus their distance. */
    private static double similarity(Double a, Double b) {
        return -Math.abs(a - b);
    }

    @Test
    void pairsRankOneAndRatesFollowTheDefinitions() {
        // a: 0.0 and 0.1; b: 1.0 and 1.3; c: 0.5 (no mate); pairs once each
        List<String> people = List.of("a", "a", "b", "b", "c");
        List<Double> photos = Arrays.asList(0.0, 0.1, 1.0, 1.3, 0.5);
        RecognitionScores s = RecognitionScores.of(people, photos, photos, RecognitionScoresTest::similarity);

        assertThat(s.genuine()).containsExactly(new double[] {-0.3, -0.1}, within(1e-9));
        assertThat(s.impostor()).hasSize(8); // 10 pairs, 2 genuine
        assertThat(s.impostor()[7]).isCloseTo(-0.4, within(1e-9)); // 0.1 ~ 0.5
        // every photo with a mate has it nearest (b at 1.0: its mate 0.3 away, c 0.5); c has none and is no trial
        assertThat(s.rank1()).isEqualTo(1.0);
        assertThat(s.far(-0.35)).isCloseTo(0.0, within(1e-9));
        assertThat(s.far(-0.41)).isCloseTo(1 / 8.0, within(1e-9));
        assertThat(s.tar(-0.2)).isEqualTo(0.5);
        // 1 false accept in 8 allowed at FAR 1/8: just above the second-highest impostor score (0.0 ~ 0.5 and 1.0 ~ 0.5 at -0.5)
        assertThat(s.thresholdAtFar(1 / 8.0)).isGreaterThan(-0.5).isLessThan(-0.4999);
        assertThat(s.resolves(1 / 8.0)).isTrue();
        assertThat(s.resolves(1e-2)).isFalse();
        assertThat(s.thresholdAtFar(1e-2)).as("unresolved: just above the highest").isGreaterThan(-0.4).isLessThan(-0.3999);
    }

    @Test
    void aPhotoWithoutAFaceCountsAgainstItsPerson() {
        List<String> people = List.of("a", "a", "b", "b");
        List<Double> photos = Arrays.asList(0.0, null, 1.0, 1.1);
        RecognitionScores s = RecognitionScores.of(people, photos, photos, RecognitionScoresTest::similarity);
        assertThat(s.probesWithoutFace()).isEqualTo(1);
        assertThat(s.genuinePairs()).isEqualTo(2);
        assertThat(s.tar(-1)).as("the missing face's pair is rejected").isEqualTo(0.5);
        // photo 0's only mate has no face: it is not a rank-1 trial; the faceless probe is one, and misses
        assertThat(s.rank1()).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(s.rank1OfFound()).as("the embedder alone ranks both found probes right").isEqualTo(1.0);
    }

    @Test
    void degradedProbesAreComparedWithTheOtherCleanPhotos() {
        List<String> people = List.of("a", "a", "b");
        List<Double> clean = Arrays.asList(0.0, 0.1, 1.0);
        List<Double> degraded = Arrays.asList(0.9, 0.1, 1.0); // photo 0 degraded until it looks like b
        RecognitionScores s = RecognitionScores.of(people, degraded, clean, RecognitionScoresTest::similarity);
        assertThat(s.genuinePairs()).isEqualTo(2); // ordered pairs (0,1) and (1,0)
        assertThat(s.rank1()).isEqualTo(0.5);
    }

    @Test
    void recommendedThresholdsRoundUpFromTheImpostors() {
        List<String> people = List.of("a", "a", "b", "b");
        List<Double> photos = Arrays.asList(0.0, 0.05, 0.6335, 0.65);
        RecognitionScores s = RecognitionScores.of(people, photos, photos, (x, y) -> 1 - Math.abs(x - y));
        MatchThresholds t = Calibration.recommend(s);
        // impostors 1 - {0.6335, 0.65, 0.5835, 0.6}: highest 0.4165, rounded up to 0.417; four pairs resolve no rate of 1e-2 or below
        assertThat(t).isEqualTo(new MatchThresholds(0.417, 0.417, 0.417, 0.417));
        assertThat(Calibration.table("test", s)).contains("rank-1: 100.0 %", "not resolved");
        assertThat(Calibration.html("test <set>", s)).contains("<svg", "test &lt;set&gt;", "genuine (same person)");
    }

    @Test
    void applyWritesTheEmbedderWithItsThresholdsAndKeepsTheFilesOtherModels(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("catalogue.json");
        ModelCatalog builtIn = ModelCatalog.builtIn();
        ModelSpec detector = builtIn.model(ModelSpec.Role.DETECTOR);
        Files.writeString(file, """
                {"models": [
                  {"id": "old-embedder", "role": "EMBEDDER", "file": "/nowhere/e.onnx", "sha256": "00",
                   "input": {"name": "input", "width": 112, "height": 112, "colour": "RGB", "mean": 0, "scale": 1, "batch": 1},
                   "thresholds": {"match": 0.3}},
                  {"id": "my-detector", "role": "DETECTOR", "file": "/nowhere/d.onnx", "sha256": "%s",
                   "input": {"name": "input", "width": 320, "height": 240, "colour": "RGB", "mean": 127, "scale": 0.0078125, "batch": 1},
                   "thresholds": {"score": 0.7, "nms": 0.4}}
                ]}""".formatted(detector.sha256()));
        MatchThresholds t = new MatchThresholds(0.61, 0.52, 0.53, 0.44);

        Calibration.apply(file, builtIn, t);

        ModelCatalog written = ModelCatalog.load(file);
        assertThat(written.model(ModelSpec.Role.EMBEDDER).id()).isEqualTo(builtIn.model(ModelSpec.Role.EMBEDDER).id());
        assertThat(MatchThresholds.of(written.model(ModelSpec.Role.EMBEDDER))).isEqualTo(t);
        assertThat(written.model(ModelSpec.Role.EMBEDDER).thresholds()).doesNotContainKey(MatchThresholds.MATCH);
        assertThat(written.model(ModelSpec.Role.DETECTOR).id()).isEqualTo("my-detector");
        assertThat(builtIn.overlaidBy(written).model(ModelSpec.Role.EMBEDDER).thresholds()).isEqualTo(t.asMap());
    }

    @Test
    void aFolderWithoutTwoPeopleIsRefusedWithAReason(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> LabelledFaces.scan(dir.resolve("missing"))).hasMessageContaining("is not a folder");
        Files.createDirectories(dir.resolve("ada"));
        Files.write(dir.resolve("ada/1.jpg"), new byte[] {1});
        Files.write(dir.resolve("ada/2.png"), new byte[] {1});
        Files.writeString(dir.resolve("ada/notes.txt"), "ignored");
        assertThatThrownBy(() -> LabelledFaces.scan(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two people").hasMessageContaining("found 1 people");
        Files.createDirectories(dir.resolve("bob"));
        Files.write(dir.resolve("bob/1.jpeg"), new byte[] {1});
        assertThat(LabelledFaces.scan(dir)).extracting(LabelledFaces.Photo::person).containsExactly("ada", "ada", "bob");
    }
}
