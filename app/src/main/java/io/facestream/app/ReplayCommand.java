package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.ingest.replay.ProgressReporter;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.source.VideoSourceException;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.topics.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code facestream replay FILE}: a recorded video through the topics of a running
 * product (the standalone's broker and registry by default).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a recorded video into a running facestream: frames, face crops and subtitle chunks.")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    Facestream.ConfigOptions config;

    @Parameters(index = "0", paramLabel = "FILE", description = "The video (mp4, mkv, avi, mov, webm, ...), or a folder of videos.")
    Path file;

    @Parameters(index = "1..*", paramLabel = "MORE", description = "More videos or folders. With a folder or several files, each video is replayed under an id from its content (sha256), and those already indexed are skipped.")
    List<Path> more = new ArrayList<>();

    @Option(names = "--file-id", description = "The file's id; replaying again under the same id repeats the same record ids. Default: a new UUID.")
    String fileId;

    @Option(names = "--camera", paramLabel = "ID", description = "Replay as this camera (alerts name it).")
    String cameraId;

    @Option(names = "--speed", defaultValue = "max", description = "max, realtime or a factor such as 4 (default: ${DEFAULT-VALUE}).")
    String speed;

    @Option(names = "--sample-fps", defaultValue = "" + Replayer.DEFAULT_SAMPLE_FPS, description = "Frames per second to analyse; 0 for every frame (default: ${DEFAULT-VALUE}).")
    double sampleFps;

    @Option(names = "--subtitles", paramLabel = "FILE", description = "An SRT or WebVTT file; default: one beside the video with the same name, else a subtitle stream inside it.")
    Path subtitles;

    @Option(names = "--base-time", description = "Event time of the video's start, ISO 8601 (default: now).")
    Instant baseTime;

    @Option(names = "--bootstrap", description = "Kafka to publish to (default: kafka.bootstrap.servers, else the standalone's).")
    String bootstrap;

    @Option(names = "--registry", description = "Schema registry URL (default: registry.url, else the standalone's).")
    String registry;

    /** Exit codes, for scripts: 0 replayed whole, 2 a bad file or argument, 3 Kafka, the registry or the blob store unreachable, 4 a damaged file. */
    static final int BAD_INPUT = 2, UNREACHABLE = 3, DAMAGED = 4;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long started = System.nanoTime();
        if (Files.isDirectory(file) || !more.isEmpty()) return replayAll(out);
        // the file first, before configuration, Kafka or the models: a typo is answered at once
        String fileProblem = readableProblem(file, "file");
        if (fileProblem == null && subtitles != null) fileProblem = readableProblem(subtitles, "subtitles file");
        if (fileProblem != null) {
            System.err.println("facestream replay: " + fileProblem);
            return BAD_INPUT;
        }
        Config cfg = config.load();
        Replayer.Request request;
        try {
            request = new Replayer.Request(file, fileId, cameraId, ReplaySpeed.parse(speed), sampleFps, subtitles,
                    baseTime != null ? baseTime : Instant.now(), Double.parseDouble(cfg.get(ConfigKey.INGEST_LIVE_VIEW_FPS)));
        } catch (IllegalArgumentException e) {
            System.err.println("facestream replay: " + e.getMessage());
            return BAD_INPUT;
        }
        Ingest.Connection connection = Ingest.Connection.of(cfg, bootstrap, registry);
        if (!reachable(connection, out)) return UNREACHABLE;
        out.printf("facestream replay: loading the face models (%.1f s)%n", seconds(started));
        try (Ingest ingest = Ingest.start(cfg, connection, "facestream-replay")) {
            out.printf("facestream replay: models loaded, replaying (%.1f s)%n", seconds(started));
            // its rate and ETA count from here: model loading is not replay time
            ProgressReporter progress = new ProgressReporter(out, ProgressReporter.stdoutIsTerminal(),
                    file.getFileName().toString(), Duration.ofSeconds(5));
            long[] expected = new long[1];
            Replayer.Result result = ingest.replayer().replay(request, (frames, total, faces) -> {
                expected[0] = total;
                progress.update(frames, total, faces);
            });
            progress.finish(result.frames(), expected[0], result.faces());
            out.printf("replayed %s as file %s: %d frames, %d faces, %d subtitle chunks%n",
                    file, result.fileId(), result.frames(), result.faces(), result.chunks());
            if (result.status() != FileStatus.COMPLETED) {
                System.err.println("facestream replay: " + result.status() + ": " + result.problem());
                return DAMAGED;
            }
            return 0;
        } catch (VideoSourceException | IOException e) {
            System.err.println("facestream replay: " + e.getMessage());
            return BAD_INPUT;
        } catch (java.io.UncheckedIOException e) {
            // the blob store (an S3 bucket, a shared directory) did not open: as unreachable as Kafka would be
            System.err.println("facestream replay: " + e.getMessage());
            return UNREACHABLE;
        }
    }

    /** A folder, or several files and folders: each video under a file id from its content ({@link FolderReplayRun}). */
    private int replayAll(PrintStream out) throws Exception {
        if (fileId != null || subtitles != null) {
            System.err.println("facestream replay: --file-id and --subtitles name one video, not a folder or several");
            return BAD_INPUT;
        }
        List<Path> all = new ArrayList<>(List.of(file));
        all.addAll(more);
        for (Path path : all) {
            if (!Files.exists(path)) {
                System.err.println("facestream replay: no such file or folder: " + path);
                return BAD_INPUT;
            }
        }
        Config cfg = config.load();
        ReplaySpeed replaySpeed;
        try {
            replaySpeed = ReplaySpeed.parse(speed);
        } catch (IllegalArgumentException e) {
            System.err.println("facestream replay: " + e.getMessage());
            return BAD_INPUT;
        }
        Ingest.Connection connection = Ingest.Connection.of(cfg, bootstrap, registry);
        if (!reachable(connection, out)) return UNREACHABLE;
        return FolderReplayRun.run(cfg, connection, all, cameraId, replaySpeed, sampleFps, baseTime,
                Double.parseDouble(cfg.get(ConfigKey.INGEST_LIVE_VIEW_FPS)), out, System.err);
    }

    /** Kafka and the registry answer, and the topics a replay writes exist; else says which did not and how. */
    private static boolean reachable(Ingest.Connection connection, PrintStream out) {
        out.printf("facestream replay: checking Kafka at %s and the schema registry at %s%n",
                connection.bootstrapServers(), connection.registryUrl());
        try {
            Preflight.check(connection, List.of(Topics.FILES, Topics.FRAMES, Topics.FACE_CROPS, Topics.CHUNKS));
            return true;
        } catch (Preflight.Unreachable e) {
            System.err.println("facestream replay: " + e.getMessage());
            return false;
        }
    }

    /** Null when {@code path} is a regular file this process can read; else why not. */
    private static String readableProblem(Path path, String what) {
        if (!Files.exists(path)) return "no such " + what + ": " + path;
        if (!Files.isRegularFile(path)) return "not a regular " + what + ": " + path;
        if (!Files.isReadable(path)) return "cannot read the " + what + " (permission denied): " + path;
        return null;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
