package io.facestream.topologies;

import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.CameraState;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16.6: a camera that asks for it alerts on a face that matches nobody enrolled, once its track has enough good
 * faces, naming the track's automatic identity, on the alerts topic beside the POI alerts; a camera that does not ask
 * for it raises POI alerts only. Real faces of a package photo, a generated video replayed through ingest.
 */
class UnknownFaceAlertsTest {
    static final int FRAMES = 40;

    static FaceAnalyzer analyzer;
    static BufferedImage poiFace;
    static BufferedImage strangerFace;

    @BeforeAll
    static void setUp() throws Exception {
        PipelineFixture.ensureTopics();
        analyzer = FaceAnalyzer.create();
        List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        poiFace = faces.get(0);
        strangerFace = faces.get(1);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    @Test
    void aCameraThatAsksAlertsOnAFaceMatchingNobodyWithItsAutomaticIdentity(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("visitors.mp4");
        SceneVideoWriter.write(video, 640, 360, PipelineEndToEndTest.FPS, FRAMES, List.of(
                new Sprite(poiFace, 0, FRAMES - 1, 160, 180, 180, 175, 150, 155),
                new Sprite(strangerFace, 0, FRAMES - 1, 470, 180, 450, 185, 150, 150)));
        String asking = "door-" + UUID.randomUUID(), quiet = "lobby-" + UUID.randomUUID();
        float[] poiEmbedding = PipelineFixture.embeddingOf(analyzer, poiFace);
        Person poi = PipelineFixture.poi(analyzer, "Known POI", poiEmbedding);
        PipelineFixture.produce(Topics.PEOPLE, poi.getPersonId(), poi, Person.class);
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
        String atAsking = "unknown-" + UUID.randomUUID(), atQuiet = "unknown-" + UUID.randomUUID();
        try (VectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), settings, PipelineFixture.serdes(),
                     new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            PipelineEndToEndTest.awaitTrue(() -> pipeline.gallery().person(poi.getPersonId()).isPresent(), "the POI reaches the gallery");
            // the test's pipeline reads the shared topics from their end on: the cameras are defined after it started
            PipelineFixture.produce(Topics.CAMERAS, asking, camera(asking, true), Camera.class);
            PipelineFixture.produce(Topics.CAMERAS, quiet, camera(quiet, false), Camera.class);
            ReadOnlyKeyValueStore<String, CameraState> cameras = PipelineEndToEndTest.store(pipeline, Views.CAMERAS.name());
            PipelineEndToEndTest.awaitTrue(() -> cameras.get(asking) != null && cameras.get(quiet) != null, "both cameras are defined");

            replay(dir, video, atAsking, asking);
            replay(dir, video, atQuiet, quiet);

            List<PoiAlert> alerts = PipelineFixture.read(Topics.POI_ALERTS, PoiAlert.class,
                    a -> a.getSourceId().equals(atAsking) || a.getSourceId().equals(atQuiet), 3, Duration.ofSeconds(60));
            ReadOnlyKeyValueStore<String, Sighting> sightings = PipelineEndToEndTest.store(pipeline, Views.SIGHTINGS.name());
            PipelineEndToEndTest.awaitTrue(() -> PipelineEndToEndTest.finalSightings(sightings, atAsking).size() == 2, "two final sightings");
            Sighting stranger = PipelineEndToEndTest.finalSightings(sightings, atAsking).stream()
                    .filter(s -> s.getPersonId() == null).findFirst().orElseThrow();

            assertThat(alerts).filteredOn(a -> a.getKind() == AlertKind.POI).as("the POI alerts at both cameras")
                    .extracting(PoiAlert::getCameraId).containsExactlyInAnyOrder(asking, quiet);
            assertThat(alerts).filteredOn(a -> a.getKind() == AlertKind.UNKNOWN).as("only the camera that asks alerts on the stranger")
                    .singleElement().satisfies(a -> {
                        assertThat(a.getCameraId()).isEqualTo(asking);
                        assertThat(a.getTrackId()).isEqualTo(stranger.getTrackId());
                        assertThat(a.getIdentityId()).isEqualTo(stranger.getIdentityId());
                        assertThat(a.getPoiId()).isEqualTo(stranger.getIdentityId());
                        assertThat(a.getPoiName()).isEqualTo(IdentityResolver.UNKNOWN_NAME);
                        assertThat(a.getSeverity()).isEqualTo(Severity.LOW);
                        assertThat(a.getAlertId()).isEqualTo(stranger.getIdentityId() + ":" + stranger.getTrackId());
                        assertThat(a.getBbox().getX()).as("the stranger walks on the right").isGreaterThan(320);
                        assertThat(a.getThumbnailRef()).startsWith(atAsking + ":");
                    });
            assertThat(alerts).filteredOn(a -> a.getKind() == AlertKind.POI)
                    .allSatisfy(a -> assertThat(a.getIdentityId()).isNull())
                    .allSatisfy(a -> assertThat(a.getPoiId()).isEqualTo(poi.getPersonId()));
        } finally {
            PipelineFixture.forget(poi);
        }
    }

    private static Camera camera(String id, boolean unknownAlerts) {
        Instant now = Instant.now();
        // a URL no worker of this test opens: the cameras topic only defines the camera here
        return Camera.newBuilder().setCameraId(id).setName(id).setUrl("rtsp://camera.invalid/stream").setEnabled(false)
                .setUnknownFaceAlerts(unknownAlerts).setCreatedAt(now).setUpdatedAt(now).build();
    }

    private static void replay(Path dir, Path video, String fileId, String cameraId) throws Exception {
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
            new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, blobs, 320)).replay(new Replayer.Request(
                    video, fileId, cameraId, ReplaySpeed.MAX, PipelineEndToEndTest.FPS, null, PipelineEndToEndTest.BASE, 1), (a, b, c) -> { });
        }
    }
}
