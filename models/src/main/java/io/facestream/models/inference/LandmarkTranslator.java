package io.facestream.models.inference;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.facestream.models.FaceBox;
import io.facestream.models.Point;
import io.facestream.models.store.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * 68-point landmarks: the crop is the square of side = box height centred on the box (the package's own
 * crop), padded with black where it leaves the image so the face stays centred, then resized to the
 * model's input and converted to grey; outputs are relative to that square.
 */
public final class LandmarkTranslator implements NoBatchifyTranslator<FaceRegion, List<Point>> {
    private final ModelSpec.Input input;

    public LandmarkTranslator(ModelSpec.Input input) {
        this.input = input;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, FaceRegion region) {
        Mat rgb = region.rgb();
        FaceBox box = region.box();
        int side = Math.max(2, Math.round(box.height()));
        int x0 = Math.round(box.centerX() - side / 2f);
        int y0 = Math.round(box.centerY() - side / 2f);
        ctx.setAttachment("crop", new int[] {x0, y0, side});
        int ix = Math.max(0, x0);
        int iy = Math.max(0, y0);
        int iw = Math.min(rgb.cols(), x0 + side) - ix;
        int ih = Math.min(rgb.rows(), y0 + side) - iy;
        if (iw <= 0 || ih <= 0) {
            throw new IllegalArgumentException("face box " + box + " lies outside the " + rgb.cols() + "x" + rgb.rows() + " image");
        }
        try (Rect rect = new Rect(ix, iy, iw, ih);
                Mat inside = new Mat(rgb, rect);
                Mat square = new Mat();
                Scalar black = new Scalar(0, 0, 0, 0)) {
            copyMakeBorder(inside, square, iy - y0, y0 + side - iy - ih, ix - x0, x0 + side - ix - iw, BORDER_CONSTANT, black);
            try (Mat small = Tensors.resized(square, input.width(), input.height())) {
                return new NDList(Tensors.toTensor(ctx.getNDManager(), List.of(small), input));
            }
        }
    }

    @Override
    public List<Point> processOutput(TranslatorContext ctx, NDList list) {
        int[] crop = (int[]) ctx.getAttachment("crop");
        float[] out = Tensors.output(list, "output", 0).toFloatArray();
        List<Point> points = new ArrayList<>(out.length / 2);
        for (int i = 0; i + 1 < out.length; i += 2) {
            points.add(new Point(crop[0] + out[i] * crop[2], crop[1] + out[i + 1] * crop[2]));
        }
        return points;
    }
}
