package io.facestream.ingest.source;

/** A source that cannot be opened or read, with a reason a caller can act on. */
public final class VideoSourceException extends Exception {
    public enum Reason {
        /** The file does not exist. */
        NOT_FOUND,
        /** It exists but FFmpeg cannot open or decode it (corrupt, truncated, unsupported). */
        UNREADABLE,
        /** It opened but holds no video stream. */
        NOT_VIDEO,
        /** A network source refused, dropped or never answered. */
        UNREACHABLE,
        /** A read blocked past the source's read timeout. */
        TIMEOUT
    }

    private final Reason reason;

    public VideoSourceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
