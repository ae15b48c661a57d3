package io.facestream.topologies.views;

import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.TopicSpec;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.catalog.CatalogViews;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog views on Kafka Streams' TopologyTestDriver (the real topology and RocksDB
 * stores, without a Streams instance), with Avro serdes on a real embedded schema
 * registry over the shared test broker, read through {@link ViewQueries}.
 */
class CatalogViewsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration STALENESS = Duration.ofSeconds(10);
    private static AvroSerdes serdes;

    @TempDir
    Path stateDir;
    private TopologyTestDriver driver;

    @BeforeAll
    static void registry() throws Exception {
        serdes = new AvroSerdes(new RestSchemaRegistryClient(ViewsKafka.registryUrl()));
    }

    @BeforeEach
    void startDriver() {
        StreamsBuilder builder = new StreamsBuilder();
        // the alerts topic stands for both inputs here: POI alerts as raised, and identity resolution's unknown-face candidates
        org.apache.kafka.streams.kstream.KStream<String, PoiAlert> raised = builder.stream(Topics.POI_ALERTS,
                org.apache.kafka.streams.kstream.Consumed.with(org.apache.kafka.common.serialization.Serdes.String(), serdes.of(PoiAlert.class)));
        CatalogViews.addTo(builder, serdes, raised.filter((k, a) -> a.getKind() == io.facestream.schemas.avro.AlertKind.POI),
                raised.filter((k, a) -> a.getKind() == io.facestream.schemas.avro.AlertKind.UNKNOWN));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "catalog-views-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    // ---- cameras ----

    @Test
    void camerasWithAndWithoutHeartbeats() {
        pipe(Topics.CAMERAS, "cam-a", camera("cam-a", "Entrance"));
        pipe(Topics.CAMERAS, "cam-b", camera("cam-b", "Yard"));
        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.ONLINE, 9.5, T0, null));
        pipe(Topics.HEARTBEATS, "ghost", heartbeat("ghost", WorkerState.ONLINE, 5, T0, null));

        List<CameraStatus> cameras = queriesAt(T0.plusSeconds(2)).cameras();
        assertThat(cameras).extracting(CameraStatus::cameraId).as("by id; heartbeats alone add no camera").containsExactly("cam-a", "cam-b");
        CameraStatus a = cameras.get(0);
        assertThat(a.camera().getName()).isEqualTo("Entrance");
        assertThat(a.status()).isEqualTo(WorkerState.ONLINE);
        assertThat(a.measuredFps()).isEqualTo(9.5);
        assertThat(a.lastHeartbeat()).isEqualTo(T0);
        assertThat(a.lastFrameTime()).isEqualTo(T0.minusMillis(100));
        assertThat(a.worker()).isEqualTo("host-1/42");
        assertThat(cameras.get(1)).isEqualTo(new CameraStatus(camera("cam-b", "Yard"), WorkerState.OFFLINE, 0, null, null, null, null));

        // An edited camera keeps its worker's status; an ERROR heartbeat carries its message.
        pipe(Topics.CAMERAS, "cam-a", camera("cam-a", "Front door"));
        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.ERROR, 0, T0.plusSeconds(1), "decode failed"));
        CameraStatus edited = queriesAt(T0.plusSeconds(2)).camera("cam-a").orElseThrow();
        assertThat(edited.camera().getName()).isEqualTo("Front door");
        assertThat(edited.status()).isEqualTo(WorkerState.ERROR);
        assertThat(edited.lastError()).isEqualTo("decode failed");
        assertThat(queriesAt(T0).camera("ghost")).isEmpty();
    }

    @Test
    void aStaleHeartbeatReadsOfflineButStoppedStays() {
        pipe(Topics.CAMERAS, "cam-a", camera("cam-a", "Entrance"));
        pipe(Topics.CAMERAS, "cam-b", camera("cam-b", "Yard"));
        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.ONLINE, 10, T0, null));
        pipe(Topics.HEARTBEATS, "cam-b", heartbeat("cam-b", WorkerState.STOPPED, 0, T0, null));

        assertThat(queriesAt(T0.plus(STALENESS)).camera("cam-a").orElseThrow().status()).as("exactly at the limit").isEqualTo(WorkerState.ONLINE);
        CameraStatus stale = queriesAt(T0.plus(STALENESS).plusMillis(1)).camera("cam-a").orElseThrow();
        assertThat(stale.status()).isEqualTo(WorkerState.OFFLINE);
        assertThat(stale.lastHeartbeat()).as("the last word is still reported").isEqualTo(T0);
        assertThat(queriesAt(T0.plus(Duration.ofHours(1))).camera("cam-b").orElseThrow().status()).isEqualTo(WorkerState.STOPPED);

        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.ONLINE, 10, T0.plusSeconds(30), null));
        assertThat(queriesAt(T0.plusSeconds(31)).camera("cam-a").orElseThrow().status()).as("fresh again").isEqualTo(WorkerState.ONLINE);
    }

    @Test
    void aCameraTombstoneRemovesIt() {
        pipe(Topics.CAMERAS, "cam-a", camera("cam-a", "Entrance"));
        pipe(Topics.CAMERAS, "cam-b", camera("cam-b", "Yard"));
        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.ONLINE, 10, T0, null));
        pipe(Topics.CAMERAS, "cam-a", null);
        pipe(Topics.HEARTBEATS, "cam-a", heartbeat("cam-a", WorkerState.STOPPED, 0, T0.plusSeconds(1), null));

        ViewQueries queries = queriesAt(T0.plusSeconds(2));
        assertThat(queries.camera("cam-a")).isEmpty();
        assertThat(queries.cameras()).extracting(CameraStatus::cameraId).containsExactly("cam-b");
    }

    // ---- files ----

    @Test
    void aSightingUpdatedThreeTimesCountsOnce() {
        pipe(Topics.FILES, "f1", file("f1", FileStatus.PROCESSING, 0.5f));
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-1", "id-1", 3, T0, T0.plusSeconds(1), false));
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-1", "id-1", 5, T0, T0.plusSeconds(2), false));
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-1", "id-1", 8, T0, T0.plusSeconds(3), true));
        // Late non-final copy of a finished sighting: the final version stands.
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-1", "id-1", 4, T0, T0.plusSeconds(2), false));
        pipe(Topics.SIGHTINGS, "id-2", sighting("f1", "trk-2", "id-2", 2, T0.plusSeconds(5), T0.plusSeconds(6), true));
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-3", "id-1", 1, T0.plusSeconds(7), T0.plusSeconds(7), false));
        // A live camera's sighting has no file and stays out of every file.
        pipe(Topics.SIGHTINGS, "id-3", sighting(null, "trk-9", "id-3", 50, T0.minusSeconds(60), T0.plusSeconds(60), true));

        FileView f1 = queriesAt(T0).file("f1").orElseThrow();
        assertThat(f1.file().getProgress()).isEqualTo(0.5f);
        assertThat(f1.summary()).isEqualTo(new FileSummary(3, 11, Map.of("id-1", 2, "id-2", 1), T0, T0.plusSeconds(7)));
        assertThat(f1.summary().identities()).isEqualTo(2);

        // A new replay record keeps the summary.
        pipe(Topics.FILES, "f1", file("f1", FileStatus.COMPLETED, 1f));
        FileView done = queriesAt(T0).file("f1").orElseThrow();
        assertThat(done.file().getStatus()).isEqualTo(FileStatus.COMPLETED);
        assertThat(done.summary().sightings()).isEqualTo(3);
        assertThat(done.summary().faces()).isEqualTo(11);
    }

    @Test
    void aReplayThatStoppedHeartBeatingReadsStaleButFinishedFilesStay() {
        pipe(Topics.FILES, "running", file("running", FileStatus.PROCESSING, 0.4f));
        pipe(Topics.FILES, "partial", file("partial", FileStatus.PARTIAL, 0.5f));
        Duration silent = STALENESS.plus(ViewQueries.FILE_HEARTBEAT);
        assertThat(queriesAt(T0.plus(silent)).file("running").orElseThrow().file().getStatus()).isEqualTo(FileStatus.PROCESSING);
        FileView stale = queriesAt(T0.plus(silent).plusMillis(1)).file("running").orElseThrow();
        assertThat(stale.file().getStatus()).isEqualTo(FileStatus.STALE);
        assertThat(stale.file().getError()).contains("no heartbeat from its replay since " + T0);
        assertThat(queriesAt(T0.plus(Duration.ofDays(1))).files()).extracting(f -> f.file().getStatus())
                .containsExactlyInAnyOrder(FileStatus.STALE, FileStatus.PARTIAL);
        // a beat brings it back
        pipe(Topics.FILES, "running", VideoFile.newBuilder(file("running", FileStatus.PROCESSING, 0.4f)).setUpdatedAt(T0.plus(Duration.ofDays(1))).build());
        assertThat(queriesAt(T0.plus(Duration.ofDays(1))).file("running").orElseThrow().file().getStatus()).isEqualTo(FileStatus.PROCESSING);
    }

    @Test
    void sightingsOfTwoFilesDoNotMix() {
        // Sightings may arrive before their file's record: the join picks them up when it comes.
        pipe(Topics.SIGHTINGS, "id-1", sighting("f2", "trk-a", "id-1", 4, T0.plusSeconds(100), T0.plusSeconds(110), true));
        pipe(Topics.FILES, "f1", file("f1", FileStatus.PROCESSING, 0.1f));
        pipe(Topics.FILES, "f2", file("f2", FileStatus.PROCESSING, 0.2f));
        pipe(Topics.FILES, "f3", file("f3", FileStatus.FAILED, 0f));
        pipe(Topics.SIGHTINGS, "id-1", sighting("f1", "trk-a", "id-1", 6, T0, T0.plusSeconds(20), true));
        pipe(Topics.SIGHTINGS, "id-2", sighting("f1", "trk-b", "id-2", 1, T0.plusSeconds(3), T0.plusSeconds(4), false));
        pipe(Topics.SIGHTINGS, "id-2", sighting("f2", "trk-c", "id-2", 2, T0.plusSeconds(90), T0.plusSeconds(95), false));

        List<FileView> files = queriesAt(T0).files();
        assertThat(files).extracting(FileView::fileId).containsExactly("f1", "f2", "f3");
        assertThat(files.get(0).summary()).isEqualTo(new FileSummary(2, 7, Map.of("id-1", 1, "id-2", 1), T0, T0.plusSeconds(20)));
        assertThat(files.get(1).summary()).isEqualTo(new FileSummary(2, 6, Map.of("id-1", 1, "id-2", 1), T0.plusSeconds(90), T0.plusSeconds(110)));
        assertThat(files.get(2).summary()).isEqualTo(FileSummary.EMPTY);
        assertThat(queriesAt(T0).file("nope")).isEmpty();
    }

    // ---- alerts ----

    @Test
    void recentAlertsNewestFirstLimitedAndCountedPerPoi() {
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-1", T0.plusSeconds(10)));
        pipe(Topics.POI_ALERTS, "poi-2", alert("poi-2", "trk-2", T0.plusSeconds(30)));
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-3", T0.plusSeconds(20)));
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-4", T0.plusSeconds(50)));
        pipe(Topics.POI_ALERTS, "poi-2", alert("poi-2", "trk-5", T0.plusSeconds(40)));
        // Redelivered: stored and counted once.
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-4", T0.plusSeconds(50)));

        ViewQueries queries = queriesAt(T0);
        assertThat(queries.recentAlerts(3)).extracting(PoiAlert::getAlertId).containsExactly("poi-1:trk-4", "poi-2:trk-5", "poi-2:trk-2");
        assertThat(queries.recentAlerts(50)).extracting(PoiAlert::getAlertId)
                .containsExactly("poi-1:trk-4", "poi-2:trk-5", "poi-2:trk-2", "poi-1:trk-3", "poi-1:trk-1");
        assertThat(queries.recentAlerts(0)).isEmpty();
        assertThat(queries.recentAlerts(1).get(0)).isEqualTo(alert("poi-1", "trk-4", T0.plusSeconds(50)));
        assertThat(queries.alertCount("poi-1")).isEqualTo(3);
        assertThat(queries.alertCount("poi-2")).isEqualTo(2);
        assertThat(queries.alertCount("poi-9")).isZero();
        assertThat(queries.alertCount()).isEqualTo(5);
    }

    @Test
    void aClearMarkerRemovesAlertsUpToItsTime() {
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-1", T0.plusSeconds(10)));
        pipe(Topics.POI_ALERTS, "poi-2", alert("poi-2", "trk-2", T0.plusSeconds(20)));
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-3", T0.plusSeconds(30)));

        ProducerRecord<String, Long> marker = Views.clearAlerts(T0.plusSeconds(20));
        assertThat(marker.topic()).isEqualTo(Topics.ALERT_CLEARS);
        driver.createInputTopic(marker.topic(), new StringSerializer(), new LongSerializer()).pipeInput(marker.key(), marker.value());

        ViewQueries queries = queriesAt(T0);
        assertThat(queries.recentAlerts(50)).extracting(PoiAlert::getAlertId).containsExactly("poi-1:trk-3");
        assertThat(queries.alertCount("poi-1")).isEqualTo(1);
        assertThat(queries.alertCount("poi-2")).isZero();
        assertThat(queries.alertCount()).isEqualTo(1);

        // The view remembers no clear: an alert arriving after the marker stays, even with an older event time
        // (a replay of old footage), and sorts by that time.
        pipe(Topics.POI_ALERTS, "poi-2", alert("poi-2", "trk-4", T0.plusSeconds(5)));
        assertThat(queries.recentAlerts(50)).extracting(PoiAlert::getAlertId).containsExactly("poi-1:trk-3", "poi-2:trk-4");

        driver.createInputTopic(Topics.ALERT_CLEARS, new StringSerializer(), new LongSerializer())
                .pipeInput(Views.CLEAR_KEY, T0.plus(Duration.ofDays(1)).toEpochMilli());
        assertThat(queries.recentAlerts(50)).isEmpty();
        assertThat(queries.alertCount()).isZero();
    }

    @Test
    void anUnknownFaceCandidateBecomesAnAlertOnlyAtACameraThatAsksForIt() {
        pipe(Topics.CAMERAS, "cam-a", Camera.newBuilder(camera("cam-a", "Entrance")).setUnknownFaceAlerts(true).build());
        pipe(Topics.CAMERAS, "cam-b", camera("cam-b", "Yard"));
        pipe(Topics.POI_ALERTS, "id-1", unknown("id-1", "trk-1", "cam-a", T0.plusSeconds(10)));
        pipe(Topics.POI_ALERTS, "id-2", unknown("id-2", "trk-2", "cam-b", T0.plusSeconds(20)));
        pipe(Topics.POI_ALERTS, "id-3", unknown("id-3", "trk-3", "cam-gone", T0.plusSeconds(30)));
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-4", T0.plusSeconds(40)));

        ViewQueries queries = queriesAt(T0);
        assertThat(queries.recentAlerts(50)).extracting(PoiAlert::getAlertId).containsExactly("poi-1:trk-4", "id-1:trk-1");
        assertThat(queries.recentAlerts(50).get(1).getKind()).isEqualTo(io.facestream.schemas.avro.AlertKind.UNKNOWN);
        assertThat(queries.alertCount("id-1")).isEqualTo(1);

        // the camera's option as it is when the candidate comes decides
        pipe(Topics.CAMERAS, "cam-a", camera("cam-a", "Entrance"));
        pipe(Topics.POI_ALERTS, "id-1", unknown("id-1", "trk-5", "cam-a", T0.plusSeconds(50)));
        assertThat(queries.recentAlerts(50)).extracting(PoiAlert::getAlertId).containsExactly("poi-1:trk-4", "id-1:trk-1");
    }

    private static PoiAlert unknown(String identityId, String trackId, String cameraId, Instant at) {
        return PoiAlert.newBuilder(alert(identityId, trackId, at)).setKind(io.facestream.schemas.avro.AlertKind.UNKNOWN)
                .setIdentityId(identityId).setSeverity(Severity.LOW).setCameraId(cameraId).setSourceId(cameraId).build();
    }

    @Test
    void acknowledgementsSitBesideTheirAlertsUntilWithdrawnOrCleared() {
        pipe(Topics.POI_ALERTS, "poi-1", alert("poi-1", "trk-1", T0.plusSeconds(10)));
        pipe(Topics.POI_ALERTS, "poi-2", alert("poi-2", "trk-2", T0.plusSeconds(20)));
        ViewQueries queries = queriesAt(T0);
        assertThat(queries.recentAlert("poi-1:trk-1")).map(a -> a.alert().getTrackId()).contains("trk-1");
        assertThat(queries.recentAlert("poi-1:nope")).isEmpty();

        AlertAck ack = AlertAck.newBuilder().setAlertId("poi-1:trk-1").setAcknowledgedBy("ops")
                .setAcknowledgedAt(T0.plusSeconds(60)).setNote("guard sent").build();
        ProducerRecord<String, AlertAck> command = Views.acknowledge(ack);
        assertThat(command.topic()).isEqualTo(Topics.ALERT_ACKS);
        pipe(command.topic(), command.key(), command.value());
        // an acknowledgement of an alert the view does not hold is not kept
        pipe(Topics.ALERT_ACKS, "poi-9:trk-9", AlertAck.newBuilder(ack).setAlertId("poi-9:trk-9").build());

        assertThat(queries.acknowledgement("poi-1:trk-1")).contains(ack);
        assertThat(queries.acknowledgement("poi-9:trk-9")).isEmpty();
        assertThat(queries.recentAlert("poi-1:trk-1").orElseThrow().acknowledgement()).isEqualTo(ack);
        assertThat(queries.recentAlerts(50, null)).extracting(a -> a.alert().getAlertId() + "=" + a.acknowledged())
                .containsExactly("poi-2:trk-2=false", "poi-1:trk-1=true");
        assertThat(queries.recentAlerts(50, true)).extracting(a -> a.alert().getAlertId()).containsExactly("poi-1:trk-1");
        assertThat(queries.recentAlerts(50, false)).extracting(a -> a.alert().getAlertId()).containsExactly("poi-2:trk-2");
        assertThat(queries.recentAlerts(1, true)).hasSize(1);

        // withdrawn by a tombstone, then acknowledged again
        ProducerRecord<String, AlertAck> withdraw = Views.unacknowledge("poi-1:trk-1");
        pipe(withdraw.topic(), withdraw.key(), null);
        assertThat(queries.acknowledgement("poi-1:trk-1")).isEmpty();
        pipe(Topics.ALERT_ACKS, ack.getAlertId(), ack);
        assertThat(queries.acknowledgement("poi-1:trk-1")).contains(ack);

        // a clear takes the acknowledgements of the alerts it clears; one acknowledged after the clear is not kept
        driver.createInputTopic(Topics.ALERT_CLEARS, new StringSerializer(), new LongSerializer())
                .pipeInput(Views.CLEAR_KEY, T0.plusSeconds(15).toEpochMilli());
        assertThat(queries.acknowledgement("poi-1:trk-1")).isEmpty();
        assertThat(queries.recentAlert("poi-1:trk-1")).isEmpty();
        pipe(Topics.ALERT_ACKS, ack.getAlertId(), ack);
        assertThat(queries.acknowledgement("poi-1:trk-1")).isEmpty();
        assertThat(queries.recentAlerts(50, null)).extracting(a -> a.alert().getAlertId()).containsExactly("poi-2:trk-2");
    }

    @Test
    void anAlertsViewFromBeforeTheIdIndexIsIndexedWithinASecondOfStarting() {
        seedAlertsWithoutIndex();
        ViewQueries queries = queriesAt(T0);
        assertThat(queries.recentAlerts(50)).hasSize(2);
        assertThat(queries.recentAlert("poi-1:trk-1")).isEmpty();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(queries.recentAlert("poi-1:trk-1")).isPresent();
        assertThat(queries.recentAlert("poi-2:trk-2")).isPresent();
    }

    @Test
    void anAlertsViewFromBeforeTheIdIndexIsIndexedByItsFirstRecord() {
        seedAlertsWithoutIndex();
        AlertAck ack = AlertAck.newBuilder().setAlertId("poi-2:trk-2").setAcknowledgedBy("ops").setAcknowledgedAt(T0).build();
        pipe(Topics.ALERT_ACKS, ack.getAlertId(), ack);
        ViewQueries queries = queriesAt(T0);
        assertThat(queries.acknowledgement("poi-2:trk-2")).as("an alert from before the upgrade can be acknowledged").contains(ack);
        assertThat(queries.recentAlert("poi-1:trk-1")).isPresent();
    }

    /** The alerts view as the version before the id index wrote it: alerts, no index. */
    private void seedAlertsWithoutIndex() {
        org.apache.kafka.streams.state.KeyValueStore<String, PoiAlert> alerts = driver.getKeyValueStore(Views.RECENT_ALERTS.name());
        for (PoiAlert a : List.of(alert("poi-1", "trk-1", T0.plusSeconds(10)), alert("poi-2", "trk-2", T0.plusSeconds(20)))) {
            alerts.put(Views.recentAlert(a), a);
        }
    }

    @Test
    void theAckTopicIsInTheCatalogueCompacted() {
        TopicSpec acks = Topics.catalog(3, (short) 1).stream().filter(t -> t.name().equals(Topics.ALERT_ACKS)).findFirst().orElseThrow();
        assertThat(acks.partitions()).isEqualTo(1);
        assertThat(acks.compacted()).isTrue();
    }

    @Test
    void theClearTopicIsInTheCatalogueCompacted() {
        TopicSpec clears = Topics.catalog(3, (short) 1).stream().filter(t -> t.name().equals(Topics.ALERT_CLEARS)).findFirst().orElseThrow();
        assertThat(clears.partitions()).isEqualTo(1);
        assertThat(clears.compacted()).isTrue();
    }

    // ---- helpers ----

    private ViewQueries queriesAt(Instant now) {
        return new ViewQueries(driver::getKeyValueStore, STALENESS, Clock.fixed(now, ZoneOffset.UTC));
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> void pipe(String topic, String key, T value) {
        Class<T> type = (Class<T>) switch (topic) {
            case Topics.CAMERAS -> Camera.class;
            case Topics.HEARTBEATS -> Heartbeat.class;
            case Topics.FILES -> VideoFile.class;
            case Topics.SIGHTINGS -> Sighting.class;
            case Topics.POI_ALERTS -> PoiAlert.class;
            case Topics.ALERT_ACKS -> AlertAck.class;
            default -> throw new IllegalArgumentException(topic);
        };
        TestInputTopic<String, T> input = driver.createInputTopic(topic, new StringSerializer(), serdes.of(type).serializer());
        input.pipeInput(key, value);
    }

    private static Camera camera(String id, String name) {
        return Camera.newBuilder().setCameraId(id).setName(name).setUrl("rtsp://user:secret@10.0.0.5/stream")
                .setEnabled(true).setCreatedAt(T0).setUpdatedAt(T0).build();
    }

    private static Heartbeat heartbeat(String cameraId, WorkerState status, double fps, Instant sent, String error) {
        return Heartbeat.newBuilder().setCameraId(cameraId).setWorker("host-1/42").setStatus(status).setMeasuredFps(fps)
                .setLastFrameTime(sent.minusMillis(100)).setLastError(error).setTimestamp(sent).build();
    }

    private static VideoFile file(String id, FileStatus status, float progress) {
        return VideoFile.newBuilder().setFileId(id).setName(id + ".mp4").setPath("/videos/" + id + ".mp4").setFps(24)
                .setDurationMs(60_000).setFrameCount(1440).setWidth(1280).setHeight(720).setBaseTime(T0).setStatus(status)
                .setProgress(progress).setFramesProcessed((long) (progress * 600)).setFacesDetected(12)
                .setRegisteredAt(T0).setUpdatedAt(T0).build();
    }

    private static Sighting sighting(String fileId, String trackId, String identityId, int faces, Instant entry, Instant exit,
                                     boolean isFinal) {
        String source = fileId == null ? "cam-a" : fileId;
        return Sighting.newBuilder().setSightingId(trackId).setTrackId(trackId).setSourceId(source)
                .setSourceKind(fileId == null ? SourceKind.CAMERA : SourceKind.FILE).setCameraId(fileId == null ? source : null)
                .setFileId(fileId).setIdentityId(identityId).setMatchKind(MatchKind.IDENTITY).setSimilarity(0.8f)
                .setEntryTime(entry).setExitTime(exit).setEntryFrame(1).setExitFrame(2).setBestFaceId(trackId + ":best")
                .setFaceCount(faces).setFinal$(isFinal).build();
    }

    private static PoiAlert alert(String poiId, String trackId, Instant at) {
        return PoiAlert.newBuilder().setAlertId(poiId + ":" + trackId).setPoiId(poiId).setPoiName("Name of " + poiId)
                .setSeverity(Severity.HIGH).setEnrolledAt(T0.minus(Duration.ofDays(3))).setPreviousMatchCount(0)
                .setCameraId("cam-a").setSourceId("cam-a").setTrackId(trackId).setTimestamp(at).setConfidence(0.9f)
                .setSimilarity(0.7f).setBbox(new BoundingBox(10f, 20f, 30f, 40f)).setFrameNumber(7).build();
    }
}
