package io.facestream.topologies.gallery;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The gallery's matching logic: which person a face or a track is closest to and by how much. The vectors are
 * unit vectors along axes, so each expected similarity is known exactly (recognition quality itself is judged
 * on real faces elsewhere).
 */
class GalleryTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aFaceMatchesThePersonWithTheClosestReferenceFace() {
        Gallery gallery = new Gallery();
        gallery.put(person("ann", false, axis(0), axis(1)));
        gallery.put(person("bob", true, axis(2)));

        assertThat(gallery.best(mix(1, 0.8), false)).get().satisfies(m -> {
            assertThat(m.person().getPersonId()).isEqualTo("ann");
            assertThat(m.similarity()).as("the closer of her two faces").isCloseTo(1 / Math.hypot(1, 0.8), within(1e-6));
        });
        assertThat(gallery.best(axis(0), true)).get().extracting(m -> m.person().getPersonId()).isEqualTo("bob");
        assertThat(gallery.ranked(axis(2))).extracting(m -> m.person().getPersonId()).containsExactly("bob", "ann");
        assertThat(gallery.similarityTo("ann", axis(1)).getAsDouble()).isCloseTo(1, within(1e-6));
        assertThat(gallery.similarityTo("nobody", axis(1))).isEmpty();
    }

    @Test
    void onlyActivePoisAtOrAboveTheThresholdAlert() {
        Gallery gallery = new Gallery();
        gallery.put(person("poi", true, axis(0)));
        gallery.put(person("known", false, axis(0)));
        gallery.put(person("inactive", WatchlistStatus.INACTIVE, axis(0)));

        assertThat(gallery.poisAtLeast(axis(0), 0.99)).extracting(m -> m.person().getPersonId()).containsExactly("poi");
        assertThat(gallery.poisAtLeast(mix(1, 1), 0.8)).as("cos 45 degrees is under 0.8").isEmpty();
    }

    @Test
    void aTrackIsJudgedByItsFacesWeightedByQuality() {
        Gallery gallery = new Gallery();
        gallery.put(person("ann", false, axis(0)));
        gallery.put(person("bob", false, axis(1)));
        // one sharp face of Ann outweighs two blurred ones that look like Bob
        List<Gallery.WeightedFace> track = List.of(new Gallery.WeightedFace(axis(0), 0.9),
                new Gallery.WeightedFace(axis(1), 0.1), new Gallery.WeightedFace(axis(1), 0.1));
        assertThat(gallery.bestForTrack(track)).get().satisfies(m -> {
            assertThat(m.person().getPersonId()).isEqualTo("ann");
            assertThat(m.similarity()).isCloseTo(0.9 / 1.1, within(1e-6));
        });
        assertThat(gallery.bestForTrack(List.of())).isEmpty();
    }

    @Test
    void removingAndReplacingPeopleChangesWhatMatches() {
        Gallery gallery = new Gallery();
        gallery.put(person("ann", false, axis(0)));
        gallery.put(person("ann", false, axis(1))); // re-enrolled with another face
        assertThat(gallery.size()).isEqualTo(1);
        assertThat(gallery.similarityTo("ann", axis(0)).getAsDouble()).isCloseTo(0, within(1e-6));
        gallery.remove("ann");
        assertThat(gallery.best(axis(1), false)).isEmpty();
        assertThat(gallery.people()).isEmpty();
    }

    @Test
    void anotherModelsEmbeddingNeverMatches() {
        Gallery gallery = new Gallery();
        gallery.put(person("ann", false, axis(0)));
        assertThat(gallery.best(new float[] {1, 0}, false)).get().extracting(Gallery.Match::similarity).isEqualTo(-1.0);
        assertThat(Matching.toPerson(person("ann", false, axis(0)), new float[] {1})).isEqualTo(-1.0);
    }

    @Test
    void aRejectedFaceVetoesThePersonForFacesMoreLikeItThanLikeThem() {
        Person poi = person("ann", true, axis(0));
        Person ann = Person.newBuilder().setPersonId("ann").setName("ann").setMetadata(Map.of()).setFaces(poi.getFaces())
                .setWatchlist(new Watchlist(Severity.HIGH, WatchlistStatus.ACTIVE, null, T0))
                .setRejectedFaces(List.of(new io.facestream.schemas.avro.RejectedFace("seen-1", Embeddings.toList(mix(1, 1)), T0)))
                .setCreatedAt(T0).setUpdatedAt(T0).build();
        Gallery gallery = new Gallery();
        gallery.put(ann);
        // the rejected face itself, and one closer to it than to Ann's reference: no match, no alert
        for (float[] like : List.of(mix(1, 1), mix(1, 0.8))) {
            assertThat(gallery.similarityTo("ann", like).getAsDouble()).isEqualTo(Matching.NO_MATCH);
            assertThat(gallery.poisAtLeast(like, 0.1)).isEmpty();
            assertThat(gallery.bestForTrack(List.of(new Gallery.WeightedFace(like, 1)))).get()
                    .extracting(Gallery.Match::similarity).isEqualTo(Matching.NO_MATCH);
            assertThat(Matching.toPerson(ann, like)).isEqualTo(Matching.NO_MATCH);
        }
        // Ann's own face is still hers
        assertThat(gallery.similarityTo("ann", axis(0)).getAsDouble()).isCloseTo(1, within(1e-6));
        assertThat(gallery.poisAtLeast(axis(0), 0.9)).extracting(m -> m.person().getPersonId()).containsExactly("ann");
        assertThat(Matching.toPerson(ann, mix(1, 0.2))).isCloseTo(1 / Math.hypot(1, 0.2), within(1e-6));
    }

    static float[] axis(int i) {
        float[] v = new float[8];
        v[i] = 1;
        return v;
    }

    static float[] mix(double a, double b) {
        float[] v = new float[8];
        v[0] = (float) a;
        v[1] = (float) b;
        return Embeddings.normalise(v);
    }

    static Person person(String id, boolean poi, float[]... faces) {
        return person(id, poi ? WatchlistStatus.ACTIVE : null, faces);
    }

    /** @param watchlist the watch-list status; null for a known person who is no POI */
    static Person person(String id, WatchlistStatus watchlist, float[]... faces) {
        List<ReferenceFace> references = new java.util.ArrayList<>();
        for (int i = 0; i < faces.length; i++) {
            references.add(new ReferenceFace(id + ":" + i, null, Embeddings.toList(faces[i]), "test-model", 0.9f, T0));
        }
        return Person.newBuilder().setPersonId(id).setName(id).setMetadata(Map.of()).setFaces(references)
                .setWatchlist(watchlist == null ? null : new Watchlist(Severity.HIGH, watchlist, null, T0))
                .setCreatedAt(T0).setUpdatedAt(T0).build();
    }
}
