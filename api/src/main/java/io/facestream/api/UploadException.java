package io.facestream.api;

/** An upload refused by {@link Uploads}; {@link #reason()} says why, and decides the status. */
public final class UploadException extends ApiException {
    public enum Reason {
        /** The form has no file under the expected field name, or too many or too few files. */
        MISSING_FILE(ErrorKind.VALIDATION),
        /** More bytes than {@link UploadLimits#maxFileBytes()} or {@link UploadLimits#maxRequestBytes()}. */
        TOO_LARGE(ErrorKind.PAYLOAD_TOO_LARGE),
        /** Zero bytes. */
        EMPTY(ErrorKind.INVALID_IMAGE),
        /** The bytes are not JPEG or PNG, whatever the file name or Content-Type said. */
        UNSUPPORTED_TYPE(ErrorKind.UNSUPPORTED_MEDIA_TYPE),
        /** The header announces more than {@link UploadLimits#maxPixels()} pixels. */
        TOO_MANY_PIXELS(ErrorKind.IMAGE_TOO_LARGE),
        /** The data ends before the image does. */
        TRUNCATED(ErrorKind.INVALID_IMAGE),
        /** The header or the data is damaged. */
        CORRUPT(ErrorKind.INVALID_IMAGE);

        private final ErrorKind kind;

        Reason(ErrorKind kind) {
            this.kind = kind;
        }

        public ErrorKind kind() {
            return kind;
        }
    }

    private final Reason reason;

    public UploadException(Reason reason, String message) {
        super(reason.kind(), message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
