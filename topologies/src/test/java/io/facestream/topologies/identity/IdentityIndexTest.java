package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.gallery.Matching;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The in-memory index of automatic identities: the nearest identity by its centroid or any exemplar. */
class IdentityIndexTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void theNearestIdentityIsFoundByCentroidOrExemplar() {
        IdentityIndex index = new IdentityIndex();
        Identity a = identity("a", axis(0), axis(3));
        Identity b = identity("b", axis(1));
        index.put(a);
        index.put(b);

        assertThat(index.nearest(axis(3), Matching.NO_MATCH)).get().satisfies(n -> {
            assertThat(n.identityId()).as("an exemplar counts as much as the centroid").isEqualTo("a");
            assertThat(n.similarity()).isCloseTo(1, within(1e-6));
        });
        assertThat(index.nearest(axis(1), Matching.NO_MATCH)).get().extracting(IdentityIndex.Nearest::identityId).isEqualTo("b");
        assertThat(Matching.toIdentity(a, axis(3), StoredEmbeddings::of)).as("the API measures it the same way").isCloseTo(1, within(1e-6));
    }

    @Test
    void aRemovedOrReplacedIdentityIsNoLongerFound() {
        IdentityIndex index = new IdentityIndex();
        index.put(identity("a", axis(0)));
        index.put(identity("a", axis(2))); // its centroid moved
        assertThat(index.nearest(axis(0), Matching.NO_MATCH)).get().extracting(IdentityIndex.Nearest::similarity).isEqualTo(0.0);
        index.remove("a");
        assertThat(index.nearest(axis(2), Matching.NO_MATCH)).isEmpty();
    }

    @Test
    void anIdentityWithoutFacesMatchesNothing() {
        IdentityIndex index = new IdentityIndex();
        index.put(identity("empty", new float[0]));
        assertThat(index.nearest(axis(0), Matching.NO_MATCH)).isEmpty();
    }

    /**
     * The codes' first pass only leaves out identities that cannot reach the similarity asked: on face-like vectors
     * (same person ~0.6, strangers ~0) the result is what a full float scan with {@link Matching#toIdentity} gives,
     * identity and similarity, also for queries placed just above and just below an identity's similarity and for
     * identities vetoed by a rejected face.
     */
    @Test
    void theTwoPassSearchChoosesWhatAFullScanChooses() {
        java.util.Random random = new java.util.Random(18);
        IdentityIndex index = new IdentityIndex();
        List<Identity> all = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            float[] centre = io.facestream.vectors.bench.SyntheticFaces.randomUnit(random, 512);
            float[][] faces = new float[1 + random.nextInt(8)][];
            for (int k = 0; k < faces.length; k++) faces[k] = face(centre, random);
            Identity identity = identity("id-" + i, IdentityResolver.centroid(java.util.Arrays.stream(faces)
                    .map(f -> StoredEmbeddings.exemplar("x", f, 0.5f)).toList(), StoredEmbeddings::of), faces);
            if (i % 50 == 0) { // a face rejected from it: vetoes it for queries nearer that face
                identity = Identity.newBuilder(identity).setRejected(List.of(StoredEmbeddings.exemplar("r" + i, face(centre, random), 0.5f))).build();
            }
            all.add(identity);
            index.put(identity);
        }
        for (Identity identity : all) index.put(identity); // each written again: the codes are laid out anew on the way
        int matched = 0;
        for (int n = 0; n < 200; n++) {
            Identity target = all.get(random.nextInt(all.size()));
            float[] query = n % 2 == 0 ? face(StoredEmbeddings.centroidOf(target), random)
                    : io.facestream.vectors.bench.SyntheticFaces.randomUnit(random, 512);
            double exact = Matching.toIdentity(target, query, StoredEmbeddings::of);
            double[] scores = all.stream().mapToDouble(identity -> Matching.toIdentity(identity, query, StoredEmbeddings::of)).toArray();
            for (double atLeast : new double[]{0.396, exact - 1e-7, exact + 1e-7, Matching.NO_MATCH}) {
                if (assertNearestIsAFullScans(index, all, scores, query, atLeast, "query " + n) && atLeast == 0.396) matched++;
            }
        }
        assertThat(matched).as("faces of a stored identity find one above the identity threshold").isGreaterThan(75);
    }

    /**
     * Asserts that the index finds, at {@code atLeast}, what a full scan of {@code identities} finds ({@code scores}:
     * {@link Matching#toIdentity} of each for the query): the most similar at or above it, the first of equals.
     * Whether the scan found one.
     */
    static boolean assertNearestIsAFullScans(IdentityIndex index, List<Identity> identities, double[] scores, float[] query,
                                             double atLeast, String what) {
        Identity expected = null;
        double best = Matching.NO_MATCH;
        for (int i = 0; i < identities.size(); i++) {
            double s = scores[i];
            if (s > Matching.NO_MATCH && s >= atLeast && (expected == null || s > best)) {
                expected = identities.get(i);
                best = s;
            }
        }
        var found = index.nearest(query, atLeast);
        if (expected == null) {
            assertThat(found).as("%s at %s", what, atLeast).isEmpty();
            return false;
        }
        assertThat(found).as("%s at %s", what, atLeast).get().isEqualTo(new IdentityIndex.Nearest(expected.getIdentityId(), best));
        return true;
    }

    /** A face of a person: their centre plus noise 0.8, normalised (cosine ~0.78 to the centre). */
    private static float[] face(float[] centre, java.util.Random random) {
        return Embeddings.normalise(io.facestream.vectors.bench.SyntheticFaces.near(centre, io.facestream.vectors.bench.SyntheticFaces.NOISE, random));
    }

    private static float[] axis(int i) {
        float[] v = new float[8];
        v[i] = 1;
        return v;
    }

    private static Identity identity(String id, float[] centroid, float[]... exemplars) {
        List<Exemplar> kept = new java.util.ArrayList<>();
        for (int i = 0; i < exemplars.length; i++) kept.add(StoredEmbeddings.exemplar(id + ":" + i, exemplars[i], 0.5f));
        return StoredEmbeddings.withCentroid(Identity.newBuilder().setIdentityId(id).setStatus(IdentityStatus.ACTIVE).setSource("auto")
                .setExemplars(kept).setFaceCount(1).setSightingCount(1)
                .setFirstSeen(T0).setLastSeen(T0).setCreatedAt(T0).setUpdatedAt(T0), centroid).build();
    }
}
