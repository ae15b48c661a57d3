package io.facestream.schemas.crop;

/**
 * A face crop's id ({@code FaceCrop.crop_id}), which every later record and view keeps as the face's id:
 * {@code source:frame:index}, where the source of a replayed file is its file id and index is the face's position
 * among its frame's detections. Ingest writes it; the views key faces by it and parse it back.
 */
public final class CropIds {
    private CropIds() {
    }

    public static String of(String sourceId, long frameNumber, int index) {
        return framePrefix(sourceId, frameNumber) + index;
    }

    /** The prefix every crop id of one frame of a source starts with. */
    public static String framePrefix(String sourceId, long frameNumber) {
        return sourceId + ":" + frameNumber + ":";
    }

    /** A crop's index among its frame's detections: the last part of its id. */
    public static int index(String cropId) {
        return Integer.parseInt(cropId.substring(cropId.lastIndexOf(':') + 1));
    }
}
