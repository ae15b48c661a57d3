package io.facestream.ingest.replay;

import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.source.VideoSourceException;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.ChunkOrigin;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real video, real models, real broker: a clip composed with FFmpeg from two faces of a
 * photo that an npm package ships, replayed into the shared broker.
 */
class ReplayerTest {
    private static final double FPS = 25, SAMPLE_FPS = 5;
    private static final int FRAMES = 100; // 4 s
    /** Face A on screen for the whole clip; face B enters at frame 30 and leaves after frame 69. */
    private static final int B_FIRST = 30, B_LAST = 69;
    private static final Instant BASE = Instant.parse("2026-11-25T10:00:00Z");

    private static FaceAnalyzer analyzer;
    private static List<BufferedImage> faces;

    @BeforeAll
    static void setUp() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()))) {
            TopicProvisioner.ensure(admin, Topics.catalog(2, (short) 1));
        }
        analyzer = FaceAnalyzer.create();
        faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
    }

    @AfterAll
    static void tearDown() {
        analyzer.close();
    }

    static Path clipWithSubtitles(Path dir) throws Exception {
        Path video = dir.resolve("lobby.mp4");
        SceneVideoWriter.write(video, 640, 360, FPS, FRAMES, List.of(
                new Sprite(faces.get(0), 0, FRAMES - 1, 150, 180, 230, 170, 150, 170),
                new Sprite(faces.get(1), B_FIRST, B_LAST, 470, 190, 430, 180, 150, 150)));
        Files.writeString(dir.resolve("lobby.srt"), """
                1
                00:00:00,400 --> 00:00:01,600
                Good morning.

                2
                00:00:02,000 --> 00:00:03,000
                Is anyone there?
                """);
        return video;
    }

    private Replayer replayer(Path blobs, IngestPublisher publisher) throws Exception {
        FileBlobStore store = new FileBlobStore(blobs, new FileBlobStore.Policy(Map.of(), 0));
        return new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, store, 320));
    }

    @Test
    void replaysFramesCropsAndChunksStampedFromMediaTime(@TempDir Path dir) throws Exception {
        Path video = clipWithSubtitles(dir);
        String fileId = "file-" + java.util.UUID.randomUUID();
        Replayer.Result result;
        List<long[]> progress = new ArrayList<>();
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            result = replayer(dir.resolve("blobs"), publisher).replay(
                    new Replayer.Request(video, fileId, "lobby-cam", ReplaySpeed.MAX, SAMPLE_FPS, null, BASE, 2),
                    (frames, expected, facesSoFar) -> progress.add(new long[]{frames, expected, facesSoFar}));
        }
        assertThat(result.frames()).isEqualTo(FRAMES / (long) (FPS / SAMPLE_FPS));
        assertThat(progress.getLast()[1]).as("expected frames").isEqualTo(result.frames());

        List<FaceCrop> crops = read(Topics.FACE_CROPS, FaceCrop.class, c -> c.getSourceId().equals(fileId), (int) result.faces());
        assertThat(crops).hasSize((int) result.faces());
        Map<Long, Long> facesPerFrame = crops.stream().collect(Collectors.groupingBy(FaceCrop::getFrameNumber, Collectors.counting()));
        for (long frame = 0; frame < FRAMES; frame += (long) (FPS / SAMPLE_FPS)) {
            long expected = frame >= B_FIRST && frame <= B_LAST ? 2 : 1;
            assertThat(facesPerFrame.getOrDefault(frame, 0L)).as("faces in frame %d", frame).isEqualTo(expected);
        }
        for (FaceCrop c : crops) {
            assertThat(c.getCropId()).isEqualTo(fileId + ":" + c.getFrameNumber() + ":" + c.getFaceIndex());
            assertThat(c.getTimestamp()).isEqualTo(BASE.plusMillis(Math.round(c.getFrameNumber() * 1000 / FPS)));
            assertThat(c.getCameraId()).isEqualTo("lobby-cam");
            assertThat(c.getFileId()).isEqualTo(fileId);
            assertThat(c.getLandmarks()).hasSize(5);
            assertThat(ImageIO.read(new java.io.ByteArrayInputStream(c.getCropJpeg().array())).getWidth()).isEqualTo(112);
            assertThat(c.getFrameRef()).isEqualTo("frame/" + fileId + ":" + c.getFrameNumber());
            assertThat(dir.resolve("blobs").resolve(c.getFrameRef())).exists();
        }

        List<Frame> markers = read(Topics.FRAMES, Frame.class, f -> f.getSourceId().equals(fileId), (int) result.frames() + 1);
        assertThat(markers).as("one record per sampled frame, then the end").hasSize((int) result.frames() + 1);
        assertThat(markers.getLast().getEndOfStream()).isTrue();
        assertThat(markers.subList(0, markers.size() - 1)).allSatisfy(f -> {
            assertThat(f.getEndOfStream()).isFalse();
            assertThat(f.getFaceCount()).isEqualTo(facesPerFrame.getOrDefault(f.getFrameNumber(), 0L).intValue());
        });
        List<Frame> frames = markers.stream().filter(f -> f.getJpeg() != null).toList();
        assertThat(frames).as("live view at 2 fps of a 4 s clip").hasSize(8);
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.getWidth()).isEqualTo(320);
            assertThat(f.getSourceWidth()).isEqualTo(640);
            assertThat(f.getMediaTimeMs()).isEqualTo(Math.round(f.getFrameNumber() * 1000 / FPS));
            assertThat(f.getJpeg().remaining()).isGreaterThan(1000);
        });

        List<Chunk> chunks = read(Topics.CHUNKS, Chunk.class, c -> c.getFileId().equals(fileId), 2);
        assertThat(chunks).extracting(Chunk::getText).containsExactly("Good morning.", "Is anyone there?");
        assertThat(chunks.getFirst().getStartFrame()).isEqualTo(10);
        assertThat(chunks.getFirst().getEndFrame()).isEqualTo(40);
        assertThat(chunks).allSatisfy(c -> assertThat(c.getOrigin()).isEqualTo(ChunkOrigin.SIDECAR_SUBTITLE));

        VideoFile last = read(Topics.FILES, VideoFile.class, f -> f.getFileId().equals(fileId) && f.getStatus() != FileStatus.PROCESSING, 1).getLast();
        assertThat(last.getStatus()).isEqualTo(FileStatus.COMPLETED);
        assertThat(last.getFramesProcessed()).isEqualTo(result.frames());
        assertThat(last.getFacesDetected()).isEqualTo(result.faces());
        assertThat(last.getFps()).isEqualTo(FPS);
        assertThat(last.getCameraId()).isEqualTo("lobby-cam");

        // Again under the same id: the same record ids, so downstream sees the same faces.
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            replayer(dir.resolve("blobs"), publisher).replay(
                    new Replayer.Request(video, fileId, "lobby-cam", new ReplaySpeed(8), SAMPLE_FPS, null, BASE, 2), (a, b, c) -> { });
        }
        List<FaceCrop> both = read(Topics.FACE_CROPS, FaceCrop.class, c -> c.getSourceId().equals(fileId), 2 * crops.size());
        Set<String> ids = crops.stream().map(FaceCrop::getCropId).collect(Collectors.toSet());
        assertThat(both.stream().map(FaceCrop::getCropId).collect(Collectors.toSet())).isEqualTo(ids);
        assertThat(both).hasSize(2 * crops.size());
    }

    @Test
    void badFilesFailBeforeAnythingIsRegistered(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "not a video\n".repeat(100));
        Path good = clipWithSubtitles(dir);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(bytes, bytes.length / 2));
        byte[] damaged = bytes.clone();
        int index = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).lastIndexOf("moov");
        for (int i = index; i < Math.min(damaged.length, index + 400); i++) damaged[i] = (byte) (i * 37);
        Path corrupt = Files.write(dir.resolve("corrupt.mp4"), damaged);
        Path missing = dir.resolve("missing.mp4");
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "test")) {
            Replayer replayer = replayer(dir.resolve("blobs"), publisher);
            for (Path bad : List.of(text, truncated, corrupt, missing)) {
                String fileId = "bad-" + java.util.UUID.randomUUID();
                assertThatThrownBy(() -> replayer.replay(new Replayer.Request(bad, fileId, null, ReplaySpeed.MAX, 5, null, BASE, 2), (a, b, c) -> { }))
                        .as(bad.getFileName().toString()).isInstanceOf(VideoSourceException.class)
                        .hasMessageContaining(bad.getFileName().toString());
                publisher.flush();
                assertThat(read(Topics.FILES, VideoFile.class, f -> f.getFileId().equals(fileId), 0)).as("registered %s", bad).isEmpty();
            }
        }
    }

    /** Reads {@code topic} from the beginning until {@code count} matching records arrived (or a short wait when 0). */
    private static <T extends SpecificRecord> List<T> read(String topic, Class<T> type, java.util.function.Predicate<T> wanted, int count) throws Exception {
        AvroSerde<T> serde = KafkaFixture.serde(type);
        List<T> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) continue;
                    T value = serde.deserialize(topic, r.value());
                    if (wanted.test(value)) found.add(value);
                }
                boolean atEnd = partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
                if (atEnd && (count == 0 || found.size() >= count)) break;
            }
        }
        return found;
    }
}
