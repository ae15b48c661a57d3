package io.facestream.vectors;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The brute force the tests check the stores against, in double precision. */
final class TestVectors {

    private TestVectors() {}

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Ids of the k points most cosine-similar to the query. */
    static List<String> exactTopK(Map<String, float[]> points, float[] query, int k) {
        return points.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, float[]> e) -> -cosine(query, e.getValue())))
                .limit(k)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** The share of {@code expected} found in {@code actual}. */
    static double recall(List<String> expected, List<String> actual) {
        return (double) IntStream.range(0, expected.size()).filter(i -> actual.contains(expected.get(i))).count() / expected.size();
    }
}
