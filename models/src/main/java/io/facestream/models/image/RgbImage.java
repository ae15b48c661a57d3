package io.facestream.models.image;

import java.util.Objects;

/**
 * A decoded picture: {@code width * height} pixels, 3 bytes each in R, G, B order, rows top to bottom,
 * no padding. The array is not copied; callers that keep an instance should not mutate it.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("expected " + (long) width * height * 3 + " bytes for "
                    + width + "x" + height + " RGB, got " + rgb.length);
        }
    }

    /** Red, green, blue of one pixel, each 0..255. */
    public int[] pixel(int x, int y) {
        int i = (y * width + x) * 3;
        return new int[] {rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff};
    }
}
