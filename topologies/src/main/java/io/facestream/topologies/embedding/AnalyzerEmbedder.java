package io.facestream.topologies.embedding;

import io.facestream.models.FaceAnalyzer;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.RgbImage;
import io.facestream.models.store.ModelSpec.Role;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** The models module's embedder, on the device its configuration names (CPU or GPU). */
public final class AnalyzerEmbedder implements Embedder {
    private static final Logger log = LoggerFactory.getLogger(AnalyzerEmbedder.class);
    /** Crops are 112x112; anything far larger is not a crop. */
    private static final long MAX_CROP_PIXELS = 1_000_000;
    private final FaceAnalyzer analyzer;
    private final String modelId;

    public AnalyzerEmbedder(FaceAnalyzer analyzer) {
        this.analyzer = analyzer;
        this.modelId = analyzer.config().catalog().model(Role.EMBEDDER).id();
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<float[]> embed(List<byte[]> alignedJpegs) {
        List<RgbImage> crops = new ArrayList<>(alignedJpegs.size());
        List<Integer> valid = new ArrayList<>(alignedJpegs.size());
        for (int i = 0; i < alignedJpegs.size(); i++) {
            try {
                crops.add(ImageCodec.decode(alignedJpegs.get(i), MAX_CROP_PIXELS));
                valid.add(i);
            } catch (InvalidImageException e) {
                log.warn("skipping a face crop that does not decode: {}", e.getMessage());
            }
        }
        List<float[]> embedded = analyzer.embedAll(crops);
        float[][] out = new float[alignedJpegs.size()][];
        for (int i = 0; i < valid.size(); i++) out[valid.get(i)] = embedded.get(i);
        return java.util.Arrays.asList(out);
    }
}
