package io.facestream.models.image;

import java.nio.charset.StandardCharsets;

/** The image formats uploads are accepted in, told apart by their first bytes (never by a name or a header). */
public enum ImageFormat {
    JPEG("image/jpeg", "jpg"),
    PNG("image/png", "png");

    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private final String mediaType;
    private final String extension;

    ImageFormat(String mediaType, String extension) {
        this.mediaType = mediaType;
        this.extension = extension;
    }

    public String mediaType() {
        return mediaType;
    }

    public String extension() {
        return extension;
    }

    /** The format the magic number says; null when neither JPEG nor PNG. */
    public static ImageFormat sniff(byte[] b) {
        if (b == null) {
            return null;
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return JPEG;
        }
        return startsWith(b, PNG_SIGNATURE) ? PNG : null;
    }

    /** The name of another well-known image format, to tell a client what it sent; null when none. */
    public static String otherImageFormat(byte[] b) {
        if (startsWith(b, ascii("GIF8"))) {
            return "GIF";
        }
        if (startsWith(b, ascii("BM"))) {
            return "BMP";
        }
        if (startsWith(b, ascii("RIFF")) && b.length >= 12 && new String(b, 8, 4, StandardCharsets.US_ASCII).equals("WEBP")) {
            return "WebP";
        }
        if (startsWith(b, ascii("II*\0")) || startsWith(b, ascii("MM\0*"))) {
            return "TIFF";
        }
        if (b.length >= 12 && new String(b, 4, 4, StandardCharsets.US_ASCII).equals("ftyp")) {
            return "HEIF/AVIF";
        }
        return null;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
