package io.facestream.topologies.views;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.schemas.registry.SchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.testkit.SortedMapStore;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views contract on its own: key layouts, the value serdes instances exchange, and the typed queries over
 * stores laid out as the topology writes them.
 */
class ViewsContractTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void anIdentitysEntriesSortByTimeAndNeverMixWithAnotherIdentitys() {
        List<String> keys = new ArrayList<>(List.of(
                Views.faceOfIdentity("id-1", T0.plusSeconds(10), "f2"),
                Views.faceOfIdentity("id-1", T0.plusMillis(5), "f1"),
                Views.faceOfIdentity("id-10", T0, "f3"),
                Views.sightingOfIdentity("id-1", T0.plusSeconds(100), "s1")));
        keys.sort(null);
        assertThat(keys.get(0)).endsWith("f1");
        assertThat(keys.get(1)).endsWith("f2");
        assertThat(keys.stream().filter(k -> k.startsWith(Views.ofIdentity("id-1")))).hasSize(3);
        assertThat(keys.stream().filter(k -> k.startsWith(Views.ofIdentity("id-10")))).hasSize(1);
    }

    @Test
    void recentAlertKeysSortByEventTimeAndCarryIt() {
        String early = Views.recentAlert(alert("a1", "poi-1", T0));
        String late = Views.recentAlert(alert("a0", "poi-1", T0.plus(Duration.ofDays(400))));
        assertThat(early).isLessThan(late);
        assertThat(Views.recentAlertTime(late)).isEqualTo(T0.plus(Duration.ofDays(400)).toEpochMilli());
        assertThat(Views.recentAlert(alert("x", "p", Instant.ofEpochMilli(-5)))).startsWith("0000000000000000000:");
    }

    @Test
    void aPersonsSightingsAreFiledUnderTheirBoundIdentityOrOneDerivedFromTheirId() {
        assertThat(Views.identityOf(person("p-1", null))).isEqualTo(Views.identityOf(person("p-1", null)))
                .isNotEqualTo(Views.identityOf(person("p-2", null)));
        assertThat(Views.identityOf(person("p-1", "id-9"))).isEqualTo("id-9");
    }

    @Test
    void faceIdsAndChunkKeysOfSeed000() {
        assertThat(Views.face("file-1", 12, 3)).as("ingest's crop id").isEqualTo("file-1:12:3").startsWith(Views.framePrefix("file-1", 12));
        assertThat(Views.face("file-1", 120, 0)).doesNotStartWith(Views.framePrefix("file-1", 12));
        assertThat(Views.faceIndex("cam:7:1:10")).isEqualTo(10);
        List<String> keys = new ArrayList<>(List.of(Views.chunkOfFile("film", 10), Views.chunkOfFile("film-2", 0), Views.chunkOfFile("film", 2)));
        keys.sort(Comparator.naturalOrder());
        assertThat(keys).containsExactly(Views.chunkOfFile("film", 2), Views.chunkOfFile("film", 10), Views.chunkOfFile("film-2", 0));
        assertThat(keys.stream().filter(k -> k.startsWith(Views.ofFile("film")))).hasSize(2);
        assertThat(Views.chunkOfId("film:a:3")).contains(Views.chunkOfFile("film:a", 3));
        assertThat(Views.chunkOfId("film")).isEmpty();
        assertThat(Views.chunkOfId("film:x")).isEmpty();
        assertThat(Views.routable("catalog-chunks")).contains(Views.CHUNKS);
    }

    @Test
    void onlyViewsAreRoutableAndEachValueSurvivesTheTripBetweenInstances() {
        assertThat(Views.routable("faces")).contains(Views.FACES);
        assertThat(Views.routable("resolution-tracks")).as("internal state is no view").isEmpty();
        assertThat(Views.routable("../faces")).isEmpty();
        assertThat(Views.changelog("app", "faces")).isEqualTo("app-faces-changelog");

        AvroSerdes serdes = new AvroSerdes(new InMemoryRegistry());
        Camera camera = Camera.newBuilder().setCameraId("cam-1").setName("Door").setUrl("rtsp://h/s").setEnabled(true)
                .setCreatedAt(T0).setUpdatedAt(T0).build();
        Heartbeat heartbeat = Heartbeat.newBuilder().setCameraId("cam-1").setWorker("w").setStatus(WorkerState.ONLINE)
                .setMeasuredFps(9.5).setTimestamp(T0).build();
        roundTrip(Views.CAMERAS, serdes, new CameraState(camera, heartbeat));
        roundTrip(Views.CAMERAS, serdes, new CameraState(camera, null));
        VideoFile file = VideoFile.newBuilder().setFileId("f").setName("f.mp4").setPath("/v/f.mp4").setFps(25).setDurationMs(1000)
                .setFrameCount(25).setWidth(640).setHeight(360).setBaseTime(T0).setStatus(FileStatus.COMPLETED).setProgress(1f)
                .setFramesProcessed(25L).setFacesDetected(3).setRegisteredAt(T0).setUpdatedAt(T0).build();
        roundTrip(Views.FILES, serdes, new FileView(file, new FileSummary(2, 7, Map.of("id-1", 2), T0, T0.plusSeconds(3))));
        roundTrip(Views.FILES, serdes, new FileView(file, FileSummary.EMPTY));
        roundTrip(Views.FACES, serdes, face("f1", "id-1", T0));
        roundTrip(Views.RECENT_ALERTS, serdes, alert("a", "poi", T0));
        roundTrip(Views.RECENT_ALERT_COUNTS, serdes, 42L);
        roundTrip(Views.ALERT_ACKS, serdes, io.facestream.schemas.avro.AlertAck.newBuilder().setAlertId("poi:trk")
                .setAcknowledgedBy("ops").setAcknowledgedAt(T0).setNote(null).build());
        roundTrip(Views.RECENT_ALERT_IDS, serdes, Views.recentAlert(alert("a", "poi", T0)));
        roundTrip(Views.FACES_BY_IDENTITY, serdes, "f1");
    }

    @Test
    void typedQueriesReadAnIdentitysFacesSightingsAndThumbnails() {
        Map<String, SortedMapStore<?>> stores = new HashMap<>();
        SortedMapStore<Face> faces = new SortedMapStore<>();
        SortedMapStore<String> facesByIdentity = new SortedMapStore<>();
        SortedMapStore<Sighting> sightings = new SortedMapStore<>();
        SortedMapStore<String> sightingsByIdentity = new SortedMapStore<>();
        stores.put(Views.FACES.name(), faces);
        stores.put(Views.FACES_BY_IDENTITY.name(), facesByIdentity);
        stores.put(Views.SIGHTINGS.name(), sightings);
        stores.put(Views.SIGHTINGS_BY_IDENTITY.name(), sightingsByIdentity);
        for (Face f : List.of(face("f-late", "id-1", T0.plusSeconds(9)), face("f-early", "id-1", T0), face("f-other", "id-10", T0))) {
            faces.put(f.getFaceId(), f);
            facesByIdentity.put(Views.faceOfIdentity(f.getIdentityId(), f.getTimestamp(), f.getFaceId()), f.getFaceId());
        }
        Sighting s1 = sighting("t-1", "id-1", T0, "f-early");
        Sighting moved = sighting("t-2", "id-10", T0.plusSeconds(1), "f-late"); // its old index entry is still under id-1
        sightings.put("t-1", s1).put("t-2", moved);
        sightingsByIdentity.put(Views.sightingOfIdentity("id-1", T0, "t-1"), "t-1")
                .put(Views.sightingOfIdentity("id-1", T0.plusSeconds(1), "t-2"), "t-2");

        ViewQueries queries = new ViewQueries(stores::get, Duration.ofSeconds(10), Clock.fixed(T0, ZoneOffset.UTC));
        assertThat(queries.facesOf("id-1")).extracting(Face::getFaceId).containsExactly("f-early", "f-late");
        assertThat(queries.facesOf("id-10")).extracting(Face::getFaceId).containsExactly("f-other");
        assertThat(queries.sightingsOf("id-1")).extracting(Sighting::getSightingId).containsExactly("t-1");
        assertThat(queries.thumbnailFace("t-1")).get().extracting(Face::getFaceId).isEqualTo("f-early");
        assertThat(queries.thumbnailFace("f-other")).get().extracting(Face::getFaceId).isEqualTo("f-other");
        assertThat(queries.thumbnailFace("nothing")).isEmpty();
    }

    @Test
    void recentAlertsAreCountedAndSeenClearedUpToATime() {
        SortedMapStore<PoiAlert> alerts = new SortedMapStore<>();
        for (int i = 0; i < 5; i++) {
            PoiAlert a = alert("a" + i, "poi", T0.plusSeconds(i));
            alerts.put(Views.recentAlert(a), a);
        }
        ViewQueries queries = new ViewQueries(name -> alerts, Duration.ofSeconds(10), Clock.systemUTC());
        assertThat(queries.recentAlerts(2)).extracting(PoiAlert::getAlertId).containsExactly("a4", "a3");
        assertThat(queries.recentAlertsUpTo(T0.plusSeconds(2))).isEqualTo(3);
        assertThat(queries.recentAlertsClearedUpTo(T0.plusSeconds(2))).isFalse();
        alerts.entries().keySet().removeIf(k -> Views.recentAlertTime(k) <= T0.plusSeconds(2).toEpochMilli());
        assertThat(queries.recentAlertsClearedUpTo(T0.plusSeconds(2))).isTrue();
        assertThat(queries.recentAlertsUpTo(T0.plusSeconds(2))).isZero();
    }

    private static <V> void roundTrip(View<V> view, AvroSerdes serdes, V value) {
        Serde<V> serde = view.serde(serdes);
        String topic = Views.changelog("app", view.name());
        assertThat(serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, value))).isEqualTo(value);
    }

    private static Person person(String id, String boundIdentity) {
        return Person.newBuilder().setPersonId(id).setName(id).setMetadata(Map.of()).setFaces(List.of())
                .setIdentityId(boundIdentity).setCreatedAt(T0).setUpdatedAt(T0).build();
    }

    private static Face face(String id, String identityId, Instant at) {
        return Face.newBuilder().setFaceId(id).setSourceId("cam-1").setSourceKind(SourceKind.CAMERA).setFrameNumber(1)
                .setTimestamp(at).setBbox(new BoundingBox(1f, 2f, 3f, 4f)).setDetectionScore(0.9f).setQuality(0.8f)
                .setIdentityId(identityId).setSimilarity(0.7f).setModelId("m").setEmbedding(List.of(1f, 0f))
                .setCropJpeg(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
    }

    private static Sighting sighting(String id, String identityId, Instant entry, String bestFace) {
        return Sighting.newBuilder().setSightingId(id).setTrackId(id).setSourceId("cam-1").setSourceKind(SourceKind.CAMERA)
                .setIdentityId(identityId).setMatchKind(MatchKind.IDENTITY).setSimilarity(0.8f).setEntryTime(entry)
                .setExitTime(entry.plusSeconds(1)).setEntryFrame(1).setExitFrame(2).setBestFaceId(bestFace)
                .setFaceCount(1).setFinal$(true).build();
    }

    private static PoiAlert alert(String id, String poiId, Instant at) {
        return PoiAlert.newBuilder().setAlertId(id).setPoiId(poiId).setPoiName(poiId).setSeverity(Severity.HIGH)
                .setEnrolledAt(T0).setPreviousMatchCount(0).setCameraId("cam-1").setSourceId("cam-1").setTrackId("t")
                .setTimestamp(at).setConfidence(0.9f).setSimilarity(0.7f).setBbox(new BoundingBox(1f, 2f, 3f, 4f))
                .setFrameNumber(7).build();
    }

    /** A registry in memory: global ids in registration order; a subject's latest is what was last registered under it. */
    private static final class InMemoryRegistry implements SchemaRegistryClient {
        private final List<Schema> schemas = new ArrayList<>();
        private final Map<String, Registered> latest = new HashMap<>();

        @Override
        public synchronized int register(String subject, Schema schema) {
            int id = schemas.indexOf(schema) + 1;
            if (id == 0) {
                schemas.add(schema);
                id = schemas.size();
            }
            Registered previous = latest.get(subject);
            if (previous == null || previous.id() != id) {
                latest.put(subject, new Registered(subject, previous == null ? 1 : previous.version() + 1, id, schema));
            }
            return id;
        }

        @Override
        public synchronized Schema byId(int id) {
            return schemas.get(id - 1);
        }

        @Override
        public synchronized Registered latest(String subject) {
            return latest.get(subject);
        }

        @Override
        public boolean isCompatible(String subject, Schema schema) {
            return true;
        }
    }
}
