package io.facestream.vectors;

import java.util.Map;

/**
  * A search hit. {@code score} is the cosine similarity between the query and the stored vector, in
  * [-1, 1], higher is closer, the same in every implementation. {@code vector} is the stored
  * (L2-normalised) vector, or null when the search did not ask for vectors.
  */
public record ScoredPoint(String id, double score, float[] vector, Map<String, Object> payload) {

    @Override
    public String toString() {
        return "ScoredPoint[id=" + id + ", score=" + score + ", payload=" + payload + "]";
    }
}
