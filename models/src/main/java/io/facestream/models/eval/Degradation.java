package io.facestream.models.eval;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.getRotationMatrix2D;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * What video does to a face that a photo does not: each a change of the whole photo, sized by the face in it
 * (the longer side of its detector box in the clean photo), so both sides of a comparison get the same pixels.
 */
public enum Degradation {
    CLEAN("as photographed"),
    SMALL("downscaled so the face is 24, 32 or 40 px (in turn)"),
    BLURRED("Gaussian blur, sigma a 50th of the face (2 px for a 100 px face)"),
    JPEG("JPEG quality 10"),
    TURNED("rotated 20 degrees in the image plane"),
    SMALL_BLURRED("face 32 px after a blur of sigma a 25th of the face (1.3 px at 32 px): a soft face far from the camera");

    private static final int[] SMALL_FACES = {24, 32, 40};

    private final String description;

    Degradation(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The changed photo (a new Mat the caller closes); {@code index} picks the face size of {@link #SMALL}. */
    public Mat apply(Mat rgb, double faceSize, int index) {
        return switch (this) {
            case CLEAN -> rgb.clone();
            case SMALL -> scaled(rgb, SMALL_FACES[index % SMALL_FACES.length] / faceSize);
            case BLURRED -> blurred(rgb, faceSize / 50);
            case JPEG -> jpeg(rgb, 10);
            case TURNED -> rotated(rgb, 20);
            case SMALL_BLURRED -> {
                try (Mat soft = blurred(rgb, faceSize / 25)) {
                    yield scaled(soft, 32 / faceSize);
                }
            }
        };
    }

    private static Mat scaled(Mat rgb, double factor) {
        if (factor >= 1) {
            return rgb.clone();
        }
        Mat dst = new Mat();
        try (Size size = new Size(Math.max(1, (int) Math.round(rgb.cols() * factor)), Math.max(1, (int) Math.round(rgb.rows() * factor)))) {
            resize(rgb, dst, size, 0, 0, INTER_AREA);
        }
        return dst;
    }

    private static Mat blurred(Mat rgb, double sigma) {
        Mat dst = new Mat();
        try (Size any = new Size(0, 0)) {
            GaussianBlur(rgb, dst, any, Math.max(0.5, sigma));
        }
        return dst;
    }

    private static Mat jpeg(Mat rgb, int quality) {
        try {
            return ImageCodec.decodeRgbMat(ImageCodec.encodeJpeg(rgb, quality), Long.MAX_VALUE);
        } catch (InvalidImageException e) {
            throw new IllegalStateException("OpenCV could not read back its own JPEG", e);
        }
    }

    private static Mat rotated(Mat rgb, double degrees) {
        Mat dst = new Mat();
        try (Point2f centre = new Point2f(rgb.cols() / 2f, rgb.rows() / 2f); Mat m = getRotationMatrix2D(centre, degrees, 1.0);
                Size size = new Size(rgb.cols(), rgb.rows()); Scalar grey = new Scalar(127, 127, 127, 0)) {
            warpAffine(rgb, dst, m, size, INTER_LINEAR, BORDER_CONSTANT, grey);
        }
        return dst;
    }
}
