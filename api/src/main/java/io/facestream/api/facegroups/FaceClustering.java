package io.facestream.api.facegroups;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.VectorUtil;

/**
 * Same-person groups of captured faces by cosine similarity, single linkage: a group is every face linked to another
 * by a chain of similarities of at least the threshold, and a face alike to no other is a group of one (what DBSCAN
 * with no minimum neighbourhood gives, which this replaced).
 *
 * <p>The groups are the connected components of the "similar enough" graph, kept in a union-find forest while the
 * pairs are measured. Pairs are measured in tiles of {@link #TILE} x {@link #TILE} faces, so the two tiles' vectors
 * (2 KiB each) stay in the CPU's cache while every pair between them is scored with Lucene's dot product (SIMD where
 * the JVM has jdk.incubator.vector); a pair already in one group is not measured at all. Exact, still quadratic in
 * the faces sampled (at most 2 000): no approximate index, since a missed link would split a group.
 */
final class FaceClustering {
    /** Faces per side of a tile: two tiles of 512-float vectors (2 x 128 KiB) fit in a core's L2 cache. */
    static final int TILE = 64;

    private FaceClustering() {}

    /** The faces in groups, each in the order of {@code faces}; groups in the order of their first face. */
    static List<List<Face>> cluster(List<Face> faces, double threshold) {
        List<Face> embedded = new ArrayList<>(faces.size());
        List<float[]> vectors = new ArrayList<>(faces.size());
        for (Face f : faces) {
            if (StoredEmbeddings.dimension(f) == 0) continue;
            embedded.add(f);
            vectors.add(Embeddings.normalise(StoredEmbeddings.of(f)));
        }
        float[][] unit = vectors.toArray(float[][]::new);
        int n = unit.length;
        double eps = Math.max(0, 1 - threshold); // linked: 1 - cosine <= eps, as DBSCAN measured it
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        for (int ti = 0; ti < n; ti += TILE) {
            for (int tj = ti; tj < n; tj += TILE) {
                for (int i = ti, iEnd = Math.min(ti + TILE, n); i < iEnd; i++) {
                    for (int j = Math.max(tj, i + 1), jEnd = Math.min(tj + TILE, n); j < jEnd; j++) {
                        int a = root(parent, i), b = root(parent, j);
                        if (a == b) continue;
                        if (1 - VectorUtil.dotProduct(unit[i], unit[j]) <= eps) parent[Math.max(a, b)] = Math.min(a, b);
                    }
                }
            }
        }
        Map<Integer, List<Face>> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) groups.computeIfAbsent(root(parent, i), r -> new ArrayList<>()).add(embedded.get(i));
        return new ArrayList<>(groups.values());
    }

    /** The root of {@code i}'s tree, halving the path on the way. */
    private static int root(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
