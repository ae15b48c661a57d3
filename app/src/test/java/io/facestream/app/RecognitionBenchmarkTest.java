package io.facestream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.app.bench.RecognitionBenchmark;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.eval.Degradation;
import io.facestream.models.eval.SamplePeople;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recognition bench end to end on a few real labelled faces: npm installs the pinned face-api.js packages
 * (the first time, under target/), Node runs them on the WASM backend, and both sides' figures come back. The
 * figures themselves belong to BENCHMARKS.md; this checks that the two sides really ran on the same photos.
 */
class RecognitionBenchmarkTest {
    @Test
    void bothSidesRunOnTheSamePhotos(@TempDir Path dir) throws Exception {
        Path people;
        try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults())) {
            people = SamplePeople.materialise(analyzer, dir.resolve("people"));
        }
        Path labelled = Files.createDirectories(dir.resolve("labelled"));
        int copied = 0;
        try (Stream<Path> folders = Files.list(people)) {
            for (Path person : folders.filter(Files::isDirectory).sorted().limit(3).toList()) {
                Path copy = Files.createDirectories(labelled.resolve(person.getFileName().toString()));
                try (Stream<Path> photos = Files.list(person)) {
                    for (Path photo : photos.filter(p -> p.getFileName().toString().matches(".*(1-wide|5-brighter)\\.jpg")).toList()) {
                        Files.copy(photo, copy.resolve(photo.getFileName()));
                        copied++;
                    }
                }
            }
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        List<RecognitionBenchmark.Row> rows = RecognitionBenchmark.run(new PrintStream(text, true, StandardCharsets.UTF_8), labelled,
                Path.of("target/bench-recognition-test").toAbsolutePath(), List.of(Degradation.CLEAN, Degradation.JPEG));
        String printed = text.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(rows).extracting(RecognitionBenchmark.Row::side).as(printed)
                .containsExactly("facestream", "face-api.js", "facestream", "face-api.js");
        for (RecognitionBenchmark.Row row : rows) {
            assertThat(row.scores().probes()).isEqualTo(copied);
            assertThat(row.msPerPhoto()).isPositive();
        }
        RecognitionBenchmark.Row peerClean = rows.get(1);
        assertThat(peerClean.scores().probesWithoutFace()).as("face-api.js finds these clean faces").isLessThan(copied);
        assertThat(peerClean.scores().rank1OfFound()).as("and tells these three people apart").isGreaterThanOrEqualTo(0.5);
        assertThat(printed).contains("face-api.js 1.7.15 on TensorFlow.js 4.22.0, backend wasm");
    }
}
