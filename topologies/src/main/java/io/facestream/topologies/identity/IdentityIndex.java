package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.gallery.Matching;
import org.apache.lucene.util.VectorUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

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
 *
 * <p>A vector's codes are kept in two parts, its first three quarters of dimensions (the head) and the rest (the
 * tail), with the tail's own length: the head's code score plus the Cauchy-Schwarz bound of the tails' product
 * ({@code |x_tail| |q_tail|}, about a quarter for unit vectors) bounds the similarity before the tail is read, so a
 * stranger (similarity near 0 against a threshold of 0.4) is left out after three quarters of its bytes. A vector
 * that passes is bounded on all its codes as before, so the identities scored on their floats are the same.
 */
final class IdentityIndex {

    record Nearest(String identityId, double similarity) {
    }

    /** Bounds the float arithmetic's own rounding (float products summed in double: under 1e-6 relative). */
    private static final double ROUNDING_SLACK = 1e-4;

    /**
     * A vector as int8 codes, head and tail ({@link #headLength}): {@code scale * codes} is within {@code residual}
     * (Euclidean) of it; {@code tailNorm} is the length of the vector's own tail.
     */
    private record Quantized(byte[] head, byte[] tail, double scale, double norm, double residual, double tailNorm) {
        static Quantized of(float[] v) {
            float max = 0;
            for (float x : v) max = Math.max(max, Math.abs(x));
            double scale = max / 127.0;
            int split = headLength(v.length);
            byte[] head = new byte[split];
            byte[] tail = new byte[v.length - split];
            double norm = 0, residual = 0, tailNorm = 0;
            for (int i = 0; i < v.length; i++) {
                int c = scale == 0 ? 0 : (int) Math.max(-127, Math.min(127, Math.round(v[i] / scale)));
                if (i < split) head[i] = (byte) c;
                else tail[i - split] = (byte) c;
                double d = v[i] - scale * c;
                residual += d * d;
                double square = (double) v[i] * v[i];
                norm += square;
                if (i >= split) tailNorm += square;
            }
            return new Quantized(head, tail, scale, Math.sqrt(norm), Math.sqrt(residual), Math.sqrt(tailNorm));
        }

        /** How far the code score {@code scale * otherScale * codes · otherCodes} can be from the true product (and rounding). */
        double error(double otherNorm, double otherResidual) {
            return (norm + residual) * otherResidual + residual * otherNorm + ROUNDING_SLACK * (1 + norm * otherNorm);
        }
    }

    /**
     * Dimensions in a vector's head: three quarters, so that the tails' bound (about {@code (1/4)} for unit vectors) leaves
     * a stranger well under the identity threshold; a vector too short to gain from the split is all head.
     */
    static int headLength(int dimension) {
        return dimension < 64 ? dimension : dimension - dimension / 4;
    }

    /** An identity's own vectors (centroid first, then its exemplars) and the faces rejected from it: the second pass. */
    private record Entry(String identityId, float[][] own, float[][] rejected) {
    }

    /** The distance under which a vector is bounded from its identity's first one (0.01 in similarity at most). */
    private static final double NEAR = 0.01;

    /** Identities in the order a tie is decided (the first wins); a removal moves the last into the gap. */
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Integer> positions = new HashMap<>();
    /** Where each identity's vectors start in the first pass's arrays, by position in {@link #entries}. */
    private int[] firstVector = new int[16];

    /*
     * The first pass's vectors, flat and in scan order, one slot per own vector of an identity, an identity's slots
     * together: the scan reads these arrays in sequence instead of following each identity's objects to its codes
     * (measured: 15 to 20 % of the stream thread went to that pointer chase at 10 000 identities). A slot's codes are
     * null where the vector is near its identity's first one ({@link #nearDistance} then says how near).
     */
    private int slots;
    /** The identity (position in {@link #entries}) a slot belongs to; -1: an identity since replaced or removed. */
    private int[] owner = new int[64];
    /** At an identity's first slot: how many slots it has. */
    private int[] count = new int[64];
    private byte[][] head = new byte[64][];
    private byte[][] tail = new byte[64][];
    private double[] scale = new double[64];
    private double[] norm = new double[64];
    private double[] residual = new double[64];
    private double[] tailNorm = new double[64];
    private double[] nearDistance = new double[64];
    /** Slots of identities since replaced or removed. */
    private int dead;
    /** Puts since the slots were last laid out again in scan order. */
    private int changes;

    /** An identity whose exemplars carry their embeddings. */
    void put(Identity identity) {
        put(identity, StoredEmbeddings::of);
    }

    /**
     * An inactive identity (switched off by an operator) is left out: no new track is matched to it. {@code embeddings}
     * gives each exemplar's embedding (null: its face is gone, left out); the arrays are kept, never changed.
     */
    void put(Identity identity, Function<Exemplar, float[]> embeddings) {
        if (identity.getStatus() == IdentityStatus.INACTIVE) {
            remove(identity.getIdentityId());
            return;
        }
        float[] centroid = StoredEmbeddings.centroidOf(identity);
        List<float[]> own = new ArrayList<>(identity.getExemplars().size() + 1);
        if (centroid.length > 0) own.add(centroid);
        for (Exemplar e : identity.getExemplars()) {
            float[] embedding = embeddings.apply(e);
            if (embedding != null) own.add(embedding);
        }
        int n = own.size();
        float[][] v = own.toArray(float[][]::new);
        float[][] rejected = Matching.rejected(identity).stream().map(StoredEmbeddings::of).toArray(float[][]::new);
        Entry entry = new Entry(identity.getIdentityId(), v, rejected);
        Integer at = positions.get(entry.identityId());
        // an identity written again mostly keeps its vectors (a face adds an exemplar and moves the centroid): their codes are kept
        float[][] before = at == null ? new float[0][] : entries.get(at).own();
        int beforeFirst = at == null ? 0 : firstVector[at];
        int position;
        if (at != null) {
            position = at;
            kill(position);
            entries.set(position, entry);
        } else {
            position = entries.size();
            positions.put(entry.identityId(), position);
            entries.add(entry);
            if (position == firstVector.length) firstVector = Arrays.copyOf(firstVector, position * 2);
        }
        int first = slots;
        firstVector[position] = first;
        for (int k = 0; k < n; k++) {
            double d = k > 0 && v[0].length == v[k].length ? distance(v[0], v[k]) : Double.NaN;
            int kept = d <= NEAR ? -1 : coded(before, beforeFirst, v[k]);
            if (d <= NEAR) append(position, null, d);
            else if (kept >= 0) append(position, kept, -1);
            else append(position, Quantized.of(v[k]), -1);
        }
        if (n > 0) count[first] = n;
        if (++changes > Math.max(1024, entries.size()) || dead > Math.max(4096, slots - dead)) relayout();
    }

    /** The slot of a vector equal to {@code vector} among an identity's previous ones that has its own codes; -1: none. */
    private int coded(float[][] before, int beforeFirst, float[] vector) {
        for (int m = 0; m < before.length; m++) {
            if (head[beforeFirst + m] != null && Arrays.equals(before[m], vector)) return beforeFirst + m;
        }
        return -1;
    }

    /** A slot with new codes ({@code q}; null: a vector near its identity's first one, {@code near} from it). */
    private void append(int position, Quantized q, double near) {
        grow();
        owner[slots] = position;
        count[slots] = 0;
        head[slots] = q == null ? null : q.head();
        tail[slots] = q == null ? null : q.tail();
        scale[slots] = q == null ? 0 : q.scale();
        norm[slots] = q == null ? 0 : q.norm();
        residual[slots] = q == null ? 0 : q.residual();
        tailNorm[slots] = q == null ? 0 : q.tailNorm();
        nearDistance[slots] = near;
        slots++;
    }

    /** A slot with the codes of slot {@code kept} (the same vector, kept by an identity written again). */
    private void append(int position, int kept, double near) {
        grow();
        owner[slots] = position;
        count[slots] = 0;
        head[slots] = head[kept];
        tail[slots] = tail[kept];
        scale[slots] = scale[kept];
        norm[slots] = norm[kept];
        residual[slots] = residual[kept];
        tailNorm[slots] = tailNorm[kept];
        nearDistance[slots] = near;
        slots++;
    }

    private void grow() {
        if (slots < owner.length) return;
        int size = slots * 2;
        owner = Arrays.copyOf(owner, size);
        count = Arrays.copyOf(count, size);
        head = Arrays.copyOf(head, size);
        tail = Arrays.copyOf(tail, size);
        scale = Arrays.copyOf(scale, size);
        norm = Arrays.copyOf(norm, size);
        residual = Arrays.copyOf(residual, size);
        tailNorm = Arrays.copyOf(tailNorm, size);
        nearDistance = Arrays.copyOf(nearDistance, size);
    }

    /** Marks the slots of the identity at a position dead (it is being replaced or removed). */
    private void kill(int position) {
        int from = firstVector[position];
        int n = entries.get(position).own().length;
        for (int j = from; j < from + n; j++) owner[j] = -1;
        dead += n;
    }

    /**
     * Copies the live slots again, in scan order and their codes with nothing else allocated between them, so that
     * the first pass reads memory in sequence: codes written one face at a time otherwise lie between each face's
     * records, and the scan then waits on a cache miss for every identity (measured: 0.45 ms for 10 000 identities
     * in a loop of its own, several ms in the running product). Amortised: once per as many puts as there are
     * identities, or once the dead slots outnumber the live ones.
     */
    private void relayout() {
        int[] oldOwner = owner, oldCount = count;
        byte[][] oldHead = head, oldTail = tail;
        double[] oldScale = scale, oldNorm = norm, oldResidual = residual, oldTailNorm = tailNorm, oldNear = nearDistance;
        int oldSlots = slots;
        int size = Math.max(64, Integer.highestOneBit(Math.max(1, oldSlots - dead)) * 2);
        owner = new int[size];
        count = new int[size];
        head = new byte[size][];
        tail = new byte[size][];
        scale = new double[size];
        norm = new double[size];
        residual = new double[size];
        tailNorm = new double[size];
        nearDistance = new double[size];
        slots = 0;
        for (int j = 0; j < oldSlots; j++) {
            int position = oldOwner[j];
            if (position < 0) continue;
            if (oldCount[j] > 0) firstVector[position] = slots;
            owner[slots] = position;
            count[slots] = oldCount[j];
            head[slots] = oldHead[j] == null ? null : oldHead[j].clone();
            scale[slots] = oldScale[j];
            norm[slots] = oldNorm[j];
            residual[slots] = oldResidual[j];
            tailNorm[slots] = oldTailNorm[j];
            nearDistance[slots] = oldNear[j];
            slots++;
        }
        // the tails after all the heads: a scan that leaves a vector out after its head reads the heads in sequence
        for (int j = 0, k = 0; j < oldSlots; j++) {
            if (oldOwner[j] >= 0) tail[k++] = oldTail[j] == null ? null : oldTail[j].clone();
        }
        dead = 0;
        changes = 0;
    }

    void clear() {
        entries.clear();
        positions.clear();
        slots = 0;
        dead = 0;
        changes = 0;
    }

    void remove(String identityId) {
        Integer at = positions.remove(identityId);
        if (at == null) return;
        kill(at);
        int lastPosition = entries.size() - 1;
        Entry last = entries.remove(lastPosition);
        if (at < entries.size()) {
            entries.set(at, last);
            positions.put(last.identityId(), at);
            int from = firstVector[lastPosition];
            for (int j = from; j < from + last.own().length; j++) owner[j] = at;
            firstVector[at] = from;
        }
    }

    /**
     * The most similar identity whose similarity is at least {@code atLeast}, leaving out those a rejected face vetoes
     * ({@link Matching#vetoed}); {@link Matching#NO_MATCH} as {@code atLeast} asks for the most similar of all. Of
     * identities equally similar, the first in {@link #entries} wins.
     */
    Optional<Nearest> nearest(float[] query, double atLeast) {
        Quantized q = Quantized.of(query);
        Nearest best = null;
        int bestPosition = -1;
        double need = atLeast; // once an identity is found, only one at least as similar can take its place
        for (int j = 0; j < slots; ) {
            int position = owner[j];
            if (position < 0) {
                j++;
                continue;
            }
            int n = count[j];
            boolean candidate = mayReach(j, n, q, query.length, need);
            j += n;
            if (!candidate) continue;
            Entry e = entries.get(position);
            double own = Matching.NO_MATCH;
            for (float[] v : e.own()) own = Math.max(own, Embeddings.similarity(v, query));
            double rejected = Matching.NO_MATCH;
            for (float[] v : e.rejected()) rejected = Math.max(rejected, Embeddings.similarity(v, query));
            if (own < atLeast || Matching.vetoed(own, rejected)) continue;
            if (best == null || own > best.similarity() || (own == best.similarity() && position < bestPosition)) {
                best = new Nearest(e.identityId(), own);
                bestPosition = position;
                need = Math.max(need, own);
            }
        }
        return Optional.ofNullable(best);
    }

    /** Whether one of the {@code n} vectors from slot {@code from} can be {@code atLeast} similar to the query, by the codes' bound. */
    private boolean mayReach(int from, int n, Quantized q, int dimension, double atLeast) {
        double first = 0; // the first vector's bound: the one a near vector is bounded from
        for (int j = from; j < from + n; j++) {
            byte[] h = head[j];
            // another dimension is scored -1 by Embeddings.similarity: the second pass decides (a near vector has the first's)
            if (h != null && h.length + tail[j].length != dimension) return true;
            double bound;
            if (h == null) {
                bound = first + q.norm() * nearDistance[j] + ROUNDING_SLACK;
            } else {
                double codeScale = q.scale() * scale[j];
                double error = q.error(norm[j], residual[j]);
                int headScore = VectorUtil.dotProduct(q.head(), h);
                // the head's code score bounds the heads' product (the residuals' error is no larger on a part), Cauchy-Schwarz the tails'
                bound = codeScale * headScore + error + q.tailNorm() * tailNorm[j];
                if (bound >= atLeast && tail[j].length > 0) bound = codeScale * (headScore + VectorUtil.dotProduct(q.tail(), tail[j])) + error;
            }
            if (j == from) first = bound;
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
