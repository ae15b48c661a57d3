package io.facestream.models;

import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/** Image changes for tests, through OpenCV. */
final class TestImages {
    private TestImages() {}

    static RgbImage blur(RgbImage image, double sigma) {
        try (Mat src = ImageCodec.toMat(image); Mat dst = new Mat()) {
            GaussianBlur(src, dst, new Size(0, 0), sigma);
            return ImageCodec.toRgbImage(dst);
        }
    }

    static RgbImage crop(RgbImage image, int x, int y, int width, int height) {
        try (Mat src = ImageCodec.toMat(image); Rect rect = new Rect(x, y, width, height); Mat view = new Mat(src, rect)) {
            return ImageCodec.toRgbImage(view);
        }
    }
}
