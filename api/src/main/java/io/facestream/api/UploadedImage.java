package io.facestream.api;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.ImageFormat;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.RgbImage;
import java.util.function.Function;

/**
 * An uploaded image that passed {@link Uploads}: JPEG or PNG by its bytes, whole, within the size and pixel
 * limits. Its pixels are not decoded yet: {@link #withPixels} decodes them in the shared {@link AnalysisPool}
 * and hands them to the work that needs them there, so no route decodes outside the pool's bounds.
 */
public final class UploadedImage {
    private final String field;
    private final String filename;
    private final ImageFormat format;
    private final int width;
    private final int height;
    private final byte[] bytes;
    private final AnalysisPool pool;

    UploadedImage(String field, String filename, ImageFormat format, int width, int height, byte[] bytes,
            AnalysisPool pool) {
        this.field = field;
        this.filename = filename;
        this.format = format;
        this.width = width;
        this.height = height;
        this.bytes = bytes;
        this.pool = pool;
    }

    /** The multipart field it came in, or "body" for a raw upload, "frame" for a WebSocket message. */
    public String field() {
        return field;
    }

    /** The client's file name, for messages only (never trusted for the type); may be null. */
    public String filename() {
        return filename;
    }

    public ImageFormat format() {
        return format;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The compressed bytes as uploaded (not copied: do not change them). */
    public byte[] bytes() {
        return bytes;
    }

    public long pixels() {
        return (long) width * height;
    }

    /**
     * Decodes the pixels in the analysis pool and applies {@code work} to them there (face detection, say), so
     * the decoded picture lives only while a pool worker holds it. The header's size was already checked against
     * the limit, so the decoder is held to exactly that size; damage inside the compressed data shows here and is
     * answered 400. 503 when the pool and its queue are full.
     */
    public <T> T withPixels(Function<RgbImage, T> work) {
        return pool.run(() -> {
            RgbImage pixels;
            try {
                pixels = ImageCodec.decode(bytes, pixels());
            } catch (InvalidImageException e) {
                throw Uploads.rejection(e, field);
            }
            return work.apply(pixels);
        });
    }
}
