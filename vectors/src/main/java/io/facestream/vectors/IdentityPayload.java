package io.facestream.vectors;

/**
 * The payload keys of a point in the {@link VectorStore#IDENTITIES} collection (an identity's centroid): the one
 * place they are named, for the pipeline that writes them and the API that reads them.
 */
public final class IdentityPayload {
    public static final String IDENTITY_ID = FacePayload.IDENTITY_ID;
    /** The known person the identity stands for; absent when none. */
    public static final String PERSON_ID = FacePayload.PERSON_ID;
    /** The identity's name; absent when it has none. */
    public static final String NAME = "name";

    private IdentityPayload() {
    }
}
