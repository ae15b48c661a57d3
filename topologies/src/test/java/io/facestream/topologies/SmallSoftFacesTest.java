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
import io.facestream.models.FaceAnalyzerConfig;
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

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16.4, on a package photo's two faces shrunk to about 26 px and moving across a 640x360 video: sharp, the POI
 * is found ({@code auto} tiling) and recognised, the stranger is not taken for them; blurred as well (every face under
 * the usable quality), each track still has its best faces embedded, a few, and gets its sighting, where before the
 * tracker embedded none; no alert but the POI's. (Blurred this much, neither our embedder nor face-api.js's ResNet
 * tells the two apart, so the soft POI is not expected to be recognised: see BENCHMARKS.md.)
 */
class SmallSoftFacesTest {
    static final int FRAMES = 50;

    static FaceAnalyzer analyzer;
    static BufferedImage poiFace;
    static BufferedImage strangerFace;

    @BeforeAll
    static void setUp() throws Exception {
        PipelineFixture.ensureTopics();
        analyzer = new FaceAnalyzer(FaceAnalyzerConfig.fromEnvironment().withTiling(FaceAnalyzerConfig.Tiling.AUTO));
        List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        poiFace = faces.get(0);
        strangerFace = faces.get(1);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    /** The POI on the left and the stranger on the right, both shrunk to {@code width} and blurred, walking towards the middle. */
    private static Path video(Path dir, String name, int width, int blur) throws Exception {
        Path video = dir.resolve(name);
        SceneVideoWriter.write(video, 640, 360, PipelineEndToEndTest.FPS, FRAMES, List.of(
                new Sprite(FaceSprites.smallAndSoft(poiFace, width, blur), 0, FRAMES - 1, 120, 150, 280, 170, width, width),
                new Sprite(FaceSprites.smallAndSoft(strangerFace, width, blur), 0, FRAMES - 1, 540, 200, 400, 180, width, width)));
        return video;
    }

    @Test
    void smallFacesAreFoundAndMatchedAndSoftOnesAreEmbeddedBoundedWithoutFalseAlerts(@TempDir Path dir) throws Exception {
        float[] poiEmbedding = PipelineFixture.embeddingOf(analyzer, poiFace);
        Person poi = PipelineFixture.poi(analyzer, "Far POI", poiEmbedding);
        PipelineFixture.produce(Topics.PEOPLE, poi.getPersonId(), poi, Person.class);
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO);
        String small = "small-" + UUID.randomUUID(), soft = "soft-" + UUID.randomUUID();
        try (VectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), settings, PipelineFixture.serdes(),
                     new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            PipelineEndToEndTest.awaitTrue(() -> pipeline.gallery().person(poi.getPersonId()).isPresent(), "the POI reaches the gallery");
            // faces of about 26 px, sharp: the detector halves a 640x360 frame, so auto tiling finds them
            replay(dir, video(dir, "small.mp4", 55, 0), small);
            // the same, blurred: quality under the usable 0.3
            replay(dir, video(dir, "soft.mp4", 55, 2), soft);

            ReadOnlyKeyValueStore<String, Sighting> store = PipelineEndToEndTest.store(pipeline, Views.SIGHTINGS.name());
            ReadOnlyKeyValueStore<String, Face> faces = PipelineEndToEndTest.store(pipeline, Views.FACES.name());
            PipelineEndToEndTest.awaitTrue(() -> PipelineEndToEndTest.finalSightings(store, small).size() >= 2
                    && PipelineEndToEndTest.finalSightings(store, soft).size() >= 2, "the tracks of both videos resolved");
            Thread.sleep(1000);

            List<Sighting> ofSmall = PipelineEndToEndTest.finalSightings(store, small);
            report("small", ofSmall, faces, small, poiEmbedding);
            assertThat(ofSmall).filteredOn(s -> poi.getPersonId().equals(s.getPersonId())).as("the POI is recognised")
                    .singleElement().satisfies(s -> assertThat(s.getMatchKind()).isEqualTo(MatchKind.POI));
            assertThat(ofSmall).filteredOn(s -> s.getPersonId() == null).as("the stranger is not taken for the POI").hasSize(1);

            List<Sighting> ofSoft = PipelineEndToEndTest.finalSightings(store, soft);
            List<Face> softFaces = report("soft", ofSoft, faces, soft, poiEmbedding);
            assertThat(ofSoft).as("a track of soft faces is not starved: each still gets a sighting").hasSize(2);
            assertThat(ofSoft).extracting(Sighting::getPersonId).as("neither is taken for the POI").containsOnlyNulls();
            assertThat(ofSoft.get(0).getIdentityId()).as("nor the two for one person").isNotEqualTo(ofSoft.get(1).getIdentityId());
            assertThat(softFaces).as("its best soft faces are embedded, a few per track")
                    .allSatisfy(f -> assertThat(f.getQuality()).isLessThan((float) settings.tracker().minEmbedQuality()));
            for (Sighting s : ofSoft) {
                assertThat(softFaces.stream().filter(f -> s.getTrackId().equals(f.getTrackId())).count())
                        .isBetween(1L, (long) settings.tracker().maxSoftEmbeds());
            }

            List<PoiAlert> alerts = PipelineFixture.read(Topics.POI_ALERTS, PoiAlert.class,
                    a -> a.getSourceId().equals(small) || a.getSourceId().equals(soft), 1, Duration.ofSeconds(20));
            System.out.printf("SMALL FACES alerts: %s%n", alerts.stream().map(a -> a.getSourceId().substring(0, 5) + "@x" + Math.round(a.getBbox().getX())).toList());
            assertThat(alerts).as("no alert but the POI's, on the POI's side").allSatisfy(a -> {
                assertThat(a.getPoiId()).isEqualTo(poi.getPersonId());
                assertThat(a.getBbox().getX()).isLessThan(320);
            });
        } finally {
            PipelineFixture.forget(poi);
        }
    }

    private static void replay(Path dir, Path video, String fileId) throws Exception {
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
            new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, blobs, 320)).replay(new Replayer.Request(
                    video, fileId, "far-cam", ReplaySpeed.MAX, PipelineEndToEndTest.FPS, null, PipelineEndToEndTest.BASE, 1), (a, b, c) -> { });
        }
    }

    /** Prints each sighting with its embedded faces (quality, width, similarity to the POI's photo); returns those faces. */
    private static List<Face> report(String what, List<Sighting> sightings, ReadOnlyKeyValueStore<String, Face> faces, String fileId,
                                     float[] poiEmbedding) {
        List<Face> kept = new ArrayList<>();
        faces.all().forEachRemaining(kv -> {
            if (fileId.equals(kv.value.getFileId())) kept.add(kv.value);
        });
        for (Sighting s : sightings) {
            System.out.printf("SMALL FACES %s: track %s frames %d-%d, %d faces, %s %s at %.3f; embedded: %s%n", what,
                    s.getTrackId().substring(s.getTrackId().lastIndexOf(':') + 1), s.getEntryFrame(), s.getExitFrame(), s.getFaceCount(),
                    s.getMatchKind(), s.getIdentityId().substring(0, 8), s.getSimilarity(), kept.stream().filter(f -> s.getTrackId().equals(f.getTrackId()))
                            .map(f -> String.format("q%.2f %.0fpx to-POI %.2f", f.getQuality(), f.getBbox().getWidth(),
                                    io.facestream.models.Embeddings.similarity(StoredEmbeddings.of(f), poiEmbedding)))
                            .toList());
        }
        return kept;
    }
}
