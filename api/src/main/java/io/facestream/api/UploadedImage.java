package io.facestream.api;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.RgbImage;

/**
 * An uploaded image that passed {@link Uploads}: JPEG or PNG by its bytes, whole, within the size and
 * pixel limits. Its pixels are not decoded yet; {@link #decode()} does that when a handler needs them.
 *
 * @param field    the multipart field it came in, or "body" for a raw upload
 * @param filename the client's file name, for messages only (never trusted for the type); may be null
 */
public record UploadedImage(String field, String filename, ImageFormat format, int width, int height,
        byte[] bytes) {

    public long pixels() {
        return (long) width * height;
    }

    /**
     * Decodes the pixels. The header's size was already checked against the limit, so the decoder is held to
     * exactly that size; damage inside the compressed data shows here and is answered 400.
     */
    public RgbImage decode() {
        try {
            return ImageCodec.decode(bytes, pixels());
        } catch (InvalidImageException e) {
            throw Uploads.rejection(e, field);
        }
    }
}
