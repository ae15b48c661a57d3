package io.facestream.models.eval;

import io.facestream.models.Embeddings;
import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.image.ImageCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped thresholds are what calibration recommends on the shipped labelled faces (the sample people, through
 * the real models): recalibrating gives the catalogue's values back, and they separate these faces as documented.
 */
class SampleCalibrationTest {
    @Test
    void theCataloguesThresholdsAreTheCalibrationOfTheSamplePeople(@TempDir Path dir) throws Exception {
        try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults())) {
            Path folder = SamplePeople.materialise(analyzer, dir.resolve("people"));
            List<LabelledFaces.Photo> photos = LabelledFaces.scan(folder);
            List<String> people = new ArrayList<>();
            List<float[]> embeddings = new ArrayList<>();
            for (LabelledFaces.Photo photo : photos) {
                people.add(photo.person());
                PhotoEmbedder.Subject subject = PhotoEmbedder.subject(analyzer, ImageCodec.decode(Files.readAllBytes(photo.path()),
                        ImageCodec.DEFAULT_MAX_PIXELS));
                embeddings.add(subject == null ? null : subject.embedding());
            }
            RecognitionScores scores = RecognitionScores.of(people, embeddings, embeddings, Embeddings::cosine);
            System.out.print(Calibration.table("sample people", scores));

            assertThat(people.stream().distinct().count()).as("20 faces, one person in two photos").isEqualTo(19);
            assertThat(photos).hasSize(120);
            assertThat(scores.probesWithoutFace()).isZero();
            assertThat(scores.rank1()).isGreaterThanOrEqualTo(0.95);
            assertThat(Calibration.recommend(scores)).isEqualTo(analyzer.thresholds());
        }
    }
}
