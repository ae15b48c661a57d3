package io.facestream.topologies.embedding;

import java.util.List;

/** Turns aligned face crops (JPEG) into L2-normalised embeddings, many at a time. */
public interface Embedder {

    /** The embedder's id in the model catalogue; embeddings of different models never compare. */
    String modelId();

    /** One embedding per crop, in order; null for a crop that is not a decodable image. */
    List<float[]> embed(List<byte[]> alignedJpegs);
}
