package io.facestream.vectors;

/**
 * The payload keys of a point in the {@link VectorStore#FACES} collection: the one place they are named, for
 * the pipeline that writes them, the API that reads them and the stores that index them.
 */
public final class FacePayload {
    public static final String FACE_ID = "face_id";
    public static final String SOURCE_ID = VectorFilter.SOURCE_ID;
    public static final String SOURCE_KIND = "source_kind";
    public static final String FRAME_NUMBER = "frame_number";
    /** Event time, epoch milliseconds. */
    public static final String TIMESTAMP = VectorFilter.TIMESTAMP;
    public static final String QUALITY = "quality";
    public static final String CAMERA_ID = "camera_id";
    public static final String FILE_ID = "file_id";
    public static final String TRACK_ID = "track_id";
    public static final String IDENTITY_ID = "identity_id";
    public static final String PERSON_ID = "person_id";

    private FacePayload() {
    }
}
