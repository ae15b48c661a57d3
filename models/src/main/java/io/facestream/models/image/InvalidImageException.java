package io.facestream.models.image;

/** Bytes that cannot be turned into a picture; {@link #reason()} says why, so callers can map it to a status. */
public class InvalidImageException extends Exception {
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** Not a format the decoder knows (JPEG, PNG, BMP, GIF, TIFF, WBMP). */
        UNSUPPORTED_FORMAT,
        /** The header announces more pixels than the configured limit (decompression-bomb guard). */
        TOO_LARGE,
        /** The data ends before the image does. */
        TRUNCATED,
        /** The header or the compressed data is damaged. */
        CORRUPT
    }

    private final Reason reason;

    public InvalidImageException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
