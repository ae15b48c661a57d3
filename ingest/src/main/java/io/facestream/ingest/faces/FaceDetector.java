package io.facestream.ingest.faces;

import java.util.List;

/**
 * What ingest needs of face analysis: the faces of one RGB frame, each with its aligned
 * crop. The models module's analyzer stands behind it (see ModelsFaceDetector); the
 * port keeps ingest's threading and publishing apart from model code.
 */
@FunctionalInterface
public interface FaceDetector {

    /**
     * @param rgb packed 8-bit RGB, {@code width * 3} bytes a row
     * @return the faces, in detection order (the order gives each its face index)
     */
    List<Face> detect(int width, int height, byte[] rgb) throws Exception;

    /**
     * One detected face, in the pixels of the frame it was found in.
     *
     * @param landmarks  five points as x0,y0,...,x4,y4: eyes, nose tip, mouth corners
     * @param cropJpeg   the aligned 112x112 crop, JPEG
     */
    record Face(float x, float y, float width, float height, float score, float[] landmarks,
                float quality, float sizeQuality, float sharpness, float pose, byte[] cropJpeg) {
    }
}
