package io.facestream.topologies.identity;

import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The embeddings behind identity resolution's exemplars (an identity's best faces, a live track's best faces). Those
 * are written as references ({@link StoredEmbeddings#reference}: face id and quality) because the faces view holds
 * each kept face's embedding already: an identity record carrying up to eight of them was ~18 KB written once per
 * commit it changed in, a live track's state ~4 KB per face, as many bytes on the changelogs as the faces view itself.
 * An exemplar of a record written before that carries its embedding and is read as it is.
 *
 * <p>A face's embedding never changes under its id while the face is kept (the face written again with another one,
 * a replay, leaves its identity and track first), so the last {@link #CAPACITY} looked up or stored are kept decoded:
 * a live track's faces and the identities it touches are read several times per face, and reading the faces view
 * decodes the whole face with its crop each time.
 */
final class FaceEmbeddings {
    /** Faces kept decoded (2 KiB each at 512 dimensions): live tracks' best faces and recently touched identities'. */
    static final int CAPACITY = 4096;

    private final KeyValueStore<String, Face> faces;
    private final Map<String, float[]> recent = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
            return size() > CAPACITY;
        }
    };

    FaceEmbeddings(KeyValueStore<String, Face> faces) {
        this.faces = faces;
    }

    /** The exemplar's embedding: its own when it carries one, else its face's; null when the face is gone. */
    float[] of(Exemplar exemplar) {
        if (StoredEmbeddings.holdsEmbedding(exemplar)) return StoredEmbeddings.of(exemplar);
        float[] known = recent.get(exemplar.getFaceId());
        if (known != null) return known;
        Face face = faces.get(exemplar.getFaceId());
        if (face == null || StoredEmbeddings.dimension(face) == 0) return null;
        float[] read = StoredEmbeddings.of(face);
        recent.put(exemplar.getFaceId(), read);
        return read;
    }

    /** Notes the embedding of a face being stored (its exemplars are read soon after). */
    void stored(String faceId, float[] embedding) {
        recent.put(faceId, embedding);
    }

    /** Forgets a face taken out of the faces view. */
    void deleted(String faceId) {
        recent.remove(faceId);
    }
}
