package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.gallery.Matching;
import org.apache.lucene.util.VectorUtil;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Identities' centroids and exemplars in memory, for the nearest-identity search of every track decision.
 * Only identity resolution's single task writes identities, so this mirror of its store is exact; it is
 * rebuilt from the store when the task starts.
 *
 * <p>Exact, in two passes. Every vector is also kept as int8 codes with its scale, and with how far the codes are
 * from it (the residual's length): the first pass scores every identity's vectors on the codes (Lucene's SIMD byte dot
 * product, a quarter of the memory float32 reads, which is what bounds a scan of ten thousand identities) and, by
 * Cauchy-Schwarz, knows how far each code score can be from the true one. Only identities whose bound reaches the
 * wanted similarity are scored again on their float vectors, with the same arithmetic as before ({@link
 * Embeddings#similarity}), so the identity chosen and its similarity are exactly what a full float scan gives.
 */
final class IdentityIndex {

    record Nearest(String identityId, double similarity) {
    }

    /** Bounds the float arithmetic's own rounding (float products summed in double: under 1e-6 relative). */
    private static final double ROUNDING_SLACK = 1e-4;

    /** A vector as int8 codes: {@code scale * codes} is within {@code residual} (Euclidean) of it. */
    private record Quantized(byte[] codes, double scale, double norm, double residual) {
        static Quantized of(float[] v) {
            float max = 0;
            for (float x : v) max = Math.max(max, Math.abs(x));
            double scale = max / 127.0;
            byte[] codes = new byte[v.length];
            double norm = 0, residual = 0;
            for (int i = 0; i < v.length; i++) {
                int c = scale == 0 ? 0 : (int) Math.max(-127, Math.min(127, Math.round(v[i] / scale)));
                codes[i] = (byte) c;
                double d = v[i] - scale * c;
                residual += d * d;
                norm += (double) v[i] * v[i];
            }
            return new Quantized(codes, scale, Math.sqrt(norm), Math.sqrt(residual));
        }

        /** An upper bound of {@code this · other} for the true vectors (the first pass's test). */
        double upperBound(Quantized other) {
            double approx = scale * other.scale * VectorUtil.dotProduct(codes, other.codes);
            double error = (norm + residual) * other.residual + residual * other.norm;
            return approx + error + ROUNDING_SLACK * (1 + norm * other.norm);
        }
    }

    /**
     * An identity's own vectors (centroid and exemplars) with their codes, and the faces rejected from it. A vector
     * within {@link #NEAR} of the first one ({@code near[k] = 0}, at distance {@code distance[k]}) is bounded from that
     * one's score ({@code q·v <= q·u + |q| |v - u|}) instead of its own codes: the centroid of an identity with one
     * exemplar is that exemplar.
     */
    private record Entry(String identityId, float[][] own, Quantized[] codes, int[] near, double[] distance, float[][] rejected) {
    }

    /** The distance under which a vector is bounded from its identity's first one (0.01 in similarity at most). */
    private static final double NEAR = 0.01;

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Integer> positions = new HashMap<>();
    /** Puts since the codes were last laid out again in scan order. */
    private int changes;

    /** An inactive identity (switched off by an operator) is left out: no new track is matched to it. */
    void put(Identity identity) {
        if (identity.getStatus() == IdentityStatus.INACTIVE) {
            remove(identity.getIdentityId());
            return;
        }
        float[] centroid = StoredEmbeddings.centroidOf(identity);
        int n = identity.getExemplars().size() + (centroid.length == 0 ? 0 : 1);
        float[][] v = new float[n][];
        int i = 0;
        if (centroid.length > 0) v[i++] = centroid;
        for (Exemplar e : identity.getExemplars()) v[i++] = StoredEmbeddings.of(e);
        Quantized[] codes = new Quantized[n];
        int[] near = new int[n];
        double[] distance = new double[n];
        for (int k = 0; k < n; k++) {
            near[k] = -1;
            if (k > 0 && v[0].length == v[k].length && (distance[k] = distance(v[0], v[k])) <= NEAR) near[k] = 0;
            else codes[k] = Quantized.of(v[k]);
        }
        float[][] rejected = Matching.rejected(identity).stream().map(StoredEmbeddings::of).toArray(float[][]::new);
        Entry entry = new Entry(identity.getIdentityId(), v, codes, near, distance, rejected);
        Integer at = positions.get(entry.identityId());
        if (at != null) {
            entries.set(at, entry);
        } else {
            positions.put(entry.identityId(), entries.size());
            entries.add(entry);
        }
        if (++changes > Math.max(1024, entries.size())) relayout();
    }

    /**
     * Copies every identity's codes again, in scan order and nothing else allocated between them, so that the first
     * pass reads memory in sequence: codes written one face at a time otherwise lie between each face's records, and
     * the scan then waits on a cache miss for every identity (measured: 0.45 ms for 10 000 identities in a loop of
     * its own, several ms in the running product). Amortised: once per as many puts as there are identities.
     */
    private void relayout() {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Quantized[] codes = new Quantized[e.codes().length];
            for (int k = 0; k < codes.length; k++) {
                Quantized c = e.codes()[k];
                codes[k] = c == null ? null : new Quantized(c.codes().clone(), c.scale(), c.norm(), c.residual());
            }
            entries.set(i, new Entry(e.identityId(), e.own(), codes, e.near().clone(), e.distance().clone(), e.rejected()));
        }
        changes = 0;
    }

    void clear() {
        entries.clear();
        positions.clear();
        changes = 0;
    }

    void remove(String identityId) {
        Integer at = positions.remove(identityId);
        if (at == null) return;
        Entry last = entries.remove(entries.size() - 1);
        if (at < entries.size()) {
            entries.set(at, last);
            positions.put(last.identityId(), at);
        }
    }

    /**
     * The most similar identity whose similarity is at least {@code atLeast}, leaving out those a rejected face vetoes
     * ({@link Matching#vetoed}); {@link Matching#NO_MATCH} as {@code atLeast} asks for the most similar of all.
     */
    Optional<Nearest> nearest(float[] query, double atLeast) {
        Quantized q = Quantized.of(query);
        Nearest best = null;
        for (Entry e : entries) {
            if (e.codes().length == 0 || !mayReach(e, q, query.length, atLeast)) continue;
            double own = Matching.NO_MATCH;
            for (float[] v : e.own()) own = Math.max(own, Embeddings.similarity(v, query));
            double rejected = Matching.NO_MATCH;
            for (float[] v : e.rejected()) rejected = Math.max(rejected, Embeddings.similarity(v, query));
            if (own < atLeast || Matching.vetoed(own, rejected)) continue;
            if (best == null || own > best.similarity()) best = new Nearest(e.identityId(), own);
        }
        return Optional.ofNullable(best);
    }

    /** Whether one of the identity's vectors can be {@code atLeast} similar to the query, by the codes' bound. */
    private static boolean mayReach(Entry e, Quantized q, int dimension, double atLeast) {
        Quantized[] codes = e.codes();
        double first = 0; // the first vector's bound: the one a near vector is bounded from
        for (int k = 0; k < codes.length; k++) {
            boolean near = e.near()[k] >= 0;
            // another dimension is scored -1 by Embeddings.similarity: the second pass decides (a near vector has the first's)
            if (!near && codes[k].codes().length != dimension) return true;
            double bound = near ? first + q.norm() * e.distance()[k] + ROUNDING_SLACK : q.upperBound(codes[k]);
            if (k == 0) first = bound;
            if (bound >= atLeast) return true;
        }
        return false;
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
