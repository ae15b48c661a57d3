package io.facestream.topologies.gallery;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;

/** Similarity of a face to a stored record, as every match decision measures it. */
public final class Matching {

    /** To a person: their closest reference face. -1 for a person without faces. */
    public static double toPerson(Person person, float[] embedding) {
        double best = -1;
        for (ReferenceFace f : person.getFaces()) best = Math.max(best, Embeddings.similarity(Embeddings.toArray(f.getEmbedding()), embedding));
        return best;
    }

    /** To an automatic identity: the closest of its centroid and exemplars. -1 for an identity without faces. */
    public static double toIdentity(Identity identity, float[] embedding) {
        double best = identity.getCentroid().isEmpty() ? -1 : Embeddings.similarity(Embeddings.toArray(identity.getCentroid()), embedding);
        for (Exemplar e : identity.getExemplars()) best = Math.max(best, Embeddings.similarity(Embeddings.toArray(e.getEmbedding()), embedding));
        return best;
    }

    private Matching() {
    }
}
