package io.facestream.schemas;

import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.state.TrackAppearance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way to read and write the embeddings of the internal records that hold them in bulk: an identity's centroid,
 * its exemplars (also a live track's faces and an identity's rejected faces), a kept face, the embedding stage's
 * latest faces of a live track ({@link TrackAppearance}) and its output ({@link FaceEmbedding}, on face-embeddings and
 * the hop into identity resolution). They are stored as Avro
 * {@code bytes} of little-endian float32 (one buffer instead of an array of boxed floats to decode, deep-copy and encode
 * on every identity update); records written before that keep them in the old array fields, which stay in the schemas
 * (written empty, {@code "default": []}) so the new schemas read old records (BACKWARD). Readers never touch either
 * field directly: the bytes win, the array is the fallback.
 */
public final class StoredEmbeddings {
    /** Larger than any embedding a model of the catalogue gives (512); a record claiming more is corrupt. */
    public static final int MAX_DIMENSION = 4096;

    /** {@code values} as little-endian float32 bytes; null for an empty vector (none). */
    public static ByteBuffer encode(float[] values) {
        if (values.length == 0) return null;
        if (values.length > MAX_DIMENSION) throw new IllegalArgumentException("an embedding of " + values.length + " values");
        ByteBuffer out = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out; // position 0, the whole vector remaining
    }

    /** The vector in {@code f32} (left as it is) when there is one, else in the old array; empty when neither has one. */
    public static float[] decode(ByteBuffer f32, List<Float> legacy) {
        if (f32 == null) {
            float[] out = new float[legacy == null ? 0 : legacy.size()];
            for (int i = 0; i < out.length; i++) out[i] = legacy.get(i);
            return out;
        }
        int bytes = f32.remaining();
        if (bytes % Float.BYTES != 0 || bytes / Float.BYTES > MAX_DIMENSION) {
            throw new IllegalArgumentException("a stored embedding of " + bytes + " bytes is not float32 values");
        }
        float[] out = new float[bytes / Float.BYTES];
        f32.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** How many values the vector has, without decoding it. */
    private static int dimension(ByteBuffer f32, List<Float> legacy) {
        if (f32 != null) return f32.remaining() / Float.BYTES;
        return legacy == null ? 0 : legacy.size();
    }

    public static float[] of(Face face) {
        return decode(face.getEmbeddingF32(), face.getEmbedding());
    }

    public static float[] of(FaceEmbedding embedding) {
        return decode(embedding.getEmbeddingF32(), embedding.getEmbedding());
    }

    /** The embedding's float32 bytes as they are (to share with the records made from it), encoded from an old record's array. */
    public static ByteBuffer f32Of(FaceEmbedding embedding) {
        return embedding.getEmbeddingF32() != null ? embedding.getEmbeddingF32() : encode(of(embedding));
    }

    /** The builder with {@code values} as the embedding (the old array left empty). */
    public static FaceEmbedding.Builder withEmbedding(FaceEmbedding.Builder embedding, float[] values) {
        return embedding.setEmbeddingF32(encode(values)).setEmbedding(List.of());
    }

    /**
     * The builder with {@code values} as builds before {@code embedding_f32} wrote them (the array only), for a benchmark
     * that feeds the same records to such a build and to this one (this one reads them too).
     */
    public static FaceEmbedding.Builder withEmbeddingAsBefore(FaceEmbedding.Builder embedding, float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) list.add(v);
        return embedding.setEmbedding(list).setEmbeddingF32(null);
    }

    public static float[] of(Exemplar exemplar) {
        return decode(exemplar.getEmbeddingF32(), exemplar.getEmbedding());
    }

    public static float[] centroidOf(Identity identity) {
        return decode(identity.getCentroidF32(), identity.getCentroid());
    }

    public static int dimension(Face face) {
        return dimension(face.getEmbeddingF32(), face.getEmbedding());
    }

    public static int dimension(Exemplar exemplar) {
        return dimension(exemplar.getEmbeddingF32(), exemplar.getEmbedding());
    }

    /** Whether both identities hold the same centroid, as stored (either form), without decoding it. */
    public static boolean sameCentroid(Identity a, Identity b) {
        return java.util.Objects.equals(a.getCentroidF32(), b.getCentroidF32()) && java.util.Objects.equals(a.getCentroid(), b.getCentroid());
    }

    public static boolean hasCentroid(Identity identity) {
        return dimension(identity.getCentroidF32(), identity.getCentroid()) > 0;
    }

    /** The face's embedding as a list of floats, for the public records that carry one (a person's reference faces). */
    public static List<Float> asList(Face face) {
        float[] values = of(face);
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) out.add(v);
        return out;
    }

    /** The builder with {@code values} as the face's embedding (the old array left empty). */
    public static Face.Builder withEmbedding(Face.Builder face, float[] values) {
        return withEmbedding(face, encode(values));
    }

    /** The builder with already encoded {@code f32} (see {@link #encode}) as the face's embedding: one buffer, shared. */
    public static Face.Builder withEmbedding(Face.Builder face, ByteBuffer f32) {
        return face.setEmbeddingF32(f32).setEmbedding(List.of());
    }

    public static Identity.Builder withCentroid(Identity.Builder identity, float[] values) {
        return identity.setCentroidF32(encode(values)).setCentroid(List.of());
    }

    public static Exemplar exemplar(String faceId, float[] values, float quality) {
        return exemplar(faceId, encode(values), quality);
    }

    /** An exemplar sharing already encoded {@code f32} (a face's, see {@link #encode}); records never change it in place. */
    public static Exemplar exemplar(String faceId, ByteBuffer f32, float quality) {
        return new Exemplar(faceId, List.of(), quality, f32);
    }

    /** The exemplar of a kept face: its embedding shared, decoded from an old record's array only when it has no bytes. */
    public static Exemplar exemplar(Face face) {
        ByteBuffer f32 = face.getEmbeddingF32() != null ? face.getEmbeddingF32() : encode(of(face));
        return exemplar(face.getFaceId(), f32, face.getQuality());
    }

    /**
     * An exemplar that names its face without carrying its embedding (both fields empty): identity resolution's
     * exemplars and live tracks' faces since the faces view became where their embeddings are read from.
     */
    public static Exemplar reference(String faceId, float quality) {
        return new Exemplar(faceId, List.of(), quality, null);
    }

    /** Whether the exemplar carries its embedding (either form); one that does not is a {@link #reference}. */
    public static boolean holdsEmbedding(Exemplar exemplar) {
        return exemplar.getEmbeddingF32() != null || !exemplar.getEmbedding().isEmpty();
    }

    /** A live track's latest embeddings, oldest first: the bytes when the record has them, else the old arrays. */
    public static List<float[]> recentOf(TrackAppearance appearance) {
        List<float[]> out = new ArrayList<>();
        if (!appearance.getRecentF32().isEmpty()) {
            for (ByteBuffer f32 : appearance.getRecentF32()) out.add(decode(f32, null));
        } else {
            for (List<Float> legacy : appearance.getRecent()) out.add(decode(null, legacy));
        }
        return out;
    }

    /**
     * The builder with {@code seen}'s latest embeddings (null: none) and then {@code next} as the track's latest, at most
     * {@code max}, the oldest dropped: buffers {@code seen} already holds are kept as they are, not decoded and encoded
     * again (this runs for every face a live track has embedded).
     */
    public static TrackAppearance.Builder withRecent(TrackAppearance.Builder appearance, TrackAppearance seen, float[] next, int max) {
        List<ByteBuffer> recent = new ArrayList<>();
        if (seen != null && !seen.getRecentF32().isEmpty()) recent.addAll(seen.getRecentF32());
        else if (seen != null) for (List<Float> legacy : seen.getRecent()) recent.add(encode(decode(null, legacy)));
        recent.add(encode(next));
        return appearance.setRecentF32(List.copyOf(recent.subList(Math.max(0, recent.size() - max), recent.size()))).setRecent(List.of());
    }

    private StoredEmbeddings() {
    }
}
