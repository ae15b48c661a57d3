package io.facestream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.MatchThresholds;
import io.facestream.models.eval.SamplePeople;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facestream calibrate DIR} on real labelled faces through the real models, as a user runs it. */
class CalibrateCommandTest {
    @TempDir
    Path dir;

    private static Cli.Run calibrate(String... args) {
        return Cli.run(Stream.concat(Stream.of("calibrate"), Stream.of(args)).toArray(String[]::new));
    }

    @Test
    void printsTheFiguresWritesThePlotAndAppliesTheThresholds() throws Exception {
        Path people;
        try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults())) {
            people = SamplePeople.materialise(analyzer, dir.resolve("people"));
        }
        Path labelled = Files.createDirectories(dir.resolve("labelled"));
        List<Path> five;
        try (Stream<Path> folders = Files.list(people)) {
            five = folders.filter(Files::isDirectory).sorted().limit(5).toList();
        }
        for (Path person : five) {
            Path copy = Files.createDirectories(labelled.resolve(person.getFileName().toString()));
            try (Stream<Path> photos = Files.list(person)) {
                for (Path photo : photos.toList()) {
                    Files.copy(photo, copy.resolve(photo.getFileName()));
                }
            }
        }
        Path report = dir.resolve("report.html");
        Path catalogue = dir.resolve("calibrated.json");

        Cli.Run run = calibrate(labelled.toString(), "--report", report.toString(), "--apply", catalogue.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("rank-1:", "1e-02", "1e-03", "1e-04", "genuine:", "impostor:", "recommended thresholds: poi",
                "facestream.models.catalog=" + catalogue.toAbsolutePath());
        assertThat(Files.readString(report)).contains("<svg", "genuine (same person)", "impostor (different people)");
        ModelSpec embedder = ModelCatalog.load(catalogue).model(ModelSpec.Role.EMBEDDER);
        MatchThresholds applied = MatchThresholds.of(embedder);
        assertThat(embedder.id()).isEqualTo(ModelCatalog.builtIn().model(ModelSpec.Role.EMBEDDER).id());
        assertThat(run.out()).contains(String.format("poi %.3f", applied.poi()), String.format("person %.3f", applied.person()));
    }

    @Test
    void refusesAFolderItCannotUseWithAReason() throws Exception {
        Cli.Run missing = calibrate(dir.resolve("nowhere").toString(), "--report", dir.resolve("r.html").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a folder");
        Files.createDirectories(dir.resolve("one/ada"));
        Files.write(dir.resolve("one/ada/a.jpg"), new byte[] {1});
        Cli.Run onePerson = calibrate(dir.resolve("one").toString(), "--report", dir.resolve("r.html").toString());
        assertThat(onePerson.exit()).isEqualTo(2);
        assertThat(onePerson.err()).contains("at least two people");
        assertThat(calibrate().exit()).as("neither DIR nor --samples").isEqualTo(2);
        assertThat(Files.exists(dir.resolve("r.html"))).isFalse();
    }
}
