package io.facestream.topologies.gallery;

import io.facestream.models.DetectedFace;
import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.image.RgbImage;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.ReferenceFace;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The one way a photo becomes a person's reference face: its largest face (the subject of an enrolment or a
 * query photo) is found, quality-scored, aligned and embedded by the configured models. Used by POI enrolment,
 * registration, people (and their faces), query photos and the benchmarks.
 */
public final class Enrolment {
    private final FaceAnalyzer analyzer;

    public Enrolment(FaceAnalyzer analyzer) {
        this.analyzer = analyzer;
    }

    /**
     * The subject of a photo: its largest face (found as in a still image, so a photo cropped tight to the face
     * is read too); empty when it has none.
     */
    public Optional<DetectedFace> subject(RgbImage photo) {
        return faces(photo).stream().findFirst();
    }

    /** Every face of a photo, largest first (the first is its {@link #subject}). */
    public List<DetectedFace> faces(RgbImage photo) {
        return analyzer.analyzeStill(photo).stream().sorted(Comparator.comparingDouble((DetectedFace f) -> f.box().area()).reversed()).toList();
    }

    /** The face's embedding by the configured embedder. */
    public float[] embed(DetectedFace face) {
        return analyzer.embed(face.aligned());
    }

    /**
     * A reference face of {@code face} for a person record.
     *
     * @param faceId   the reference's id within its person
     * @param imageRef the blob key of the photo it came from, or null when not kept
     */
    public ReferenceFace reference(DetectedFace face, String faceId, String imageRef, Instant addedAt) {
        return ReferenceFace.newBuilder().setFaceId(faceId).setImageRef(imageRef)
                .setEmbedding(Embeddings.toList(embed(face))).setModelId(modelId())
                .setQuality((float) face.quality().score()).setAddedAt(addedAt).build();
    }

    /** The embedder the references are made with; a reference of another model never matches. */
    public String modelId() {
        return analyzer.config().catalog().model(ModelSpec.Role.EMBEDDER).id();
    }
}
