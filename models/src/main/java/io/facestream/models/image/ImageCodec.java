package io.facestream.models.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.facestream.models.image.InvalidImageException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decoding and encoding through OpenCV (libjpeg-turbo, libpng): measured about 9x faster than ImageIO at
 * decoding a 1920x1280 JPEG (see BENCHMARKS-models.md). Image dimensions are read from the header with
 * ImageIO's readers before any pixel is decoded, so an oversized image is refused without allocating it,
 * and a JPEG's or PNG's structure is checked whole ({@link #checkStructure}) before it is decoded.
 */
public final class ImageCodec {
    /** Default decompression-bomb limit: 50 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    private ImageCodec() {}

    /** Width and height as the header states them. */
    public record Dimensions(int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    public static RgbImage decode(byte[] bytes, long maxPixels) throws InvalidImageException {
        try (Mat rgb = decodeRgbMat(bytes, maxPixels)) {
            return toRgbImage(rgb);
        }
    }

    /** Decodes to an RGB, 8-bit, 3-channel Mat the caller must close. */
    public static Mat decodeRgbMat(byte[] bytes, long maxPixels) throws InvalidImageException {
        Dimensions size = readDimensions(bytes);
        if (size.pixels() > maxPixels) {
            throw new InvalidImageException(Reason.TOO_LARGE, "image is " + size.width() + "x" + size.height()
                    + " = " + size.pixels() + " pixels, over the limit of " + maxPixels
                    + " (facestream.models.max-pixels)");
        }
        checkStructure(bytes);
        try (BytePointer data = new BytePointer(bytes); Mat buffer = new Mat(1, bytes.length, CV_8U, data)) {
            Mat bgr = imdecode(buffer, IMREAD_COLOR);
            if (bgr == null || bgr.empty()) {
                throw new InvalidImageException(Reason.CORRUPT,
                        "the decoder could not read the " + size.width() + "x" + size.height() + " image data");
            }
            cvtColor(bgr, bgr, COLOR_BGR2RGB);
            return bgr;
        }
    }

    /** Reads the dimensions from the header only. */
    public static Dimensions readDimensions(byte[] bytes) throws InvalidImageException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidImageException(Reason.EMPTY, "no image bytes");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidImageException(Reason.UNSUPPORTED_FORMAT,
                        "not an image in a known format (JPEG, PNG, BMP, GIF, TIFF, WBMP); " + bytes.length
                                + " bytes starting " + hexPrefix(bytes));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new Dimensions(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            Reason reason = ImageFormat.sniff(bytes) == ImageFormat.JPEG && jpegDefect(bytes) == Reason.TRUNCATED
                    ? Reason.TRUNCATED : Reason.CORRUPT;
            throw new InvalidImageException(reason, "unreadable image header: " + e.getMessage());
        }
    }

    public static byte[] encodeJpeg(RgbImage image, int quality) {
        try (Mat rgb = toMat(image)) {
            return encodeJpeg(rgb, quality);
        }
    }

    /** JPEG bytes of an RGB Mat. */
    public static byte[] encodeJpeg(Mat rgb, int quality) {
        try (Mat bgr = new Mat(); BytePointer out = new BytePointer();
                IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, quality)) {
            cvtColor(rgb, bgr, COLOR_RGB2BGR);
            if (!imencode(".jpg", bgr, out, params)) {
                throw new IllegalStateException("OpenCV could not encode a " + rgb.cols() + "x" + rgb.rows() + " JPEG");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** A new RGB Mat holding a copy of the image. */
    public static Mat toMat(RgbImage image) {
        Mat mat = new Mat(image.height(), image.width(), CV_8UC3);
        mat.data().put(image.rgb());
        return mat;
    }

    /** A copy of an 8-bit, 3-channel RGB Mat. */
    public static RgbImage toRgbImage(Mat rgb) {
        if (rgb.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel Mat, got type " + rgb.type());
        }
        byte[] bytes = new byte[rgb.rows() * rgb.cols() * 3];
        if (rgb.isContinuous()) {
            rgb.data().get(bytes);
        } else {
            try (Mat copy = rgb.clone()) {
                copy.data().get(bytes);
            }
        }
        return new RgbImage(rgb.cols(), rgb.rows(), bytes);
    }

    /**
     * Refuses a JPEG or PNG whose structure is not whole, in one pass over the bytes and before any pixel is
     * allocated: libjpeg and libpng hand back a grey-padded picture for a cut-off file, so a truncated upload
     * would otherwise "decode". JPEG: the marker segments are walked to the end-of-image marker (data after it,
     * such as a phone's motion-photo trailer, is allowed). PNG: the chunks are walked, each CRC checked, from
     * IHDR to IEND. Other formats are left to the decoder. Every upload path checks images here.
     */
    public static void checkStructure(byte[] bytes) throws InvalidImageException {
        ImageFormat format = ImageFormat.sniff(bytes);
        Reason defect = format == ImageFormat.JPEG ? jpegDefect(bytes)
                : format == ImageFormat.PNG ? pngDefect(bytes) : null;
        if (defect == Reason.TRUNCATED) {
            throw new InvalidImageException(Reason.TRUNCATED,
                    "image data ends before its end marker (" + bytes.length + " bytes)");
        }
        if (defect == Reason.CORRUPT) {
            throw new InvalidImageException(Reason.CORRUPT, "the " + format + " structure is damaged");
        }
    }

    /** Walks the marker segments to the end-of-image marker, skipping entropy-coded data after each scan. */
    private static Reason jpegDefect(byte[] b) {
        int i = 2;
        while (i + 1 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return Reason.CORRUPT;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++; // fill byte
            } else if (marker == 0xD9) {
                return null;
            } else if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
            } else {
                if (i + 3 >= b.length) {
                    return Reason.TRUNCATED;
                }
                int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
                if (length < 2) {
                    return Reason.CORRUPT;
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
        return Reason.TRUNCATED;
    }

    private static boolean endsScan(byte first, byte second) {
        int next = second & 0xff;
        return (first & 0xff) == 0xFF && next != 0x00 && (next < 0xD0 || next > 0xD7);
    }

    /** Walks the chunks, checking each CRC, to IEND; IHDR must come first. */
    private static Reason pngDefect(byte[] b) {
        int i = ImageFormat.PNG_SIGNATURE.length;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (i + 8 > b.length) {
                return Reason.TRUNCATED;
            }
            long length = ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (length > Integer.MAX_VALUE) {
                return Reason.CORRUPT;
            }
            String type = new String(b, i + 4, 4, StandardCharsets.US_ASCII);
            if (first && !type.equals("IHDR")) {
                return Reason.CORRUPT;
            }
            first = false;
            long end = i + 8 + length + 4;
            if (end > b.length) {
                return Reason.TRUNCATED;
            }
            crc.reset();
            crc.update(b, i + 4, (int) length + 4);
            int stored = ((b[(int) end - 4] & 0xff) << 24) | ((b[(int) end - 3] & 0xff) << 16)
                    | ((b[(int) end - 2] & 0xff) << 8) | (b[(int) end - 1] & 0xff);
            if ((int) crc.getValue() != stored) {
                return Reason.CORRUPT;
            }
            if (type.equals("IEND")) {
                return null;
            }
            i = (int) end;
        }
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format("%02x", bytes[i] & 0xff));
        }
        return hex.toString();
    }
}
