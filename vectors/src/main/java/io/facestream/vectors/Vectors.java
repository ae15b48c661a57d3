package io.facestream.vectors;

import org.apache.lucene.util.VectorUtil;

/**
 * Vector checks shared by the implementations, so both reject the same inputs the same way (and a caller that hands its
 * writes to another thread can refuse them at once, as a store would).
 */
public final class Vectors {

    private Vectors() {}

    static void checkDimension(String collection, int dimension, float[] vector) {
        if (vector == null) throw new IllegalArgumentException("a vector is required");
        if (vector.length != dimension) {
            throw new IllegalArgumentException("collection '" + collection + "' has dimension " + dimension
                    + " but the vector has " + vector.length);
        }
    }

    /** A unit-length copy (Lucene's VectorUtil); zero and non-finite vectors have no direction. */
    public static float[] normalised(String collection, int dimension, float[] vector) {
        checkDimension(collection, dimension, vector);
        return VectorUtil.l2normalize(VectorUtil.checkFinite(vector.clone()));
    }

    static String checkCollectionName(String collection) {
        if (collection == null || !collection.matches("[A-Za-z0-9_-]{1,128}")) {
            throw new IllegalArgumentException("collection name '" + collection + "' must be 1-128 letters, digits, '_' or '-'");
        }
        return collection;
    }
}
