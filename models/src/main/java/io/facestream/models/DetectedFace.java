package io.facestream.models;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import java.util.List;

/**
 * One face found in an image.
 *
 * @param box         detector box in source pixels
 * @param score       detector confidence, 0..1
 * @param landmarks   5 points: left eye, right eye (as seen in the image), nose tip, left and right mouth corner
 * @param landmarks68 the 68 iBUG points the 5 are derived from
 * @param aligned     the face warped onto the ArcFace 112x112 template (the embedder's input)
 * @param quality     usability for recognition
 */
public record DetectedFace(FaceBox box, float score, List<Point> landmarks, List<Point> landmarks68, RgbImage aligned,
        FaceQuality quality) {

    /** The aligned crop as JPEG bytes, for the face-crops topic. */
    public byte[] alignedJpeg(int jpegQuality) {
        return ImageCodec.encodeJpeg(aligned, jpegQuality);
    }
}
