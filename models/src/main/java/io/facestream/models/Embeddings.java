package io.facestream.models;

import java.util.ArrayList;
import java.util.List;

/**
 * The one home of embedding maths. Embeddings are L2-normalised, so cosine similarity is a dot product;
 * records carry them as lists of floats (Avro arrays), matching works on arrays.
 */
public final class Embeddings {

    /**
     * Similarity of two embeddings as the pipeline compares them: their dot product, which is their cosine since
     * embeddings are L2-normalised; -1 for vectors of different sizes (another model's embedding never matches).
     */
    public static double similarity(float[] a, float[] b) {
        if (a.length != b.length) return -1;
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** Cosine similarity of any two vectors of one size, -1..1 (0 when either is zero). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embeddings differ in length: " + a.length + " and " + b.length);
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** Scales {@code v} in place to unit length (a zero vector stays zero); returns it. */
    public static float[] normalise(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        float inv = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0;
        for (int i = 0; i < v.length; i++) v[i] *= inv;
        return v;
    }

    public static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    public static List<Float> toList(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) out.add(v);
        return out;
    }

    private Embeddings() {
    }
}
