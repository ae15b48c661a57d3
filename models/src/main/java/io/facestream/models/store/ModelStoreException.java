package io.facestream.models.store;

/** A model or test file that could not be resolved, with a reason a caller (or an operator) can act on. */
public class ModelStoreException extends RuntimeException {
    public enum Reason {
        /** The package tool (npm) is not on PATH and the file is not cached yet. */
        TOOL_MISSING,
        /** npm pack failed (network, unknown package or version). */
        FETCH_FAILED,
        /** The package does not contain the catalogued path. */
        NOT_IN_PACKAGE,
        /** The file's sha256 differs from the catalogue's. */
        CHECKSUM_MISMATCH,
        /** The catalogue is malformed or a local file is missing. */
        BAD_CATALOG,
        /** Reading or writing the cache failed. */
        IO
    }

    private final Reason reason;

    public ModelStoreException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ModelStoreException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
