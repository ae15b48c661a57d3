package io.facestream.topologies.identity;

import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackResolution;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.VectorStore;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An identity's exemplars and a live track's best faces name their faces instead of carrying their embeddings (the
 * faces view holds those): the records stay small, a restart (the resolver built again on the same stores, reading
 * the embeddings back from the faces view) decides exactly what a resolver that never stopped decides, and records
 * written before (exemplars and track faces carrying their embeddings) are read as they are. Real embeddings: the
 * models' of the labelled sample people; identity resolution itself, on in-memory stores.
 */
class ExemplarReferencesTest {
    private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
    private static final List<List<float[]>> people = new ArrayList<>();
    private static PipelineSettings settings;

    @TempDir
    Path dir;
    private final List<Resolution> opened = new ArrayList<>();

    @BeforeAll
    static void embed() throws Exception {
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            settings = PipelineSettings.defaults(analyzer.thresholds());
            people.addAll(IdentityIndexRealFacesTest.samplePeople(analyzer).values().stream().filter(shots -> shots.size() >= 4).toList());
        }
        assertThat(people).as("sample people with four shots or more").hasSizeGreaterThanOrEqualTo(6);
    }

    @AfterEach
    void close() {
        opened.forEach(Resolution::close);
    }

    @Test
    void exemplarsAndALiveTracksFacesNameTheirFacesAndTheIdentityStaysSmall() {
        Resolution r = open("small");
        String first = r.track("t1", 0, 0, 1, 2, 3);
        assertThat(r.track("t2", 1, 0, 1, 2)).as("another person").isNotEqualTo(first);
        assertThat(r.track("t3", 0, 3, 2)).as("the first person again").isEqualTo(first);
        r.openTrack("t4", 2, 0, 1, 2);

        Identity identity = r.identities.get(first);
        assertThat(identity.getExemplars()).hasSizeGreaterThanOrEqualTo(5);
        for (Exemplar x : identity.getExemplars()) {
            assertThat(StoredEmbeddings.holdsEmbedding(x)).as("exemplar " + x.getFaceId() + " is a reference").isFalse();
            assertThat(r.faces.get(x.getFaceId())).as("its face is in the faces view").isNotNull();
        }
        float[] expected = IdentityResolver.centroid(identity.getExemplars(), x -> StoredEmbeddings.of(r.faces.get(x.getFaceId())));
        assertThat(StoredEmbeddings.centroidOf(identity)).as("the centroid of the faces' own embeddings").containsExactly(expected);
        int bytes = bytes(identity);
        int carried = bytes(withEmbeddings(identity, r.faces));
        assertThat(bytes).as("the identity record without its exemplars' embeddings").isLessThan(3_000);
        assertThat(carried - bytes).as("what carrying them would add").isGreaterThanOrEqualTo(identity.getExemplars().size() * 2048);

        TrackResolution live = r.tracks.get("t4");
        assertThat(live.getFaces()).hasSize(3).allSatisfy(x -> assertThat(StoredEmbeddings.holdsEmbedding(x)).isFalse());
        assertThat(bytes(live)).as("a live track's state without its faces' embeddings").isLessThan(600);
    }

    @Test
    void aResolverStartedAgainOnItsStoresDecidesWhatOneThatNeverStoppedDecides() {
        Resolution kept = open("kept");
        Resolution restarted = open("restarted");
        for (Resolution r : List.of(kept, restarted)) {
            r.track("a", 0, 0, 1);
            r.track("b", 1, 0, 1, 2);
            r.track("c", 2, 0);
            r.openTrack("d", 3, 0, 1);
        }
        restarted.restart(); // its decoded embeddings are gone: they are read back from the faces view
        for (Resolution r : List.of(kept, restarted)) {
            r.endTrack("d", 3, 0, 1);
            r.track("e", 0, 2, 3);
            r.track("f", 1, 3);
            r.track("g", 4, 0, 1);
        }
        assertThat(restarted.sightings()).isEqualTo(kept.sightings());
        assertThat(restarted.identities()).isEqualTo(kept.identities());
        assertThat(kept.sightings().values().stream().map(Sighting::getIdentityId).distinct()).as("five people, five identities").hasSize(5);
    }

    @Test
    void recordsWrittenBeforeCarryTheirEmbeddingsAndAreReadAsTheyAre() {
        Resolution current = open("current");
        Resolution old = open("old");
        for (Resolution r : List.of(current, old)) {
            r.track("a", 0, 0, 1, 2);
            r.track("b", 1, 0, 1);
            r.openTrack("c", 2, 0, 1, 2);
        }
        // the old form: every exemplar and the live track's faces carry their embeddings, and the faces view no longer
        // has them, so only the records themselves can give them
        List<String> faceIds = new ArrayList<>();
        try (KeyValueIterator<String, Identity> it = old.identities.all()) {
            it.forEachRemaining(kv -> old.identities.put(kv.key, withEmbeddings(kv.value, old.faces)));
        }
        TrackResolution live = old.tracks.get("c");
        old.tracks.put("c", TrackResolution.newBuilder(live).setFaces(carrying(live.getFaces(), old.faces)).build());
        try (KeyValueIterator<String, Face> it = old.faces.all()) {
            it.forEachRemaining(kv -> faceIds.add(kv.key));
        }
        faceIds.forEach(old.faces::delete);
        old.restart();

        for (Resolution r : List.of(current, old)) {
            r.endTrack("c", 2, 0, 1, 2);
            r.track("d", 0, 3);
            r.track("e", 1, 2, 3);
        }
        assertThat(old.sightings()).isEqualTo(current.sightings());
        assertThat(old.sightings().get("d").getIdentityId()).as("a later track joins an identity of the old form")
                .isEqualTo(old.sightings().get("a").getIdentityId());
        Identity before = old.identities.get(old.sightings().get("a").getIdentityId());
        Identity now = current.identities.get(old.sightings().get("a").getIdentityId());
        assertThat(StoredEmbeddings.centroidOf(before)).as("the same centroid from carried and referenced embeddings")
                .containsExactly(StoredEmbeddings.centroidOf(now));
        assertThat(before.getExemplars()).as("old exemplars kept as they are, the new face's a reference")
                .anySatisfy(x -> assertThat(StoredEmbeddings.holdsEmbedding(x)).isTrue())
                .anySatisfy(x -> assertThat(StoredEmbeddings.holdsEmbedding(x)).isFalse());
    }

    @Test
    void aFaceDeletedWhileItsTrackIsLiveLeavesTheTracksDecisionsAndItsIdentity() {
        Resolution r = open("deleted");
        String identity = r.track("a", 0, 0, 1);
        r.openTrack("b", 0, 2, 3, 1); // the same person again: joins at its first update
        assertThat(r.identities.get(identity).getExemplars()).extracting(Exemplar::getFaceId).contains("b:0", "b:1");
        r.deleteFaces("b:1");
        assertThat(r.faces.get("b:1")).isNull();
        assertThat(r.identities.get(identity).getExemplars()).extracting(Exemplar::getFaceId).doesNotContain("b:1");
        r.endTrack("b", 0, 2, 3, 1);
        Sighting b = r.sightings().get("b");
        assertThat(b.getIdentityId()).as("decided on the faces left").isEqualTo(identity);
        assertThat(b.getBestFaceId()).isNotNull();

        // every embedded face of a live track deleted: nothing left to recognise, so no sighting, and its state goes
        r.openTrack("c", 1, 0, 1);
        String other = r.sightingsIncludingLive().get("c").getIdentityId();
        r.deleteFaces("c:0", "c:1");
        r.endTrack("c", 1, 0, 1);
        assertThat(r.sightings()).doesNotContainKey("c");
        assertThat(r.tracks.get("c")).isNull();
        assertThat(r.identities.get(other).getExemplars()).isEmpty();
    }

    // ---- the resolver on in-memory stores ----

    private Resolution open(String name) {
        Resolution r = new Resolution(dir.resolve(name));
        opened.add(r);
        return r;
    }

    private static final class Resolution {
        final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
        final KeyValueStore<String, Identity> identities = store(Views.IDENTITIES.name(), avro(Identity.class));
        final KeyValueStore<String, Face> faces = store(Views.FACES.name(), avro(Face.class));
        final KeyValueStore<String, TrackResolution> tracks = store(IdentityResolver.TRACKS, avro(TrackResolution.class));
        final VectorStore vectors;
        IdentityResolver resolver;
        long time;

        Resolution(Path dir) {
            store(Views.SIGHTINGS.name(), avro(Sighting.class));
            for (String name : List.of(Views.FACES_BY_IDENTITY.name(), Views.SIGHTINGS_BY_IDENTITY.name(), Views.IDENTITIES_BY_LAST_SEEN.name(),
                    Views.FACES_BY_TIME.name(), Views.IDENTITIES_BY_NAME.name(), Views.IDENTITIES_BY_PERSON.name())) {
                store(name, Serdes.String());
            }
            for (String name : List.of(Views.IDENTITY_STATS.name(), Views.ALERT_COUNTS.name(), IdentityResolver.UNKNOWN_COOLDOWN)) {
                store(name, Serdes.Long());
            }
            CommitHook hook = new CommitHook(CommitHook.RESOLUTION); // no commits here: close() applies the faces' writes
            hook.init(context.getStateStoreContext(), hook);
            context.addStateStore(hook);
            vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir));
            vectors.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
            start();
        }

        private void start() {
            resolver = new IdentityResolver(settings, new Gallery(), vectors);
            resolver.init(context);
        }

        /** The resolver closed and built again on the same stores (what a restart's restored stores give it). */
        void restart() {
            resolver.close();
            start();
        }

        void close() {
            resolver.close();
            vectors.close();
        }

        /** A whole track of the person's shots; the identity its final sighting names. */
        String track(String trackId, int person, int... shots) {
            openTrack(trackId, person, shots);
            endTrack(trackId, person, shots);
            return sightings().get(trackId).getIdentityId();
        }

        /** A track's start, faces and the update after its first face, as tracking and embedding send them. */
        void openTrack(String trackId, int person, int... shots) {
            process(ResolutionInput.newBuilder().setEvent(event(trackId, TrackEventType.STARTED, 1)).build());
            for (int k = 0; k < shots.length; k++) {
                FaceEmbedding.Builder face = FaceEmbedding.newBuilder().setCropId(trackId + ":" + k).setSourceId("cam-1").setTrackId(trackId)
                        .setTimestamp(T0.plusSeconds(time + k)).setModelId("test").setQuality(0.5f + 0.1f * (k % 4))
                        .setSourceKind(SourceKind.CAMERA).setCameraId("cam-1").setFrameNumber(time + k)
                        .setBbox(new BoundingBox(10f, 10f, 112f, 112f)).setDetectionScore(0.9f);
                process(ResolutionInput.newBuilder().setEmbedding(StoredEmbeddings.withEmbedding(face, people.get(person).get(shots[k])).build())
                        .setCropJpeg(ByteBuffer.wrap(new byte[]{1, 2, 3})).build());
                if (k == 0) process(ResolutionInput.newBuilder().setEvent(event(trackId, TrackEventType.UPDATED, 1)).build());
            }
        }

        void deleteFaces(String... faceIds) {
            resolver.process(new Record<>("cmd", IdentityCommand.newBuilder().setCommandId("delete-" + String.join(",", faceIds))
                    .setIdentityId("any").setType(IdentityCommandType.DELETE_FACES).setFaceIds(List.of(faceIds)).setIssuedAt(T0).build(),
                    T0.toEpochMilli() + time));
        }

        void endTrack(String trackId, int person, int... shots) {
            process(ResolutionInput.newBuilder().setEvent(event(trackId, TrackEventType.ENDED, shots.length)).build());
            time += 100;
        }

        private TrackEvent event(String trackId, TrackEventType type, int faces) {
            return TrackEvent.newBuilder().setTrackId(trackId).setSourceId("cam-1").setSourceKind(SourceKind.CAMERA).setCameraId("cam-1")
                    .setType(type).setTimestamp(T0.plusSeconds(time + faces)).setFirstSeen(T0.plusSeconds(time))
                    .setLastSeen(T0.plusSeconds(time + faces - 1)).setFirstFrame(time).setLastFrame(time + faces - 1)
                    .setBbox(new BoundingBox(10f, 10f, 112f, 112f)).setFaceCount(faces).setBestCropId(trackId + ":0").setBestQuality(0.5f)
                    .setBestCropRef(trackId + ":0").setEmbeddedCropIds(List.of()).build();
        }

        private void process(ResolutionInput in) {
            resolver.process(new Record<>("cam-1", in, T0.toEpochMilli() + time));
        }

        /** The latest sighting published so far (final or not), by track. */
        Map<String, Sighting> sightingsIncludingLive() {
            Map<String, Sighting> out = new TreeMap<>();
            for (var f : context.forwarded()) {
                if (f.record().value() instanceof Sighting s) out.put(s.getTrackId(), s);
            }
            return out;
        }

        /** The final sightings published so far, by track. */
        Map<String, Sighting> sightings() {
            Map<String, Sighting> out = new TreeMap<>();
            for (var f : context.forwarded()) {
                if (f.record().value() instanceof Sighting s && s.getFinal$()) out.put(s.getTrackId(), s);
            }
            return out;
        }

        Map<String, Identity> identities() {
            Map<String, Identity> out = new TreeMap<>();
            try (KeyValueIterator<String, Identity> it = identities.all()) {
                it.forEachRemaining(kv -> out.put(kv.key, kv.value));
            }
            return out;
        }

        private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
            return MockStores.inMemory(context, name, values);
        }
    }

    /** The identity as records before exemplar references held it: each exemplar with its face's embedding. */
    private static Identity withEmbeddings(Identity identity, KeyValueStore<String, Face> faces) {
        return Identity.newBuilder(identity).setExemplars(carrying(identity.getExemplars(), faces)).build();
    }

    private static List<Exemplar> carrying(List<Exemplar> exemplars, KeyValueStore<String, Face> faces) {
        return exemplars.stream().map(x -> StoredEmbeddings.exemplar(x.getFaceId(), StoredEmbeddings.of(faces.get(x.getFaceId())), x.getQuality())).toList();
    }

    private static <T extends SpecificRecord> int bytes(T record) {
        return avro(record.getClass()).serializer().serialize("size", record).length;
    }

    /** Avro binary without a registry: these stores never leave the test. */
    @SuppressWarnings("unchecked")
    private static <T> Serde<T> avro(Class<?> type) {
        Schema schema = SpecificData.get().getSchema(type);
        SpecificDatumWriter<T> writer = new SpecificDatumWriter<>(schema);
        SpecificDatumReader<T> reader = new SpecificDatumReader<>(schema);
        return Serdes.serdeFrom((topic, value) -> {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                writer.write(value, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, (topic, bytes) -> {
            try {
                return bytes == null ? null : reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
