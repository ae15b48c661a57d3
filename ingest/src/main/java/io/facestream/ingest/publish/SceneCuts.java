package io.facestream.ingest.publish;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2HSV;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * A cheap whole-frame cue for hard cuts, as PySceneDetect's content detector measures them: the mean change of
 * hue, saturation and value between two consecutive analysed frames, on a thumbnail so that motion, noise and
 * compression average out. A cut between shots changes most of the picture at once; a face moving, or a person
 * walking in, changes a small part of it. Written here rather than taken from a library because the JVM has no
 * maintained scene detector (FFmpeg's {@code scdet} filter reports through frame metadata JavaCV does not
 * surface); it is a few OpenCV calls per frame, well under a millisecond.
 */
public final class SceneCuts {
    /** PySceneDetect's default content threshold, on the same 0-255 scale. */
    public static final double THRESHOLD = 27.0;
    /** Width of the thumbnail compared. */
    private static final int WIDTH = 64;

    /** The frame's thumbnail in HSV, as compared with the next frame's. */
    public static byte[] signature(RgbImage image) {
        int height = Math.max(1, Math.round((float) image.height() * WIDTH / image.width()));
        try (Mat rgb = ImageCodec.toMat(image); Mat small = new Mat(); Mat hsv = new Mat()) {
            resize(rgb, small, new Size(WIDTH, height), 0, 0, INTER_AREA);
            cvtColor(small, hsv, COLOR_RGB2HSV);
            byte[] out = new byte[(int) (hsv.total() * hsv.channels())];
            hsv.data().get(out);
            return out;
        }
    }

    /** Mean absolute change per channel and pixel, 0-255; a different frame size is a cut. */
    public static double change(byte[] previous, byte[] current) {
        if (previous.length != current.length) return 255;
        long sum = 0;
        for (int i = 0; i < current.length; i++) sum += Math.abs((previous[i] & 0xff) - (current[i] & 0xff));
        return (double) sum / current.length;
    }

    public static boolean isCut(byte[] previous, byte[] current) {
        return previous != null && change(previous, current) >= THRESHOLD;
    }

    private SceneCuts() {
    }
}
