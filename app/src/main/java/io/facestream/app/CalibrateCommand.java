package io.facestream.app;

import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.MatchThresholds;
import io.facestream.models.eval.Calibration;
import io.facestream.models.eval.LabelledFaces;
import io.facestream.models.eval.PhotoEmbedder;
import io.facestream.models.eval.RecognitionScores;
import io.facestream.models.eval.SamplePeople;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code facestream calibrate DIR}: the embedder's thresholds from the user's own labelled photos. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure the embedder on labelled photos (DIR: one sub-folder of photos per person) and recommend its "
                + "match thresholds: rank-1, TAR at FAR 1e-2/1e-3/1e-4, the genuine and impostor distributions (printed, and "
                + "plotted into an HTML report), and a threshold per decision (POI alert, known person, automatic identity, search).",
                "Model settings (facestream.models.*) come from system properties and environment variables, as for every command."})
final class CalibrateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "0..1", description = "One sub-folder per person, holding that person's JPEG/PNG photos.")
    Path dir;

    @Option(names = "--samples", description = "Use the faces of the pinned sample photos instead of DIR (each face its own "
            + "person, with six shots made from its one photo; easier genuine pairs than real photos, see models/README.md).")
    boolean samples;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "facestream-calibration.html",
            description = "Where to write the HTML report with the plot (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--apply", paramLabel = "CATALOG", description = "Write the recommended thresholds into this catalogue file "
            + "(created, or its embedder entry replaced); point facestream.models.catalog (FACESTREAM_MODELS_CATALOG) at it.")
    Path apply;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if ((dir == null) == !samples) {
            System.err.println("facestream calibrate: give either DIR or --samples");
            return 2;
        }
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            Path folder = samples ? SamplePeople.materialise(analyzer, ModelStore.fromEnvironment().cacheDir().resolve("sample-people")) : dir;
            List<LabelledFaces.Photo> photos;
            try {
                photos = LabelledFaces.scan(folder);
            } catch (IllegalArgumentException e) {
                System.err.println("facestream calibrate: " + e.getMessage());
                return 2;
            }
            List<String> people = new ArrayList<>();
            List<float[]> embeddings = new ArrayList<>();
            for (LabelledFaces.Photo photo : photos) {
                people.add(photo.person());
                try {
                    PhotoEmbedder.Subject subject = PhotoEmbedder.subject(analyzer,
                            ImageCodec.decode(Files.readAllBytes(photo.path()), analyzer.config().maxPixels()));
                    embeddings.add(subject == null ? null : subject.embedding());
                    if (subject == null) {
                        out.println("no face: " + photo.path());
                    }
                } catch (InvalidImageException e) {
                    out.println("skipped, " + e.getMessage() + ": " + photo.path());
                    embeddings.add(null);
                }
            }
            RecognitionScores scores = RecognitionScores.of(people, embeddings, embeddings, Embeddings::cosine);
            ModelCatalog catalog = analyzer.config().catalog();
            String title = catalog.model(ModelSpec.Role.EMBEDDER).id() + " on " + folder;
            out.print(Calibration.table(title, scores));
            MatchThresholds current = analyzer.thresholds();
            out.printf("current thresholds: poi %.3f, person %.3f, identity %.3f, search %.3f%n", current.poi(), current.person(),
                    current.identity(), current.search());
            Files.writeString(report, Calibration.html(title, scores));
            out.println("report: " + report.toAbsolutePath());
            if (apply != null) {
                Calibration.apply(apply, catalog, Calibration.recommend(scores));
                out.println("written to " + apply.toAbsolutePath() + "; use it with facestream.models.catalog=" + apply.toAbsolutePath()
                        + " (or FACESTREAM_MODELS_CATALOG)");
            }
            return 0;
        }
    }
}
