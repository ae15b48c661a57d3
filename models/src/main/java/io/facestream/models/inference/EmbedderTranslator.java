package io.facestream.models.inference;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.facestream.models.Embeddings;
import io.facestream.models.store.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Embeds aligned RGB crops (already at the model's input size) as one batch and returns each embedding
 * L2-normalised, so cosine similarity is a dot product. Batches larger than the model's batch dimension
 * are the caller's to avoid (the catalogue's {@code input.batch}).
 */
public final class EmbedderTranslator implements NoBatchifyTranslator<List<Mat>, List<float[]>> {
    private final ModelSpec.Input input;

    public EmbedderTranslator(ModelSpec.Input input) {
        this.input = input;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, List<Mat> crops) {
        return new NDList(Tensors.toTensor(ctx.getNDManager(), crops, input));
    }

    @Override
    public List<float[]> processOutput(TranslatorContext ctx, NDList list) {
        ai.djl.ndarray.NDArray output = Tensors.output(list, "output", 0);
        float[] all = output.toFloatArray();
        int n = (int) output.getShape().get(0);
        int dim = all.length / n;
        List<float[]> embeddings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] e = new float[dim];
            System.arraycopy(all, i * dim, e, 0, dim);
            embeddings.add(Embeddings.normalise(e));
        }
        return embeddings;
    }
}
