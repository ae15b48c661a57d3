package io.facestream.vectors;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
  * The vector-store port: named collections of points (id, vector, payload) searched by cosine
  * similarity. facestream keeps {@value #FACES} (every kept face) and {@value #IDENTITIES} (each
  * identity's centroid, for reads that look for the nearest identities without scanning them all);
  * {@value #GALLERY} is the contract tests' name (the gallery of people lives in memory).
  *
  * <p>Contract shared by every implementation (one test suite, {@code VectorStoreContract}):
  *
  * <ul>
  *   <li>Vectors are compared by cosine similarity and stored L2-normalised: {@link #get} returns
  *       the normalised vector. A zero or non-finite vector, or one whose length is not the
  *       collection's dimension, is an {@link IllegalArgumentException}.
  *   <li>Scores are cosine similarities in [-1, 1], higher is closer.
  *   <li>Upsert replaces a point with the same id (vector and whole payload).
  *   <li>A write is visible to the next read from the same store instance.
  *   <li>Any operation on a collection that does not exist throws {@link
  *       UnknownCollectionException}; a backend failure throws {@link VectorStoreException}.
  *   <li>Thread-safe: any number of threads may read and write at once.
  * </ul>
  */
public interface VectorStore extends AutoCloseable {

    String GALLERY = "gallery";
    String FACES = "faces";
    /** One point per identity with a centroid: id the identity id, payload {@link IdentityPayload}. */
    String IDENTITIES = "identities";
    int DEFAULT_DIMENSION = 512;

    /**
      * Creates the collection with this dimension and cosine distance if it does not exist.
      *
      * @throws IllegalArgumentException if it exists with another dimension, or the name is not
      *     letters, digits, '_' or '-'
      */
    void ensureCollection(String collection, int dimension);

    /**
      * Inserts or replaces the points. Every point is validated before any is written; where one id
      * appears twice, the last wins.
      */
    void upsert(String collection, Collection<VectorPoint> points);

    default void upsert(String collection, VectorPoint point) {
        upsert(collection, List.of(point));
    }

    Optional<VectorPoint> get(String collection, String id);

    /** Deletes the points with these ids; ids that do not exist are ignored. */
    void delete(String collection, Collection<String> ids);

    /** Deletes every point the filter matches (e.g. all faces of an identity). */
    void deleteWhere(String collection, VectorFilter filter);

    List<ScoredPoint> search(String collection, Search search);

    long count(String collection, VectorFilter filter);

    default long count(String collection) {
        return count(collection, VectorFilter.all());
    }

    /**
      * Up to {@code limit} points matching the filter, without scores. The order is the store's own
      * (stable between calls, not meaningful); callers needing all points count first or pass a
      * limit above the count.
      */
    List<VectorPoint> scroll(String collection, VectorFilter filter, int limit, boolean withVectors);

    @Override
    void close();
}
