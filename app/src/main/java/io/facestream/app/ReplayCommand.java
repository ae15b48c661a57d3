package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.ingest.replay.ProgressReporter;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.source.VideoSourceException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
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

    @Option(names = "--sample-fps", defaultValue = "10", description = "Frames per second to analyse; 0 for every frame (default: ${DEFAULT-VALUE}).")
    double sampleFps;

    @Option(names = "--subtitles", paramLabel = "FILE", description = "An SRT or WebVTT file; default: one beside the video with the same name, else a subtitle stream inside it.")
    Path subtitles;

    @Option(names = "--base-time", description = "Event time of the video's start, ISO 8601 (default: now).")
    Instant baseTime;

    @Option(names = "--bootstrap", description = "Kafka to publish to (default: kafka.bootstrap.servers, else the standalone's).")
    String bootstrap;

    @Option(names = "--registry", description = "Schema registry URL (default: registry.url, else the standalone's).")
    String registry;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        ReplaySpeed replaySpeed = ReplaySpeed.parse(speed);
        Ingest.Connection connection = Ingest.Connection.of(cfg, bootstrap, registry);
        if (Files.isDirectory(file) || !more.isEmpty()) {
            if (fileId != null || subtitles != null) throw new IllegalArgumentException("--file-id and --subtitles name one video, not a folder or several");
            List<Path> all = new ArrayList<>(List.of(file));
            all.addAll(more);
            return FolderReplayRun.run(cfg, connection, all, cameraId, replaySpeed, sampleFps, baseTime,
                    Double.parseDouble(cfg.get(ConfigKey.INGEST_LIVE_VIEW_FPS)), System.out, System.err);
        }
        Replayer.Request request = new Replayer.Request(file, fileId, cameraId, replaySpeed, sampleFps, subtitles,
                baseTime != null ? baseTime : Instant.now(), Double.parseDouble(cfg.get(ConfigKey.INGEST_LIVE_VIEW_FPS)));
        ProgressReporter progress = new ProgressReporter(System.out, ProgressReporter.stdoutIsTerminal(),
                file.getFileName().toString(), Duration.ofSeconds(5));
        try (Ingest ingest = Ingest.start(cfg, connection, "facestream-replay")) {
            long[] expected = new long[1];
            Replayer.Result result = ingest.replayer().replay(request, (frames, total, faces) -> {
                expected[0] = total;
                progress.update(frames, total, faces);
            });
            progress.finish(result.frames(), expected[0], result.faces());
            System.out.printf("replayed %s as file %s: %d frames, %d faces, %d subtitle chunks%n",
                    file, result.fileId(), result.frames(), result.faces(), result.chunks());
            return 0;
        } catch (VideoSourceException | IOException e) {
            System.err.println("facestream replay: " + e.getMessage());
            return 2;
        }
    }
}
