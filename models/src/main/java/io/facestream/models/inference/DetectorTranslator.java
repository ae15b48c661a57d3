package io.facestream.models.inference;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.facestream.models.FaceBox;
import io.facestream.models.store.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Runs a detector with the UltraFace output layout on one RGB image of any size: the image is resized to
 * the model input (stretched, as the model was trained), boxes come back already decoded as corners in
 * 0..1 of the input and are scaled to the image's pixels, filtered by score and merged by NMS.
 */
public final class DetectorTranslator implements NoBatchifyTranslator<Mat, List<Detection>> {
    private final ModelSpec.Input input;
    private final float scoreThreshold;
    private final double nmsThreshold;

    public DetectorTranslator(ModelSpec.Input input, double scoreThreshold, double nmsThreshold) {
        this.input = input;
        this.scoreThreshold = (float) scoreThreshold;
        this.nmsThreshold = nmsThreshold;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Mat rgb) {
        ctx.setAttachment("width", rgb.cols());
        ctx.setAttachment("height", rgb.rows());
        try (Mat small = Tensors.resized(rgb, input.width(), input.height())) {
            return new NDList(Tensors.toTensor(ctx.getNDManager(), List.of(small), input));
        }
    }

    @Override
    public List<Detection> processOutput(TranslatorContext ctx, NDList list) {
        float width = (Integer) ctx.getAttachment("width");
        float height = (Integer) ctx.getAttachment("height");
        float[] scores = Tensors.output(list, "scores", 0).toFloatArray();
        float[] boxes = Tensors.output(list, "boxes", 1).toFloatArray();
        List<Detection> found = new ArrayList<>();
        for (int i = 0; i < scores.length / 2; i++) {
            float score = scores[2 * i + 1];
            if (score >= scoreThreshold) {
                FaceBox box = new FaceBox(boxes[4 * i] * width, boxes[4 * i + 1] * height,
                        boxes[4 * i + 2] * width, boxes[4 * i + 3] * height);
                if (box.width() > 0 && box.height() > 0) {
                    found.add(new Detection(box, score));
                }
            }
        }
        return Nms.apply(found, nmsThreshold);
    }
}
