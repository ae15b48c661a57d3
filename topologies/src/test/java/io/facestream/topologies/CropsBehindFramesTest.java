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
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.tracking.TrackerSettings;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.VectorStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replay far ahead of the pipeline (a recorded file at full speed on a slow machine, or a pipeline started on a
 * backlog): a frame record is ~100 bytes (its JPEG only at the live-view rate), a crop ~5 KiB, so one fetch (1 MiB a
 * partition) brings all 300 frames of this file but only the crops of its first ~100; the tracker must still get every
 * frame's crops. Before the fix (max.task.idle.ms -1) frames 101-253 were tracked without their crops and 294 of 600
 * crops were embedded. Every detection is embedded here (the slow way, as in {@code bench pipeline}), so every
 * published crop must come out as an embedding.
 */
class CropsBehindFramesTest {
    static final int FRAMES = 300;

    static FaceAnalyzer analyzer;
    static List<BufferedImage> faces;

    @BeforeAll
    static void setUp() throws Exception {
        PipelineFixture.ensureTopics();
        analyzer = FaceAnalyzer.create();
        faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    @Test
    void everyCropOfABacklogIsTrackedWithItsFrame(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("backlog.mp4");
        // two people in view throughout, drifting slowly: two crops per frame
        SceneVideoWriter.write(video, 640, 360, PipelineEndToEndTest.FPS, FRAMES, List.of(
                new Sprite(faces.get(0), 0, FRAMES - 1, 120, 170, 200, 180, 140, 150),
                new Sprite(faces.get(1), 0, FRAMES - 1, 470, 180, 420, 170, 150, 140)));
        TrackerSettings t = TrackerSettings.defaults();
        PipelineSettings everyFace = PipelineSettings.defaults(analyzer.thresholds()).withTracker(new TrackerSettings(
                t.highScore(), t.lowScore(), t.matchIou(), t.lowMatchIou(), t.gapMillis(), t.updateEveryMillis(), 0, -1,
                Integer.MAX_VALUE, t.recheckMillis(), t.recheckMaxMillis(), t.historyMillis(), Integer.MAX_VALUE));
        Pipeline.Settings settings = PipelineFixture.settings(dir.resolve("streams")); // starts at the topics' ends
        String fileId = "backlog-" + UUID.randomUUID();

        // The whole file is published before the pipeline starts: its first fetch finds every frame and crop waiting.
        Replayer.Result replayed;
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
            replayed = new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, blobs, 320)).replay(new Replayer.Request(
                    video, fileId, "backlog-cam", ReplaySpeed.MAX, PipelineEndToEndTest.FPS, null, PipelineEndToEndTest.BASE, 1), (a, b, c) -> { });
        }
        assertThat(replayed.faces()).as("two faces found in (nearly) every frame").isGreaterThan(FRAMES * 19L / 10);

        try (VectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(settings, everyFace, PipelineFixture.serdes(), new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            List<FaceEmbedding> embedded = PipelineFixture.read(Topics.FACE_EMBEDDINGS, FaceEmbedding.class,
                    e -> e.getSourceId().equals(fileId), (int) replayed.faces(), Duration.ofSeconds(120));
            Set<String> crops = embedded.stream().map(FaceEmbedding::getCropId).collect(Collectors.toSet());
            assertThat(crops).as("every published crop tracked and embedded, once").hasSize(embedded.size())
                    .hasSize((int) replayed.faces());
        }
    }
}
