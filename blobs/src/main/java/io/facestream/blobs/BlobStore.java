package io.facestream.blobs;

import java.io.IOException;
import java.util.Optional;

/**
 * Bytes that must outlive the topics: entry/exit/best frames, face crops, thumbnails,
 * clips, profile images. Records carry a blob's key, never its bytes. Keys are
 * {@code kind/id}; an implementation rejects any other shape, so a key taken from a URL
 * can never reach outside the store. An S3-compatible store can stand behind this too.
 */
public interface BlobStore extends AutoCloseable {

    /** Stores {@code bytes} under {@code kind/id}, replacing what was there; readers never see a partial blob. */
    String put(BlobKind kind, String id, byte[] bytes) throws IOException;

    /** The bytes under {@code key}, or empty when absent (or expired). */
    Optional<byte[]> get(String key) throws IOException;

    boolean delete(String key) throws IOException;

    /** Applies the retention policy and the size cap now; returns what it removed. */
    SweepResult sweep() throws IOException;

    /** Bytes stored in all. */
    long sizeBytes() throws IOException;

    record SweepResult(int removedFiles, long removedBytes, long remainingBytes) {
    }

    @Override
    default void close() {
    }
}
