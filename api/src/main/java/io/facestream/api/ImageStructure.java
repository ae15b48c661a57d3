package io.facestream.api;

import java.util.zip.CRC32;

/**
 * Byte-level checks of an uploaded image that need no decoder: which format the magic number says, and
 * whether the file's structure is whole. libjpeg and libpng hand back a grey-padded picture for a cut-off
 * file, so a truncated upload would otherwise "decode"; walking the markers (JPEG) or the chunks with
 * their CRCs (PNG) finds the cut in one pass over the bytes.
 */
final class ImageStructure {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** A problem with an image's structure. */
    enum Defect { NONE, TRUNCATED, CORRUPT }

    private ImageStructure() {}

    /** The format the bytes are in; null when neither JPEG nor PNG. */
    static ImageFormat sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return ImageFormat.JPEG;
        }
        if (b.length >= PNG_SIGNATURE.length) {
            for (int i = 0; i < PNG_SIGNATURE.length; i++) {
                if (b[i] != PNG_SIGNATURE[i]) {
                    return null;
                }
            }
            return ImageFormat.PNG;
        }
        return null;
    }

    /** The name of another well-known image format, to say what was sent; null when none. */
    static String otherImageFormat(byte[] b) {
        if (startsWith(b, "GIF8")) {
            return "GIF";
        }
        if (startsWith(b, "BM")) {
            return "BMP";
        }
        if (startsWith(b, "RIFF") && b.length >= 12 && new String(b, 8, 4, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("WEBP")) {
            return "WebP";
        }
        if (startsWith(b, "II*\0") || startsWith(b, "MM\0*")) {
            return "TIFF";
        }
        if (b.length >= 12 && new String(b, 4, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("ftyp")) {
            return "HEIF/AVIF";
        }
        return null;
    }

    static Defect check(ImageFormat format, byte[] b) {
        return format == ImageFormat.JPEG ? checkJpeg(b) : checkPng(b);
    }

    /** Walks the marker segments to the end-of-image marker, skipping entropy-coded data after each scan. */
    static Defect checkJpeg(byte[] b) {
        int i = 2;
        while (i + 1 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return Defect.CORRUPT;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++; // fill byte
            } else if (marker == 0xD9) {
                return Defect.NONE;
            } else if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
            } else {
                if (i + 3 >= b.length) {
                    return Defect.TRUNCATED;
                }
                int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
                if (length < 2) {
                    return Defect.CORRUPT;
                }
                i += 2 + length;
                if (marker == 0xDA) {
                    // Entropy-coded data: 0xFF is always followed by 0x00 (stuffing) or a restart marker.
                    while (i + 1 < b.length && !endsScan(b[i], b[i + 1])) {
                        i++;
                    }
                }
            }
        }
        return Defect.TRUNCATED;
    }

    private static boolean endsScan(byte first, byte second) {
        int next = second & 0xff;
        return (first & 0xff) == 0xFF && next != 0x00 && (next < 0xD0 || next > 0xD7);
    }

    /** Walks the chunks, checking each CRC, to IEND; IHDR must come first. */
    static Defect checkPng(byte[] b) {
        int i = PNG_SIGNATURE.length;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (i + 8 > b.length) {
                return Defect.TRUNCATED;
            }
            long length = ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (length > Integer.MAX_VALUE) {
                return Defect.CORRUPT;
            }
            String type = new String(b, i + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (first && !type.equals("IHDR")) {
                return Defect.CORRUPT;
            }
            first = false;
            long end = i + 8 + length + 4;
            if (end > b.length) {
                return Defect.TRUNCATED;
            }
            crc.reset();
            crc.update(b, i + 4, (int) length + 4);
            int stored = ((b[(int) end - 4] & 0xff) << 24) | ((b[(int) end - 3] & 0xff) << 16)
                    | ((b[(int) end - 2] & 0xff) << 8) | (b[(int) end - 1] & 0xff);
            if ((int) crc.getValue() != stored) {
                return Defect.CORRUPT;
            }
            if (type.equals("IEND")) {
                return Defect.NONE;
            }
            i = (int) end;
        }
    }

    private static boolean startsWith(byte[] b, String prefix) {
        if (b.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != (byte) prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
