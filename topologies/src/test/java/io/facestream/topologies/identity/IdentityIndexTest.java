package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
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

        assertThat(index.nearest(axis(3))).get().satisfies(n -> {
            assertThat(n.identityId()).as("an exemplar counts as much as the centroid").isEqualTo("a");
            assertThat(n.similarity()).isCloseTo(1, within(1e-6));
        });
        assertThat(index.nearest(axis(1))).get().extracting(IdentityIndex.Nearest::identityId).isEqualTo("b");
        assertThat(Matching.toIdentity(a, axis(3))).as("the API measures it the same way").isCloseTo(1, within(1e-6));
    }

    @Test
    void aRemovedOrReplacedIdentityIsNoLongerFound() {
        IdentityIndex index = new IdentityIndex();
        index.put(identity("a", axis(0)));
        index.put(identity("a", axis(2))); // its centroid moved
        assertThat(index.nearest(axis(0))).get().extracting(IdentityIndex.Nearest::similarity).isEqualTo(0.0);
        index.remove("a");
        assertThat(index.nearest(axis(2))).isEmpty();
    }

    @Test
    void anIdentityWithoutFacesMatchesNothing() {
        IdentityIndex index = new IdentityIndex();
        index.put(identity("empty", new float[0]));
        assertThat(index.nearest(axis(0))).isEmpty();
    }

    private static float[] axis(int i) {
        float[] v = new float[8];
        v[i] = 1;
        return v;
    }

    private static Identity identity(String id, float[] centroid, float[]... exemplars) {
        List<Exemplar> kept = new java.util.ArrayList<>();
        for (int i = 0; i < exemplars.length; i++) kept.add(new Exemplar(id + ":" + i, Embeddings.toList(exemplars[i]), 0.5f));
        return Identity.newBuilder().setIdentityId(id).setStatus(IdentityStatus.ACTIVE).setSource("auto")
                .setCentroid(centroid.length == 0 ? List.of() : Embeddings.toList(centroid)).setExemplars(kept).setFaceCount(1).setSightingCount(1)
                .setFirstSeen(T0).setLastSeen(T0).setCreatedAt(T0).setUpdatedAt(T0).build();
    }
}
