package io.facestream.vectors;

import java.util.Objects;

/**
  * A top-k query: the {@code limit} points closest to {@code vector} by cosine similarity among
  * those matching {@code filter}, best first, dropping any below {@code minScore} (a cosine
  * similarity; -1 keeps all). {@code includeVectors} returns the stored vectors too. {@code
  * forceExact} forces brute-force scoring instead of the approximate index (stores may choose exact on their
  * own where it is cheap; see each implementation).
  */
public record Search(float[] vector, int limit, VectorFilter filter, double minScore, boolean includeVectors, boolean forceExact) {

    public Search {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(filter, "filter");
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        if (minScore < -1 || minScore > 1) throw new IllegalArgumentException("minScore must be within [-1, 1], got " + minScore);
    }

    public Search(float[] vector, int limit) {
        this(vector, limit, VectorFilter.all(), -1, false, false);
    }

    public Search filter(VectorFilter filter) {
        return new Search(vector, limit, filter, minScore, includeVectors, forceExact);
    }

    public Search minScore(double minScore) {
        return new Search(vector, limit, filter, minScore, includeVectors, forceExact);
    }

    public Search withVectors() {
        return new Search(vector, limit, filter, minScore, true, forceExact);
    }

    public Search exact() {
        return new Search(vector, limit, filter, minScore, includeVectors, true);
    }
}
