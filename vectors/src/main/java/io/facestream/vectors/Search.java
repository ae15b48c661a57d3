package io.facestream.vectors;

import java.util.Objects;

/**
  * A top-k query: the {@code limit} points closest to {@code vector} by cosine similarity among
  * those matching {@code filter}, best first, dropping any below {@code minScore} (a cosine
  * similarity; -1 keeps all). {@code includeVectors} returns the stored vectors too. {@code
  * forceExact} forces brute-force scoring instead of the approximate index (stores may choose exact on their
  * own where it is cheap; see each implementation). {@code candidates} is how many candidates an approximate (HNSW)
  * search keeps while it walks the graph (Lucene's k, Qdrant's {@code hnsw_ef}); 0 leaves the store's own setting,
  * which is sized for recall over the largest collections: a small collection can be searched with fewer at the
  * same recall, and the walk costs about what it keeps.
  */
public record Search(float[] vector, int limit, VectorFilter filter, double minScore, boolean includeVectors, boolean forceExact,
                     int candidates) {

    public Search {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(filter, "filter");
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        if (minScore < -1 || minScore > 1) throw new IllegalArgumentException("minScore must be within [-1, 1], got " + minScore);
        if (candidates < 0) throw new IllegalArgumentException("candidates must not be negative, got " + candidates);
    }

    public Search(float[] vector, int limit, VectorFilter filter, double minScore, boolean includeVectors, boolean forceExact) {
        this(vector, limit, filter, minScore, includeVectors, forceExact, 0);
    }

    public Search(float[] vector, int limit) {
        this(vector, limit, VectorFilter.all(), -1, false, false);
    }

    public Search filter(VectorFilter filter) {
        return new Search(vector, limit, filter, minScore, includeVectors, forceExact, candidates);
    }

    public Search minScore(double minScore) {
        return new Search(vector, limit, filter, minScore, includeVectors, forceExact, candidates);
    }

    public Search withVectors() {
        return new Search(vector, limit, filter, minScore, true, forceExact, candidates);
    }

    public Search exact() {
        return new Search(vector, limit, filter, minScore, includeVectors, true, candidates);
    }

    /** Walks the HNSW graph keeping {@code candidates} (at least {@code limit} are kept whatever this says). */
    public Search candidates(int candidates) {
        return new Search(vector, limit, filter, minScore, includeVectors, forceExact, candidates);
    }
}
