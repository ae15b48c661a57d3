package io.facestream.models.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleBiFunction;

/**
 * How well an embedder tells labelled people apart: rank-1 identification, the genuine (same person) and
 * impostor (different people) similarity distributions, and the true accept rate at a false accept rate.
 * Every probe is compared with every other photo of the gallery; when probes and gallery are the same photos,
 * each unordered pair counts once. A photo without a face counts against its person: a missed rank-1 and a
 * rejected genuine pair (a system that finds no face recognises nobody).
 */
public final class RecognitionScores {
    private final int probes;
    private final int probesWithoutFace;
    private final int rank1Hits;
    private final int rank1Trials;
    private final int rank1HitsFound;
    private final int rank1TrialsFound;
    private final double[] genuine;
    private final int genuineMissed;
    private final double[] impostor;

    private RecognitionScores(int probes, int probesWithoutFace, int rank1Hits, int rank1Trials, int rank1HitsFound,
            int rank1TrialsFound, double[] genuine, int genuineMissed, double[] impostor) {
        this.probes = probes;
        this.rank1HitsFound = rank1HitsFound;
        this.rank1TrialsFound = rank1TrialsFound;
        this.probesWithoutFace = probesWithoutFace;
        this.rank1Hits = rank1Hits;
        this.rank1Trials = rank1Trials;
        this.genuine = genuine;
        this.genuineMissed = genuineMissed;
        this.impostor = impostor;
    }

    /**
     * Scores probe {@code i} (embedding {@code probes.get(i)}, null without a face) against gallery photo {@code j}
     * for every {@code j != i} (photo {@code i} of both lists is the same photo, possibly degraded in the probe list).
     *
     * @param people     whose each photo is
     * @param probes     probe embeddings, null where no face was found
     * @param gallery    gallery embeddings, null where no face was found; the same list as {@code probes} for
     *                   calibration (each pair once)
     * @param similarity higher is more alike (cosine, or minus a distance)
     */
    public static <E> RecognitionScores of(List<String> people, List<E> probes, List<E> gallery,
            ToDoubleBiFunction<E, E> similarity) {
        int n = people.size();
        if (probes.size() != n || gallery.size() != n) {
            throw new IllegalArgumentException("one person, probe and gallery entry per photo");
        }
        boolean symmetric = probes == gallery;
        List<Double> genuine = new ArrayList<>();
        List<Double> impostor = new ArrayList<>();
        int without = 0, hits = 0, trials = 0, missed = 0, hitsFound = 0, trialsFound = 0;
        for (int i = 0; i < n; i++) {
            E probe = probes.get(i);
            without += probe == null ? 1 : 0;
            boolean hasMate = false;
            double best = Double.NEGATIVE_INFINITY;
            boolean bestIsMate = false;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                boolean mate = people.get(j).equals(people.get(i));
                hasMate |= mate && gallery.get(j) != null;
                if (probe == null || gallery.get(j) == null) {
                    if (mate && (!symmetric || j > i)) {
                        missed++;
                    }
                    continue;
                }
                double s = similarity.applyAsDouble(probe, gallery.get(j));
                if (s > best) {
                    best = s;
                    bestIsMate = mate;
                }
                if (symmetric && j < i) {
                    continue;
                }
                (mate ? genuine : impostor).add(s);
            }
            if (hasMate) {
                trials++;
                hits += bestIsMate ? 1 : 0;
                if (probe != null) {
                    trialsFound++;
                    hitsFound += bestIsMate ? 1 : 0;
                }
            }
        }
        return new RecognitionScores(n, without, hits, trials, hitsFound, trialsFound, sorted(genuine), missed, sorted(impostor));
    }

    private static double[] sorted(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a;
    }

    public int probes() {
        return probes;
    }

    public int probesWithoutFace() {
        return probesWithoutFace;
    }

    /** Share of probes (with a gallery mate) whose most similar gallery photo is their person's. */
    public double rank1() {
        return rank1Trials == 0 ? Double.NaN : (double) rank1Hits / rank1Trials;
    }

    /** Rank-1 among the probes where a face was found: the embedder's part, without the detector's misses. */
    public double rank1OfFound() {
        return rank1TrialsFound == 0 ? Double.NaN : (double) rank1HitsFound / rank1TrialsFound;
    }

    /** Genuine similarities, ascending (pairs where a face was missing are not in it). */
    public double[] genuine() {
        return genuine.clone();
    }

    /** Impostor similarities, ascending. */
    public double[] impostor() {
        return impostor.clone();
    }

    public int genuinePairs() {
        return genuine.length + genuineMissed;
    }

    /** Whether there are enough impostor pairs to measure this false accept rate (one false accept at least). */
    public boolean resolves(double far) {
        return impostor.length * far >= 1;
    }

    /**
     * The least threshold at which at most {@code far} of impostor pairs score at or above it: just above the
     * impostor score ranked {@code floor(far * n)} from the top. Where too few pairs resolve {@code far}, it is
     * just above the highest impostor score.
     */
    public double thresholdAtFar(double far) {
        if (impostor.length == 0) {
            return Double.NaN;
        }
        int allowed = (int) Math.floor(far * impostor.length);
        return Math.nextUp(impostor[impostor.length - 1 - Math.min(allowed, impostor.length - 1)]);
    }

    /** Share of genuine pairs (a missing face counts as rejected) at or above {@code threshold}. */
    public double tar(double threshold) {
        int total = genuinePairs();
        if (total == 0) {
            return Double.NaN;
        }
        int below = lowerBound(genuine, threshold);
        return (double) (genuine.length - below) / total;
    }

    /** Share of impostor pairs at or above {@code threshold}. */
    public double far(double threshold) {
        return impostor.length == 0 ? Double.NaN : (double) (impostor.length - lowerBound(impostor, threshold)) / impostor.length;
    }

    private static int lowerBound(double[] sorted, double value) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The {@code q} quantile (0..1) of sorted values. */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
    }

    /** "min / 1 % / median / 99 % / max" of sorted values. */
    public static String summary(double[] sorted) {
        return String.format(Locale.ROOT, "min %.3f, 1%% %.3f, median %.3f, 99%% %.3f, max %.3f", quantile(sorted, 0),
                quantile(sorted, 0.01), quantile(sorted, 0.5), quantile(sorted, 0.99), quantile(sorted, 1));
    }
}
