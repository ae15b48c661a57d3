package io.facestream.vectors.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
  * Deterministic face-like vectors for the benchmark and the tests (this module has no models):
  * identities are random unit centres, and each identity has 1 to 20 faces at noise 0.8 around its
  * centre, so two faces of one identity have cosine ~0.6 and strangers ~0, as with a real face
  * embedder. Uniform random vectors, by contrast, have no neighbourhood structure at all.
  */
public final class SyntheticFaces {

    public static final double NOISE = 0.8;

    private final Random random;
    private final int dimension;
    private final List<float[]> centres = new ArrayList<>();
    private int facesLeft;

    public SyntheticFaces(long seed, int dimension) {
        this.random = new Random(seed);
        this.dimension = dimension;
    }

    /** The next face; a new identity starts when the current one has all its faces. */
    public Face next() {
        if (facesLeft == 0) {
            centres.add(randomUnit(random, dimension));
            facesLeft = 1 + random.nextInt(20);
        }
        facesLeft--;
        int identity = centres.size() - 1;
        return new Face(identity, near(centres.get(identity), NOISE, random));
    }

    /** A fresh face of an identity generated so far: what a search by face image asks. */
    public float[] query(Random queryRandom) {
        return near(centres.get(queryRandom.nextInt(centres.size())), NOISE, queryRandom);
    }

    public record Face(int identity, float[] vector) {}

    public static float[] randomUnit(Random random, int dimension) {
        float[] v = new float[dimension];
        double sum = 0;
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
            sum += v[i] * v[i];
        }
        float norm = (float) Math.sqrt(sum);
        for (int i = 0; i < dimension; i++) v[i] /= norm;
        return v;
    }

    /** {@code centre} plus a random offset of length {@code noise}. */
    public static float[] near(float[] centre, double noise, Random random) {
        float[] offset = randomUnit(random, centre.length);
        float[] v = new float[centre.length];
        for (int i = 0; i < v.length; i++) v[i] = (float) (centre[i] + noise * offset[i]);
        return v;
    }
}
