package io.facestream.models.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.models.MatchThresholds;
import io.facestream.models.store.FileRef;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Thresholds from the impostor distribution of labelled faces, one false accept rate per decision: a POI
 * alert 1e-4 (a false alert sends people after a stranger), a known-person sighting and joining an automatic
 * identity 1e-3, a search 1e-2 (a ranked list a person reviews). Each is rounded up to 0.001 (an embedder whose
 * cosines crowd near 1, as face-api's ResNet descriptor's do, needs that resolution). Where the photos
 * give too few impostor pairs to resolve a rate, the threshold sits just above the highest impostor score
 * (the report says so).
 */
public final class Calibration {
    public static final double POI_FAR = 1e-4, PERSON_FAR = 1e-3, IDENTITY_FAR = 1e-3, SEARCH_FAR = 1e-2;
    public static final double[] REPORTED_FARS = {1e-2, 1e-3, 1e-4};

    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Calibration() {}

    /**
     * Writes {@code thresholds} into the catalogue file {@code file} (what {@value ModelCatalog#CATALOG_KEY} names):
     * the catalogue's embedder with these thresholds replaces the file's embedder entry, or is added to it; the
     * file's other entries stay. A new file is created with the embedder alone.
     */
    public static void apply(Path file, ModelCatalog catalog, MatchThresholds thresholds) throws IOException {
        ModelSpec embedder = catalog.model(ModelSpec.Role.EMBEDDER);
        Map<String, Double> named = new LinkedHashMap<>(embedder.thresholds());
        named.remove(MatchThresholds.MATCH);
        named.putAll(thresholds.asMap());
        ModelSpec calibrated = embedder.withThresholds(named);
        FileRef ref = catalog.fileRef(embedder.id());
        if (ref.localFile() != null) {
            calibrated = calibrated.withFile(ref.localFile().toAbsolutePath().toString());
        }
        ObjectNode document = Files.exists(file) ? (ObjectNode) JSON.readTree(file.toFile()) : JSON.createObjectNode();
        ArrayNode models = document.has("models") ? (ArrayNode) document.get("models") : document.putArray("models");
        for (int i = models.size() - 1; i >= 0; i--) {
            if (ModelSpec.Role.EMBEDDER.name().equals(models.get(i).path("role").asText())) {
                models.remove(i);
            }
        }
        models.add(JSON.valueToTree(calibrated));
        Path tmp = file.toAbsolutePath().resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), document);
        ModelCatalog.load(tmp); // the file must stay a catalogue the product accepts
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static MatchThresholds recommend(RecognitionScores scores) {
        return new MatchThresholds(at(scores, POI_FAR), at(scores, PERSON_FAR), at(scores, IDENTITY_FAR), at(scores, SEARCH_FAR));
    }

    /** Rounded up to 0.001, and at most 0.999: impostor pairs at 1 are one photo filed under two people. */
    private static double at(RecognitionScores scores, double far) {
        return Math.min(0.999, Math.ceil(scores.thresholdAtFar(far) * 1000 - 1e-9) / 1000);
    }

    /** The figures as text: photos, rank-1, TAR at each reported FAR, the distributions and the recommendation. */
    public static String table(String title, RecognitionScores scores) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s: %d photos (%d without a face), %d genuine pairs, %d impostor pairs%n", title,
                scores.probes(), scores.probesWithoutFace(), scores.genuinePairs(), scores.impostor().length));
        out.append(String.format(Locale.ROOT, "rank-1: %.1f %%%n", 100 * scores.rank1()));
        out.append(String.format(Locale.ROOT, "%-8s %-10s %-8s %s%n", "FAR", "threshold", "TAR", "note"));
        for (double far : REPORTED_FARS) {
            double t = scores.thresholdAtFar(far);
            out.append(String.format(Locale.ROOT, "%-8s %-10.3f %-8s %s%n", String.format(Locale.ROOT, "%.0e", far), t,
                    String.format(Locale.ROOT, "%.1f %%", 100 * scores.tar(t)),
                    scores.resolves(far) ? "" : "not resolved: under " + (int) Math.ceil(1 / far) + " impostor pairs; above the highest"));
        }
        out.append("genuine:  ").append(RecognitionScores.summary(scores.genuine())).append('\n');
        out.append("impostor: ").append(RecognitionScores.summary(scores.impostor())).append('\n');
        double[] impostor = scores.impostor();
        if (impostor.length > 0 && impostor[impostor.length - 1] > 0.995) {
            out.append("warning: impostor pairs score above 0.995: is one photo (or one person) filed under two people?\n");
        }
        MatchThresholds t = recommend(scores);
        out.append(String.format(Locale.ROOT, "recommended thresholds: poi %.3f (FAR %.0e), person %.3f (%.0e), identity %.3f (%.0e), "
                        + "search %.3f (%.0e); TAR there %.1f / %.1f / %.1f / %.1f %%%n", t.poi(), POI_FAR, t.person(), PERSON_FAR,
                t.identity(), IDENTITY_FAR, t.search(), SEARCH_FAR, 100 * scores.tar(t.poi()), 100 * scores.tar(t.person()),
                100 * scores.tar(t.identity()), 100 * scores.tar(t.search())));
        return out.toString();
    }

    /** A self-contained HTML page: the genuine and impostor histograms (SVG) with the thresholds, and the table. */
    public static String html(String title, RecognitionScores scores) {
        double lo = -0.4, hi = 1.0;
        int bins = 70;
        double[] g = histogram(scores.genuine(), lo, hi, bins), im = histogram(scores.impostor(), lo, hi, bins);
        double top = 0;
        for (int i = 0; i < bins; i++) {
            top = Math.max(top, Math.max(g[i], im[i]));
        }
        int w = 840, h = 320, left = 40, bottom = 290;
        double bw = (double) (w - left - 10) / bins;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>", w, h));
        for (int i = 0; i < bins; i++) {
            double x = left + i * bw;
            bar(svg, x, bw, g[i] / top, bottom, "rgba(30,120,200,0.55)");
            bar(svg, x, bw, im[i] / top, bottom, "rgba(220,80,40,0.55)");
        }
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>", left, bottom, w - 10, bottom));
        for (double v = -0.4; v <= 1.0001; v += 0.2) {
            double x = left + (v - lo) / (hi - lo) * (w - left - 10);
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%.1f</text>", x, bottom + 14, v));
        }
        MatchThresholds t = recommend(scores);
        String[][] lines = {{"poi", String.valueOf(t.poi())}, {"person/identity", String.valueOf(t.person())}, {"search", String.valueOf(t.search())}};
        int k = 0;
        for (String[] line : lines) {
            double v = Double.parseDouble(line[1]);
            double x = left + (v - lo) / (hi - lo) * (w - left - 10);
            svg.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='20' x2='%.1f' y2='%d' stroke='black' stroke-dasharray='4 3'/>"
                    + "<text x='%.1f' y='%d'>%s %.3f</text>", x, x, bottom, x + 3, 30 + 12 * k++, line[0], v));
        }
        svg.append("<rect x='").append(w - 190).append("' y='8' width='10' height='10' fill='rgba(30,120,200,0.55)'/><text x='")
                .append(w - 175).append("' y='17'>genuine (same person)</text>");
        svg.append("<rect x='").append(w - 190).append("' y='24' width='10' height='10' fill='rgba(220,80,40,0.55)'/><text x='")
                .append(w - 175).append("' y='33'>impostor (different people)</text></svg>");
        return "<!doctype html><html><head><meta charset='utf-8'><title>" + escape(title) + "</title></head><body>"
                + "<h1>" + escape(title) + "</h1><p>Cosine similarity of face pairs; each bar is its distribution's share "
                + "of pairs.</p>" + svg + "<pre>" + escape(table(title, scores)) + "</pre></body></html>\n";
    }

    private static void bar(StringBuilder svg, double x, double width, double fraction, int bottom, String fill) {
        double height = fraction * (bottom - 40);
        svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'/>", x, bottom - height,
                width, height, fill));
    }

    /** Bin shares (each distribution sums to 1, so both show whatever their pair counts). */
    private static double[] histogram(double[] values, double lo, double hi, int bins) {
        double[] counts = new double[bins];
        for (double v : values) {
            int b = (int) Math.floor((v - lo) / (hi - lo) * bins);
            counts[Math.max(0, Math.min(bins - 1, b))]++;
        }
        for (int i = 0; i < bins; i++) {
            counts[i] /= Math.max(1, values.length);
        }
        return counts;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
