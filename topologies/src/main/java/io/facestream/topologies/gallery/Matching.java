package io.facestream.topologies.gallery;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.RejectedFace;

/** Similarity of a face to a stored record, as every match decision measures it. */
public final class Matching {

    /** The similarity of a face that cannot match a record: none at all, or one an operator ruled out. */
    public static final double NO_MATCH = -1;

    /** To a person: their closest reference face; {@link #NO_MATCH} for a person without faces, or {@link #vetoed} by one they rejected. */
    public static double toPerson(Person person, float[] embedding) {
        double best = NO_MATCH;
        for (ReferenceFace f : person.getFaces()) best = Math.max(best, Embeddings.similarity(Embeddings.toArray(f.getEmbedding()), embedding));
        double rejected = NO_MATCH;
        for (RejectedFace f : rejected(person)) rejected = Math.max(rejected, Embeddings.similarity(Embeddings.toArray(f.getEmbedding()), embedding));
        return vetoed(best, rejected) ? NO_MATCH : best;
    }

    /**
     * To an automatic identity: the closest of its centroid and exemplars; {@link #NO_MATCH} for an identity without
     * faces, or {@link #vetoed} by one rejected from it. Identity resolution writes exemplars as references to their
     * faces ({@link StoredEmbeddings#reference}), so {@code exemplarEmbedding} gives each one's embedding (null: its
     * face is gone, left out); {@code StoredEmbeddings::of} for records that carry them.
     */
    public static double toIdentity(Identity identity, float[] embedding, java.util.function.Function<Exemplar, float[]> exemplarEmbedding) {
        float[] centroid = StoredEmbeddings.centroidOf(identity);
        double best = centroid.length == 0 ? NO_MATCH : Embeddings.similarity(centroid, embedding);
        for (Exemplar e : identity.getExemplars()) {
            float[] own = exemplarEmbedding.apply(e);
            if (own != null) best = Math.max(best, Embeddings.similarity(own, embedding));
        }
        double rejected = NO_MATCH;
        for (Exemplar e : rejected(identity)) rejected = Math.max(rejected, Embeddings.similarity(StoredEmbeddings.of(e), embedding));
        return vetoed(best, rejected) ? NO_MATCH : best;
    }

    /**
     * Negative feedback, the one rule: a face at least as similar to the closest face an operator rejected from a
     * person or identity ({@code rejected}) as to their closest own face ({@code own}) is not theirs. A face far from
     * every rejected one is judged as before; the rejected face itself, and faces like it, never match again.
     */
    public static boolean vetoed(double own, double rejected) {
        return rejected > NO_MATCH && rejected >= own;
    }

    /** A person's rejected faces; none when the record has never had any. */
    public static java.util.List<RejectedFace> rejected(Person person) {
        return person.getRejectedFaces() == null ? java.util.List.of() : person.getRejectedFaces();
    }

    /** Faces rejected from an identity; none when the record has never had any. */
    public static java.util.List<Exemplar> rejected(Identity identity) {
        return identity.getRejected() == null ? java.util.List.of() : identity.getRejected();
    }

    private Matching() {
    }
}
