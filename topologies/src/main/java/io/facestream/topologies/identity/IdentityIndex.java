package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.gallery.Matching;

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

    /** An identity's own vectors (centroid and exemplars) and the faces rejected from it. */
    private record Entry(float[][] own, float[][] rejected) {
    }

    private final Map<String, Entry> vectors = new HashMap<>();

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
        float[][] rejected = Matching.rejected(identity).stream().map(e -> Embeddings.toArray(e.getEmbedding())).toArray(float[][]::new);
        vectors.put(identity.getIdentityId(), new Entry(v, rejected));
    }

    void remove(String identityId) {
        vectors.remove(identityId);
    }

    /** The most similar identity, leaving out those a rejected face vetoes ({@link Matching#vetoed}). */
    Optional<Nearest> nearest(float[] query) {
        Nearest best = null;
        for (var e : vectors.entrySet()) {
            double own = Matching.NO_MATCH;
            for (float[] v : e.getValue().own()) own = Math.max(own, Embeddings.similarity(v, query));
            double rejected = Matching.NO_MATCH;
            for (float[] v : e.getValue().rejected()) rejected = Math.max(rejected, Embeddings.similarity(v, query));
            if (e.getValue().own().length == 0 || Matching.vetoed(own, rejected)) continue;
            if (best == null || own > best.similarity()) best = new Nearest(e.getKey(), own);
        }
        return Optional.ofNullable(best);
    }
}
