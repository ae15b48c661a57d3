package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Identities' centroids and exemplars in memory, for the nearest-identity search of every track decision.
 * Only identity resolution's single task writes identities, so this mirror of its store is exact; it is
 * rebuilt from the store when the task starts. Brute force: a dot product per vector is about a
 * microsecond, so ten thousand identities with their exemplars answer in tens of milliseconds at worst.
 */
final class IdentityIndex {

    record Nearest(String identityId, double similarity) {
    }

    private final Map<String, float[][]> vectors = new HashMap<>();

    /** An inactive identity (switched off by an operator) is left out: no new track is matched to it. */
    void put(Identity identity) {
        if (identity.getStatus() == IdentityStatus.INACTIVE) {
            remove(identity.getIdentityId());
            return;
        }
        int n = identity.getExemplars().size() + (identity.getCentroid().isEmpty() ? 0 : 1);
        float[][] v = new float[n][];
        int i = 0;
        if (!identity.getCentroid().isEmpty()) v[i++] = Embeddings.toArray(identity.getCentroid());
        for (Exemplar e : identity.getExemplars()) v[i++] = Embeddings.toArray(e.getEmbedding());
        vectors.put(identity.getIdentityId(), v);
    }

    void remove(String identityId) {
        vectors.remove(identityId);
    }

    Optional<Nearest> nearest(float[] query) {
        Nearest best = null;
        for (var e : vectors.entrySet()) {
            for (float[] v : e.getValue()) {
                double s = Embeddings.similarity(v, query);
                if (best == null || s > best.similarity()) best = new Nearest(e.getKey(), s);
            }
        }
        return Optional.ofNullable(best);
    }
}
