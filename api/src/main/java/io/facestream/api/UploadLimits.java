package io.facestream.api;

/**
 * Limits on uploaded images, for every endpoint that takes one.
 *
 * @param maxFileBytes    one file or raw body (seed 002: 8 MiB, answered 413 above it)
 * @param maxRequestBytes a whole multipart request (seed 001's POI takes up to five images)
 * @param maxPixels       width times height as the header states it (seed 002: 50 megapixels, a
 *                        decompression-bomb guard checked before any pixel is decoded)
 */
public record UploadLimits(long maxFileBytes, long maxRequestBytes, long maxPixels) {
    public static final long DEFAULT_MAX_FILE_BYTES = 8L * 1024 * 1024;
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    public UploadLimits {
        if (maxFileBytes <= 0 || maxRequestBytes < maxFileBytes || maxPixels <= 0) {
            throw new IllegalArgumentException("upload limits must be positive and a request at least one file: "
                    + maxFileBytes + ", " + maxRequestBytes + ", " + maxPixels);
        }
    }

    /** 8 MiB a file, five files and 1 MiB of form fields a request, 50 megapixels. */
    public static UploadLimits defaults() {
        return new UploadLimits(DEFAULT_MAX_FILE_BYTES, 5 * DEFAULT_MAX_FILE_BYTES + 1024 * 1024, DEFAULT_MAX_PIXELS);
    }
}
