package io.facestream.topologies.identity;

import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Identity;
import io.facestream.vectors.IdentityPayload;
import io.facestream.vectors.VectorFilter;
import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the vector store's {@link VectorStore#IDENTITIES} collection (each identity's centroid, name and person)
 * in step with the identities view, so a read can ask for the nearest identities instead of decoding them all.
 * A centroid moves with nearly every face while an identity fills its exemplars, so changes are collected and
 * written at most once a {@link #flush} (a punctuation of identity resolution) per identity, not once per face.
 * Like the faces collection the store is not part of Kafka's transactions: after a crash the next start compares
 * what the collection holds ({@link #reconcile}, by a signature kept in each point) and rewrites what differs.
 */
final class CentroidPublisher {
    /** Payload key of the signature of what a point was written from (centroid, name, person). */
    static final String SIGNATURE = "signature";

    private final VectorStore vectors;
    /** The upserts, applied off the stream thread before the commit. */
    private final VectorWrites writes;
    /** The signature of what the collection holds per identity, as far as this publisher wrote or read it. */
    private final Map<String, Long> published = new HashMap<>();
    /** Identities to write (null: to remove) at the next flush. */
    private final Map<String, Identity> pending = new LinkedHashMap<>();

    CentroidPublisher(VectorStore vectors, VectorWrites writes) {
        this.vectors = vectors;
        this.writes = writes;
    }

    /** Reads what the collection holds and queues every identity whose point is missing or differs, and the removal of points of no identity. */
    void reconcile(Iterable<Identity> identities) {
        vectors.ensureCollection(VectorStore.IDENTITIES, VectorStore.DEFAULT_DIMENSION);
        published.clear();
        int stored = (int) Math.min(Integer.MAX_VALUE - 1, vectors.count(VectorStore.IDENTITIES));
        if (stored > 0) {
            for (VectorPoint p : vectors.scroll(VectorStore.IDENTITIES, VectorFilter.all(), stored + 1, false)) {
                published.put(p.id(), p.payload().get(SIGNATURE) instanceof Long l ? l : 0L);
            }
        }
        Map<String, Boolean> seen = new HashMap<>();
        for (Identity identity : identities) {
            seen.put(identity.getIdentityId(), true);
            changed(identity);
        }
        for (String id : published.keySet()) if (!seen.containsKey(id)) pending.put(id, null);
    }

    void changed(Identity identity) {
        String id = identity.getIdentityId();
        Long wanted = !StoredEmbeddings.hasCentroid(identity) ? null : signature(identity);
        if (Objects.equals(published.get(id), wanted)) pending.remove(id);
        else pending.put(id, identity);
    }

    void removed(String identityId) {
        if (published.containsKey(identityId)) pending.put(identityId, null);
        else pending.remove(identityId);
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Writes what changed since the last flush. */
    void flush() {
        if (pending.isEmpty()) return;
        List<VectorPoint> upserts = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        Map<String, Long> signatures = new HashMap<>();
        pending.forEach((id, identity) -> {
            if (identity == null || !StoredEmbeddings.hasCentroid(identity)) {
                deletes.add(id);
                return;
            }
            long signature = signature(identity);
            Map<String, Object> payload = new HashMap<>();
            payload.put(IdentityPayload.IDENTITY_ID, id);
            if (identity.getPersonId() != null) payload.put(IdentityPayload.PERSON_ID, identity.getPersonId());
            if (identity.getName() != null) payload.put(IdentityPayload.NAME, identity.getName());
            payload.put(SIGNATURE, signature);
            upserts.add(new VectorPoint(id, StoredEmbeddings.centroidOf(identity), payload));
            signatures.put(id, signature);
        });
        if (!upserts.isEmpty()) writes.upsert(VectorStore.IDENTITIES, upserts);
        if (!deletes.isEmpty()) writes.delete(VectorStore.IDENTITIES, deletes);
        deletes.forEach(published::remove);
        published.putAll(signatures);
        pending.clear();
    }

    /** What a point shows of an identity: its centroid, name and person. */
    static long signature(Identity identity) {
        long h = 1125899906842597L;
        for (float f : StoredEmbeddings.centroidOf(identity)) h = 31 * h + Float.floatToIntBits(f);
        h = 31 * h + Objects.hashCode(identity.getName());
        h = 31 * h + Objects.hashCode(identity.getPersonId());
        return h;
    }
}
