package io.facestream.app;

import io.facestream.api.index.VideoReplays;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.source.VideoSourceException;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The API's video upload on the ingest role's replay: the {@link Replayer} {@code facestream replay FILE} uses, at
 * full speed and its default sample rate, from now in event time.
 */
final class UploadReplays implements VideoReplays {
    private final Replayer replayer;
    private final double liveViewFps;

    UploadReplays(Replayer replayer, double liveViewFps) {
        this.replayer = replayer;
        this.liveViewFps = liveViewFps;
    }

    @Override
    public void probe(Path video) throws NotAVideo {
        try {
            VideoSource.probeUpload(video);
        } catch (VideoSourceException e) {
            throw new NotAVideo(e.getMessage());
        }
    }

    @Override
    public void replay(Path video, String fileId, String cameraId) throws Exception {
        replayer.replay(new Replayer.Request(video, fileId, cameraId, ReplaySpeed.MAX, Replayer.DEFAULT_SAMPLE_FPS, null,
                Instant.now(), liveViewFps), (frames, expected, faces) -> { });
    }
}
