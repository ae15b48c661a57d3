package io.facestream.topologies;

import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.ScoredPoint;
import io.facestream.vectors.Search;
import io.facestream.vectors.VectorFilter;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline on the real broker with the real models and real video: a POI enrolled from one
 * photo, a generated video where they appear twice (a gap between) beside a stranger, replayed through
 * ingest; alerts, sightings, identities and the vector store checked.
 */
class PipelineEndToEndTest {
    static final double FPS = 10;
    static final int FRAMES = 80;
    static final int POI_A_FIRST = 0, POI_A_LAST = 19, POI_B_FIRST = 50, POI_B_LAST = 79, STRANGER_FIRST = 10, STRANGER_LAST = 69;
    static final Instant BASE = Instant.parse("2026-11-20T08:00:00Z");

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

    private final List<Person> enrolled = new ArrayList<>();

    @AfterEach
    void forgetPeople() throws Exception {
        for (Person p : enrolled) PipelineFixture.forget(p);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    /** The POI on the left twice, 3 s apart (longer than the tracker's gap); the stranger on the right in between. */
    static Path video(Path dir) throws Exception {
        Path video = dir.resolve("incident.mp4");
        SceneVideoWriter.write(video, 640, 360, FPS, FRAMES, List.of(
                new Sprite(poiFace, POI_A_FIRST, POI_A_LAST, 140, 180, 180, 170, 150, 160),
                new Sprite(poiFace, POI_B_FIRST, POI_B_LAST, 170, 170, 130, 180, 160, 150),
                new Sprite(strangerFace, STRANGER_FIRST, STRANGER_LAST, 470, 190, 440, 180, 150, 150)));
        return video;
    }

    static Replayer.Result replay(Path dir, Path video, String fileId, String cameraId) throws Exception {
        return replay(dir, video, fileId, cameraId, ReplaySpeed.MAX);
    }

    static Replayer.Result replay(Path dir, Path video, String fileId, String cameraId, ReplaySpeed speed) throws Exception {
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
            Replayer replayer = new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, blobs, 320));
            return replayer.replay(new Replayer.Request(video, fileId, cameraId, speed, FPS, null, BASE, 1), (a, b, c) -> { });
        }
    }

    @Test
    void alertsSightingsIdentitiesAndSearchFromAReplayedIncident(@TempDir Path dir) throws Exception {
        AvroSerdes serdes = PipelineFixture.serdes();
        float[] poiEmbedding = PipelineFixture.embeddingOf(analyzer, poiFace);
        Person poi = PipelineFixture.poi(analyzer, "Test POI", poiEmbedding);
        PipelineFixture.produce(Topics.PEOPLE, poi.getPersonId(), poi, Person.class);
        enrolled.add(poi);
        String fileId = "file-" + UUID.randomUUID();
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);

        try (VectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), settings, serdes, new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            awaitTrue(() -> pipeline.gallery().person(poi.getPersonId()).isPresent(), "the POI reaches the gallery");

            replay(dir, video(dir), fileId, "gate-cam");

            List<PoiAlert> alerts = PipelineFixture.read(Topics.POI_ALERTS, PoiAlert.class,
                    a -> a.getPoiId().equals(poi.getPersonId()) && a.getSourceId().equals(fileId), 2, Duration.ofSeconds(60));
            assertThat(alerts).as("one alert per track of the POI").hasSize(2);
            assertThat(alerts).extracting(PoiAlert::getTrackId).doesNotHaveDuplicates();
            for (PoiAlert a : alerts) {
                assertThat(a.getCameraId()).isEqualTo("gate-cam");
                assertThat(a.getPoiName()).isEqualTo("Test POI");
                assertThat(a.getSeverity()).isEqualTo(Severity.HIGH);
                assertThat(a.getNotes()).isEqualTo("seen near the loading bay");
                assertThat(a.getSimilarity()).isGreaterThanOrEqualTo((float) settings.thresholds().poi());
                assertThat(a.getConfidence()).isGreaterThan(0.5f);
                assertThat(a.getBbox().getX()).as("the POI walks on the left").isLessThan(320);
                assertThat(a.getFrameRef()).isEqualTo("frame/" + fileId + ":" + a.getFrameNumber());
            }
            assertThat(alerts).extracting(PoiAlert::getFrameNumber).anyMatch(f -> f <= POI_A_LAST).anyMatch(f -> f >= POI_B_FIRST);

            ReadOnlyKeyValueStore<String, Sighting> sightings = store(pipeline, Views.SIGHTINGS.name());
            awaitTrue(() -> finalSightings(sightings, fileId).size() >= 3, "three final sightings");
            List<Sighting> all = finalSightings(sightings, fileId);
            assertThat(all).hasSize(3);
            List<Sighting> ofPoi = all.stream().filter(s -> poi.getPersonId().equals(s.getPersonId())).toList();
            assertThat(ofPoi).hasSize(2).allMatch(s -> s.getMatchKind() == MatchKind.POI);
            assertThat(ofPoi).extracting(Sighting::getEntryFrame).containsExactlyInAnyOrder((long) POI_A_FIRST, (long) POI_B_FIRST);
            assertThat(ofPoi.get(0).getIdentityId()).isEqualTo(ofPoi.get(1).getIdentityId());
            Sighting stranger = all.stream().filter(s -> s.getPersonId() == null).findFirst().orElseThrow();
            assertThat(stranger.getMatchKind()).isEqualTo(MatchKind.IDENTITY);
            assertThat(stranger.getEntryFrame()).isEqualTo(STRANGER_FIRST);
            assertThat(stranger.getExitFrame()).isEqualTo(STRANGER_LAST);

            ReadOnlyKeyValueStore<String, Identity> identities = store(pipeline, Views.IDENTITIES.name());
            List<Identity> automatic = new ArrayList<>();
            identities.all().forEachRemaining(kv -> {
                if (kv.value.getSource().equals("auto") && kv.value.getFiles().contains(fileId)) automatic.add(kv.value);
            });
            assertThat(automatic).as("exactly one automatic identity: the stranger").hasSize(1);
            assertThat(automatic.get(0).getIdentityId()).isEqualTo(stranger.getIdentityId());
            // other tests of this JVM replay the same stranger in other files: the identity gathers those too
            assertThat(automatic.get(0).getSightingCount()).isEqualTo(automatic.get(0).getFiles().size());
            Identity strangerIdentity = automatic.get(0);
            assertThat(strangerIdentity.getFaceCount()).isPositive();
            assertThat(strangerIdentity.getStatus()).isEqualTo(strangerIdentity.getFaceCount() >= settings.identityMinFaces()
                    ? IdentityStatus.ACTIVE : IdentityStatus.PENDING);
            assertThat(strangerIdentity.getCameras()).containsExactly("gate-cam");

            List<ScoredPoint> hits = vectors.search(VectorStore.FACES, new Search(poiEmbedding, 100)
                    .filter(VectorFilter.all().sourceIn(fileId)).minScore(settings.thresholds().poi()));
            Set<Object> tracks = hits.stream().map(h -> h.payload().get("track_id")).collect(Collectors.toSet());
            assertThat(tracks).as("search by the POI's photo finds both appearances")
                    .containsExactlyInAnyOrderElementsOf(ofPoi.stream().map(Sighting::getTrackId).toList());
        }
    }

    static List<Sighting> finalSightings(ReadOnlyKeyValueStore<String, Sighting> store, String fileId) {
        List<Sighting> out = new ArrayList<>();
        store.all().forEachRemaining(kv -> {
            if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) out.add(kv.value);
        });
        return out;
    }

    static <V> ReadOnlyKeyValueStore<String, V> store(Pipeline pipeline, String name) {
        return pipeline.streams().store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(100);
        }
    }
}
