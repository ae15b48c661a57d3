package io.facestream.models.inference;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.facestream.models.store.ModelSpec;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/** Image-to-tensor conversion shared by the translators. */
public final class Tensors {
    private Tensors() {}

    /**
     * NCHW float tensor of RGB images already at the model's input size: OpenCV's blobFromImages applies
     * {@code (p - mean) * scale}, the channel order and the HWC to CHW transpose in one native pass.
     */
    public static NDArray toTensor(NDManager manager, List<Mat> rgbImages, ModelSpec.Input input) {
        int c = input.channels();
        int h = input.height();
        int w = input.width();
        float[] data = new float[rgbImages.size() * c * h * w];
        int offset = 0;
        for (Mat rgb : rgbImages) {
            if (rgb.cols() != w || rgb.rows() != h) {
                throw new IllegalArgumentException("expected a " + w + "x" + h + " image, got " + rgb.cols() + "x" + rgb.rows());
            }
            try (Mat gray = c == 1 ? new Mat() : null;
                    Scalar mean = new Scalar(input.mean(), input.mean(), input.mean(), 0);
                    Size size = new Size(w, h)) {
                if (gray != null) {
                    cvtColor(rgb, gray, COLOR_RGB2GRAY);
                }
                boolean swapToBgr = "BGR".equalsIgnoreCase(input.colour());
                try (Mat blob = blobFromImage(gray != null ? gray : rgb, input.scale(), size, mean, swapToBgr, false, CV_32F)) {
                    new org.bytedeco.javacpp.FloatPointer(blob.data()).get(data, offset, c * h * w);
                }
            }
            offset += c * h * w;
        }
        return manager.create(data, new Shape(rgbImages.size(), c, h, w));
    }

    /**
     * Resizes without aliasing: area averaging when shrinking, bilinear when enlarging. OpenCV's INTER_AREA
     * is fast only for integer ratios (4.2 ms for 1920x1280 to 320x240, against 1.0 ms for 1280x720 to
     * 320x240), so a large shrink first divides by the largest whole factor that divides both sides.
     */
    public static Mat resized(Mat src, int width, int height) {
        int limit = Math.min(src.cols() / width, src.rows() / height);
        int k = limit;
        while (k > 1 && (src.cols() % k != 0 || src.rows() % k != 0)) {
            k--;
        }
        Mat dst = new Mat();
        if (k > 1 && (src.cols() / k != width || src.rows() / k != height)) {
            try (Mat step = new Mat(); Size stepSize = new Size(src.cols() / k, src.rows() / k); Size size = new Size(width, height)) {
                resize(src, step, stepSize, 0, 0, INTER_AREA);
                resize(step, dst, size, 0, 0, INTER_AREA);
            }
            return dst;
        }
        boolean shrinking = src.cols() > width || src.rows() > height;
        try (Size size = new Size(width, height)) {
            resize(src, dst, size, 0, 0, shrinking ? INTER_AREA : INTER_LINEAR);
        }
        return dst;
    }

    /** The output named {@code name}, or the one at {@code index} for engines without output names (TorchScript). */
    public static NDArray output(NDList list, String name, int index) {
        NDArray named = list.get(name);
        return named != null ? named : list.get(index);
    }
}
