package io.facestream.vectors;

/** The backing store failed (disk I/O for the embedded store, an RPC for Qdrant). */
public class VectorStoreException extends RuntimeException {

    public VectorStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
