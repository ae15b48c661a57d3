package io.facestream.api.testing;

import io.facestream.api.backend.Backend;
import io.facestream.api.index.VideoReplays;
import io.facestream.api.index.VideoUploadModule;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.source.VideoSourceException;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Semaphore;

/**
 * The video upload over the real replay, as the app wires it (app's {@code UploadReplays}, which this module's tests
 * cannot reach: app depends on api): the ingest {@link Replayer} at full speed and its default sample rate, the
 * upload probe of {@link VideoSource}, frames to the fixture's blob store.
 */
public final class VideoUploads implements AutoCloseable {
    public final VideoUploadModule module;
    private final IngestPublisher publisher;

    public VideoUploads(Backend backend, VideoUploadModule.Settings settings) throws Exception {
        publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "api-test-uploads");
        Replayer replayer = new Replayer(publisher, new FrameProcessor(ApiFixture.analyzer(), new Semaphore(2), publisher, backend.blobs(), 320));
        module = new VideoUploadModule(new VideoReplays() {
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
                        Instant.now(), 1), (frames, expected, faces) -> { });
            }
        }, settings);
    }

    @Override
    public void close() {
        module.close();
        publisher.close();
    }
}
