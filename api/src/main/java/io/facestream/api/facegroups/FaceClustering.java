package io.facestream.api.facegroups;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.VectorUtil;

/**
 * Same-person groups of captured faces by cosine similarity, single linkage: a group is every face linked to another
 * by a chain of similarities of at least the threshold, and a face alike to no other is a group of one (what DBSCAN
 * with no minimum neighbourhood gives, which this replaced).
 *
 * <p>The groups are the connected components of the "similar enough" graph, kept in a union-find forest. Exact, so
 * quadratic in the faces sampled (at most 2 000): no approximate index, since a missed link would split a group. What
 * makes it cheap to ask again is that the pairwise similarities of the last sample are kept: the console's threshold
 * slider regroups the same sample (no dot product at all), and a live pipeline adds a few faces between two requests
 * (only their rows are measured). A face is reused only with the very vector it had, so a cached similarity is always
 * the one a fresh measurement would give. New pairs are measured in tiles of {@link #TILE} x {@link #TILE} faces, so
 * the two tiles' vectors (2 KiB each) stay in the CPU's cache, with Lucene's dot product (SIMD where the JVM has
 * jdk.incubator.vector).
 */
final class FaceClustering {
    /** Faces per side of a tile: two tiles of 512-float vectors (2 x 128 KiB) fit in a core's L2 cache. */
    static final int TILE = 64;

    /** The last sample measured: its faces' ids and unit vectors, and every pair's dot product (row-major, i < j). */
    private String[] ids = new String[0];
    private float[][] vectors = new float[0][];
    private float[] similarity = new float[0];
    /** Pairs measured by the last call (what the tests check the reuse by). */
    private long measured;

    /**
     * The faces in groups, each in the order of {@code faces}; groups in the order of their first face. One call at a
     * time: concurrent requests wait for one measurement instead of each measuring the same pairs (at most one core).
     */
    synchronized List<List<Face>> cluster(List<Face> faces, double threshold) {
        List<Face> embedded = new ArrayList<>(faces.size());
        List<float[]> unitVectors = new ArrayList<>(faces.size());
        for (Face f : faces) {
            if (StoredEmbeddings.dimension(f) == 0) continue;
            embedded.add(f);
            unitVectors.add(Embeddings.normalise(StoredEmbeddings.of(f)));
        }
        float[][] unit = unitVectors.toArray(float[][]::new);
        String[] sampleIds = embedded.stream().map(Face::getFaceId).toArray(String[]::new);
        float[] sims = similarities(sampleIds, unit);
        int n = unit.length;
        double eps = Math.max(0, 1 - threshold); // linked: 1 - cosine <= eps, as DBSCAN measured it
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1, row = i * n; j < n; j++) {
                if (1 - sims[row + j] > eps) continue;
                int a = root(parent, i), b = root(parent, j);
                if (a != b) parent[Math.max(a, b)] = Math.min(a, b);
            }
        }
        Map<Integer, List<Face>> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) groups.computeIfAbsent(root(parent, i), r -> new ArrayList<>()).add(embedded.get(i));
        return new ArrayList<>(groups.values());
    }

    /** Pairs whose similarity the last {@link #cluster} call had to measure (the others came from the last sample). */
    synchronized long lastMeasured() {
        return measured;
    }

    /** Every pair's dot product for this sample (row-major n x n, i < j filled), reusing the last sample's. */
    private float[] similarities(String[] sampleIds, float[][] unit) {
        int n = unit.length;
        if (Arrays.equals(sampleIds, ids) && sameVectors(unit, vectors)) {
            measured = 0;
            return similarity;
        }
        int[] old = new int[n]; // the face's index in the last sample, -1 when new (or its vector changed)
        Map<String, Integer> lastIndex = new HashMap<>(ids.length * 2);
        for (int k = 0; k < ids.length; k++) lastIndex.put(ids[k], k);
        for (int i = 0; i < n; i++) {
            Integer k = lastIndex.get(sampleIds[i]);
            old[i] = k != null && Arrays.equals(vectors[k], unit[i]) ? k : -1;
        }
        int m = ids.length;
        float[] sims = new float[n * n];
        long count = 0;
        for (int ti = 0; ti < n; ti += TILE) {
            for (int tj = ti; tj < n; tj += TILE) {
                for (int i = ti, iEnd = Math.min(ti + TILE, n); i < iEnd; i++) {
                    int oi = old[i];
                    for (int j = Math.max(tj, i + 1), jEnd = Math.min(tj + TILE, n); j < jEnd; j++) {
                        int oj = old[j];
                        if (oi >= 0 && oj >= 0) {
                            sims[i * n + j] = similarity[Math.min(oi, oj) * m + Math.max(oi, oj)];
                        } else {
                            sims[i * n + j] = VectorUtil.dotProduct(unit[i], unit[j]);
                            count++;
                        }
                    }
                }
            }
        }
        ids = sampleIds;
        vectors = unit;
        similarity = sims;
        measured = count;
        return sims;
    }

    private static boolean sameVectors(float[][] a, float[][] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (!Arrays.equals(a[i], b[i])) return false;
        return true;
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
