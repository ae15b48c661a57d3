package io.facestream.blobs;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bytes that must outlive the topics: entry/exit/best frames, face crops, thumbnails,
 * clips, profile images. Records carry a blob's key, never its bytes. Keys are
 * {@code kind/id}; an implementation rejects any other shape, so a key taken from a URL
 * can never reach outside the store. Every process of a deployment opens the same store
 * (a shared directory, {@link FileBlobStore}, or an S3-compatible bucket, {@link S3BlobStore}),
 * so a blob written by one is readable by all.
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

    /**
     * What a store keeps and how large a blob may be.
     *
     * @param retention      how long each kind is kept (absent: kept until the size cap needs room)
     * @param maxBytes       total size cap, the oldest blobs removed first; 0 for none
     * @param maxObjectBytes the largest blob a put accepts and a get reads ({@link BlobTooLargeException} beyond)
     */
    record Policy(Map<BlobKind, Duration> retention, long maxBytes, long maxObjectBytes) {
        /** Large enough for a clip of several minutes, small enough that a read cannot exhaust the heap. */
        public static final long DEFAULT_MAX_OBJECT_BYTES = 64L << 20;

        public Policy {
            retention = retention.isEmpty() ? Map.of() : new EnumMap<>(retention);
            if (maxObjectBytes <= 0) throw new IllegalArgumentException("maxObjectBytes must be positive");
        }

        public Policy(Map<BlobKind, Duration> retention, long maxBytes) {
            this(retention, maxBytes, DEFAULT_MAX_OBJECT_BYTES);
        }

        /** Refuses a blob of {@code size} bytes under {@code key} when it is over {@link #maxObjectBytes}. */
        void checkSize(String key, long size) throws BlobTooLargeException {
            if (size > maxObjectBytes) throw new BlobTooLargeException(key, size, maxObjectBytes);
        }
    }

    /** A blob over the store's {@link Policy#maxObjectBytes}: refused when written, not read when found. */
    final class BlobTooLargeException extends IOException {
        public BlobTooLargeException(String key, long size, long limit) {
            super("blob " + key + " is " + size + " bytes, over the store's limit of " + limit);
        }
    }

    @Override
    default void close() {
    }
}
