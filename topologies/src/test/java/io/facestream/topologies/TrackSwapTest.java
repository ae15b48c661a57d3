package io.facestream.topologies;

import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Backdrop;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16.5: a box that stays in place while the person in it changes must not make one track. Two real people
 * (faces of a package photo) take turns at the same place of a generated video: once across a hard cut (the
 * backdrop changes too, as between two shots), once on an unchanged backdrop, where only the faces tell. The POI
 * comes first; their track, sighting and alert must hold only the POI, and the other person gets a track of their own.
 */
class TrackSwapTest {
    static final int FRAMES = 60, SWAP = 30;
    /**
     * A face of the track is embedded again at least every {@code recheckMaxMillis} (the interval grows while a steady
     * track gives no cue of a swap, as here): the swap is seen that late at most.
     */
    static final int RECHECK_FRAMES = (int) (io.facestream.topologies.tracking.TrackerSettings.defaults().recheckMaxMillis() / 100);

    static FaceAnalyzer analyzer;
    static BufferedImage poiFace;
    static BufferedImage otherFace;

    @BeforeAll
    static void setUp() throws Exception {
        PipelineFixture.ensureTopics();
        analyzer = FaceAnalyzer.create();
        List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        poiFace = faces.get(0);
        otherFace = faces.get(1);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    private static List<Sprite> takingTurns() {
        return List.of(new Sprite(poiFace, 0, SWAP - 1, 300, 180, 320, 175, 150, 155),
                new Sprite(otherFace, SWAP, FRAMES - 1, 320, 175, 300, 180, 155, 150));
    }

    @Test
    void aHardCutBetweenTwoPeopleAtOnePlaceEndsTheTrackAtTheCut(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("cut.mp4");
        SceneVideoWriter.write(video, 640, 360, PipelineEndToEndTest.FPS, FRAMES, takingTurns(), List.of(SceneVideoWriter.PLAIN,
                new Backdrop(SWAP, new Color(200, 190, 60), new Color(30, 90, 160))));
        List<Sighting> sightings = replayWithPoi(dir, video);

        Sighting poi = sightings.get(0), other = sightings.get(1);
        assertThat(poi.getExitFrame()).as("the POI's track ends at the cut").isEqualTo(SWAP - 1);
        assertThat(other.getEntryFrame()).as("the other person's starts there").isEqualTo(SWAP);
    }

    @Test
    void anotherPersonInTheSameBoxWithoutACutSplitsTheTrackByTheirFaces(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("swap.mp4");
        SceneVideoWriter.write(video, 640, 360, PipelineEndToEndTest.FPS, FRAMES, takingTurns());
        List<Sighting> sightings = replayWithPoi(dir, video);

        Sighting poi = sightings.get(0), other = sightings.get(1);
        assertThat(poi.getExitFrame()).as("the POI's track ends after the swap by at most a recheck")
                .isBetween((long) SWAP - 1, (long) SWAP - 1 + RECHECK_FRAMES);
        assertThat(other.getEntryFrame()).isEqualTo(poi.getExitFrame() + 1);
    }

    /**
     * Replays the video with the POI enrolled; checks what both cases share (two final sightings, the POI's first with
     * only the POI's faces and one alert, the other's no POI) and returns the two sightings in time order.
     */
    private List<Sighting> replayWithPoi(Path dir, Path video) throws Exception {
        float[] poiEmbedding = PipelineFixture.embeddingOf(analyzer, poiFace);
        float[] otherEmbedding = PipelineFixture.embeddingOf(analyzer, otherFace);
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
        assertThat(Embeddings.similarity(poiEmbedding, otherEmbedding)).as("two different people")
                .isLessThan(settings.thresholds().search());
        Person poi = PipelineFixture.poi(analyzer, "Swap POI", poiEmbedding);
        PipelineFixture.produce(Topics.PEOPLE, poi.getPersonId(), poi, Person.class);
        String fileId = "swap-" + UUID.randomUUID();
        try (VectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), settings, PipelineFixture.serdes(),
                     new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            PipelineEndToEndTest.awaitTrue(() -> pipeline.gallery().person(poi.getPersonId()).isPresent(), "the POI reaches the gallery");

            try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
                FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
                new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, blobs, 320)).replay(new Replayer.Request(
                        video, fileId, "door-cam", ReplaySpeed.MAX, PipelineEndToEndTest.FPS, null, PipelineEndToEndTest.BASE, 1), (a, b, c) -> { });
            }

            ReadOnlyKeyValueStore<String, Sighting> store = PipelineEndToEndTest.store(pipeline, Views.SIGHTINGS.name());
            PipelineEndToEndTest.awaitTrue(() -> PipelineEndToEndTest.finalSightings(store, fileId).size() >= 2, "two final sightings");
            Thread.sleep(1000); // a third would show up by now
            List<Sighting> sightings = new ArrayList<>(PipelineEndToEndTest.finalSightings(store, fileId));
            sightings.sort(Comparator.comparingLong(Sighting::getEntryFrame));
            assertThat(sightings).as("one track per person").hasSize(2);
            Sighting first = sightings.get(0), second = sightings.get(1);
            assertThat(first.getPersonId()).isEqualTo(poi.getPersonId());
            assertThat(first.getMatchKind()).isEqualTo(MatchKind.POI);
            assertThat(first.getEntryFrame()).isZero();
            assertThat(second.getPersonId()).as("the other person is not the POI").isNull();
            assertThat(second.getExitFrame()).isEqualTo(FRAMES - 1);

            ReadOnlyKeyValueStore<String, Face> faces = PipelineEndToEndTest.store(pipeline, Views.FACES.name());
            List<Face> poiTrackFaces = new ArrayList<>();
            faces.all().forEachRemaining(kv -> {
                if (first.getTrackId().equals(kv.value.getTrackId())) poiTrackFaces.add(kv.value);
            });
            assertThat(poiTrackFaces).as("the POI's track keeps only the POI's faces").isNotEmpty().allSatisfy(f -> {
                assertThat(f.getFrameNumber()).isLessThan(SWAP);
                assertThat(Embeddings.similarity(StoredEmbeddings.of(f), poiEmbedding)).isGreaterThan(settings.thresholds().person());
            });

            List<PoiAlert> alerts = PipelineFixture.read(Topics.POI_ALERTS, PoiAlert.class, a -> a.getSourceId().equals(fileId), 1, Duration.ofSeconds(30));
            assertThat(alerts).singleElement().satisfies(a -> assertThat(a.getTrackId()).isEqualTo(first.getTrackId()));
            return sightings;
        } finally {
            PipelineFixture.forget(poi);
        }
    }
}
