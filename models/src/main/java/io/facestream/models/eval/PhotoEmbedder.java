package io.facestream.models.eval;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.image.RgbImage;
import java.util.Comparator;

/** The embedding of a photo's subject, as an upload gets it: the largest face of its still-image analysis. */
public final class PhotoEmbedder {
    private PhotoEmbedder() {}

    /** The subject's face and its embedding, or null when the photo shows no face. */
    public record Subject(DetectedFace face, float[] embedding) {}

    public static Subject subject(FaceAnalyzer analyzer, RgbImage photo) {
        DetectedFace face = analyzer.analyzeStill(photo).stream().max(Comparator.comparingDouble(f -> f.box().area())).orElse(null);
        return face == null ? null : new Subject(face, analyzer.embed(face.aligned()));
    }
}
