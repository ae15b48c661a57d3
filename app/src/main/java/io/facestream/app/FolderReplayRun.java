package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.ingest.replay.FolderReplay;
import io.facestream.ingest.replay.FolderReplay.Outcome;
import io.facestream.ingest.replay.ProgressReporter;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.schemas.registry.RestSchemaRegistryClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code facestream replay DIR} (or several files): every video of the folders and files named, one after the other,
 * under file ids derived from their content, skipping those already indexed; one progress bar over them all; a line
 * per file at the end. Exit 0 when every file replayed or was skipped, 2 when one failed or nothing was found.
 */
final class FolderReplayRun {
    private FolderReplayRun() {
    }

    static int run(Config cfg, Ingest.Connection connection, List<Path> paths, String cameraId, ReplaySpeed speed,
                   double sampleFps, Instant baseTime, double liveViewFps, PrintStream out, PrintStream err) throws Exception {
        List<Path> videos;
        try {
            videos = FolderReplay.videos(paths);
        } catch (IOException e) {
            err.println("facestream replay: " + e.getMessage());
            return 2;
        }
        if (videos.isEmpty()) {
            err.println("facestream replay: no video files (" + String.join(", ", FolderReplay.VIDEO_EXTENSIONS.stream().sorted().toList())
                    + ") in " + paths);
            return 2;
        }
        Set<String> indexed = FolderReplay.indexedFiles(connection.bootstrapServers(), new RestSchemaRegistryClient(connection.registryUrl()),
                Duration.ofSeconds(30));
        ProgressReporter progress = new ProgressReporter(out, ProgressReporter.stdoutIsTerminal(), videos.size() + " files", Duration.ofSeconds(5));
        List<Outcome> outcomes;
        long[] last = new long[3];
        try (Ingest ingest = Ingest.start(cfg, connection, "facestream-replay")) {
            outcomes = new FolderReplay(ingest.replayer()).replay(videos, indexed,
                    video -> new Replayer.Request(video, null, cameraId, speed, sampleFps, null, baseTime != null ? baseTime : Instant.now(), liveViewFps),
                    (frames, total, faces) -> {
                        last[0] = frames;
                        last[1] = total;
                        last[2] = faces;
                        progress.update(frames, total, faces);
                    });
        }
        progress.finish(last[0], last[1], last[2]);
        int failed = 0;
        for (Outcome o : outcomes) {
            switch (o.status()) {
                case REPLAYED -> out.printf("replayed %s as file %s: %d frames, %d faces, %d subtitle chunks%n", o.video(), o.fileId(),
                        o.result().frames(), o.result().faces(), o.result().chunks());
                case SKIPPED -> out.printf("skipped %s (file %s): %s%n", o.video(), o.fileId(), o.error());
                case FAILED -> {
                    failed++;
                    err.printf("facestream replay: %s: %s%n", o.video(), o.error());
                }
            }
        }
        long replayed = outcomes.stream().filter(o -> o.status() == Outcome.Status.REPLAYED).count();
        out.printf("%d replayed, %d skipped, %d failed%n", replayed, outcomes.size() - replayed - failed, failed);
        return failed > 0 ? 2 : 0;
    }
}
