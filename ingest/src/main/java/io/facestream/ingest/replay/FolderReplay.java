package io.facestream.ingest.replay;

import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.source.VideoSource;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.registry.SchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Replays many recorded files, one after the other, as one job: the videos of the folders and files named, each
 * under a file id derived from its content ({@code sha256-<hex>}), so a file already indexed (its latest record on the
 * files topic COMPLETED) is skipped, whatever its name or place, and a file replayed again after a failure repeats the
 * same record ids. Progress is one count of frames over every file still to replay.
 */
public final class FolderReplay {
    /** What a folder's videos are recognised by. */
    public static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "m4v", "mkv", "avi", "mov", "webm", "mpg", "mpeg", "ts", "flv", "wmv");
    private static final String CONTENT_ID_PREFIX = "sha256-";

    /** One file's outcome. */
    public record Outcome(Path video, String fileId, Status status, Replayer.Result result, String error) {
        public enum Status { REPLAYED, SKIPPED, FAILED }
    }

    private final Replayer replayer;

    public FolderReplay(Replayer replayer) {
        this.replayer = replayer;
    }

    /**
     * @param videos   the files to replay, in order (see {@link #videos})
     * @param indexed  file ids already indexed (see {@link #indexedFiles})
     * @param request  the request for one video, asked as its turn comes (its file id is replaced by the content's)
     * @param progress told after each frame: frames done and expected over every file to replay, faces so far
     */
    public List<Outcome> replay(List<Path> videos, Set<String> indexed, Function<Path, Replayer.Request> request,
                                Replayer.Progress progress) throws IOException {
        List<Path> todo = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Outcome> out = new ArrayList<>();
        Map<Path, String> idOf = new HashMap<>();
        for (Path video : videos) {
            String id = contentId(video);
            idOf.put(video, id);
            if (indexed.contains(id) || ids.contains(id)) continue;
            todo.add(video);
            ids.add(id);
        }
        long expected = 0;
        for (Path video : todo) expected += expectedFrames(video, request.apply(video).sampleFps());
        long done = 0, faces = 0;
        for (Path video : videos) {
            String id = idOf.get(video);
            if (!todo.contains(video)) {
                out.add(new Outcome(video, id, Outcome.Status.SKIPPED, null, indexed.contains(id) ? "already indexed" : "same content as another file"));
                continue;
            }
            todo.remove(video);
            Replayer.Request template = request.apply(video);
            Replayer.Request one = new Replayer.Request(video, id, template.cameraId(), template.speed(), template.sampleFps(), null,
                    template.baseTime(), template.liveViewFps());
            long before = done, facesBefore = faces, total = expected;
            try {
                Replayer.Result result = replayer.replay(one, (frames, fileTotal, fileFaces) -> progress.update(before + frames, total, facesBefore + fileFaces));
                done += result.frames();
                faces += result.faces();
                out.add(new Outcome(video, id, Outcome.Status.REPLAYED, result, null));
            } catch (Exception e) {
                out.add(new Outcome(video, id, Outcome.Status.FAILED, null, e.getMessage()));
            }
        }
        return out;
    }

    /** The videos named: a file as it is, a folder's video files (by extension, the whole tree), each once, by path. */
    public static List<Path> videos(List<Path> paths) throws IOException {
        TreeSet<Path> out = new TreeSet<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> tree = Files.walk(path)) {
                    tree.filter(Files::isRegularFile).filter(FolderReplay::isVideo).map(Path::toAbsolutePath).map(Path::normalize).forEach(out::add);
                }
            } else if (Files.isRegularFile(path)) {
                out.add(path.toAbsolutePath().normalize());
            } else {
                throw new IOException("no such file or folder: " + path);
            }
        }
        return List.copyOf(out);
    }

    static boolean isVideo(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && VIDEO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The file id of a video's content: {@code sha256-} and the SHA-256 of its bytes in hex. */
    public static String contentId(Path video) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(video)) {
            for (int n; (n = in.read(buffer)) > 0; ) sha.update(buffer, 0, n);
        }
        return CONTENT_ID_PREFIX + HexFormat.of().formatHex(sha.digest());
    }

    /** Sampled frames a video will give (0 when it cannot be opened: its replay then reports why). */
    static long expectedFrames(Path video, double sampleFps) {
        try (VideoSource source = VideoSource.open(SourceSpec.of(video.toString()).withSampleFps(sampleFps), 0)) {
            return Replayer.expectedFrames(source, sampleFps);
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * File ids whose latest record on the files topic says COMPLETED: everything on the compacted topic, read from its
     * start to its end as of now.
     */
    public static Set<String> indexedFiles(String bootstrapServers, SchemaRegistryClient registry, Duration timeout) {
        AvroSerde<VideoFile> files = AvroSerde.forValues(registry, VideoFile.class);
        Map<String, VideoFile> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FILES, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the files topic was not read within " + timeout);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) latest.remove(record.key());
                    else latest.put(record.key(), files.deserialize(Topics.FILES, record.value()));
                }
            }
        }
        return latest.values().stream().filter(f -> f.getStatus() == FileStatus.COMPLETED).map(VideoFile::getFileId)
                .collect(Collectors.toUnmodifiableSet());
    }
}
