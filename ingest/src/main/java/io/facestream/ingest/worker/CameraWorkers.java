package io.facestream.ingest.worker;

import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.recording.EventRecorder;
import io.facestream.ingest.recording.SegmentBuffer;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.WorkerState;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/** The one way a camera record becomes a running worker: its source, frame processing and heartbeats. */
public final class CameraWorkers {
    private static final java.util.regex.Pattern SAFE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private CameraWorkers() {
    }

    /**
     * A {@link WorkerManager} factory that starts a worker for every camera it is given.
     *
     * @param worker the host and process named in heartbeats
     */
    public static Function<Camera, CameraWorker> factory(FrameProcessor processor, IngestPublisher publisher, String worker) {
        return factory(processor, publisher, worker, status -> { });
    }

    /** {@link #factory(FrameProcessor, IngestPublisher, String)}, telling {@code statuses} each status as it is heartbeated. */
    public static Function<Camera, CameraWorker> factory(FrameProcessor processor, IngestPublisher publisher, String worker,
                                                         Consumer<WorkerStatus> statuses) {
        return factory(processor, publisher, worker, statuses, null);
    }

    /**
     * Where and how long each camera's rolling segment buffer is kept, and the recorder that cuts its events' clips.
     *
     * @param root      each camera's segments go to {@code root/<camera id>}
     * @param retention {@code segment_retention_seconds}
     * @param maxBytes  the most one camera's buffer may hold
     */
    public record Segments(Path root, Duration retention, long maxBytes, EventRecorder recorder) {
    }

    /**
     * {@link #factory(FrameProcessor, IngestPublisher, String, Consumer)} where every worker also keeps a rolling
     * segment buffer of its camera and records its events ({@code segments} null: neither).
     */
    public static Function<Camera, CameraWorker> factory(FrameProcessor processor, IngestPublisher publisher, String worker,
                                                         Consumer<WorkerStatus> statuses, Segments segments) {
        return camera -> {
            CameraWorker started = start(processor, publisher, worker, statuses, camera);
            if (segments != null) {
                try {
                    // a camera id names a directory: one written to the topic by hand must not climb out of the root
                    if (!SAFE_ID.matcher(camera.getCameraId()).matches()) throw new IOException("camera id unfit for a directory name");
                    SegmentBuffer buffer = new SegmentBuffer(camera.getCameraId(), SourceSpec.of(camera.getUrl())
                            .withRtspTransport(camera.getRtspTransport()), segments.root().resolve(camera.getCameraId()),
                            segments.retention(), segments.maxBytes()).start();
                    segments.recorder().record(camera, buffer);
                    started.alsoClose(() -> {
                        segments.recorder().stop(camera.getCameraId(), buffer);
                        buffer.close();
                    });
                } catch (IOException e) {
                    LoggerFactory.getLogger(CameraWorkers.class).warn("camera {}: no segment buffer, so no events: {}",
                            camera.getCameraId(), e.toString());
                }
            }
            return started;
        };
    }

    private static CameraWorker start(FrameProcessor processor, IngestPublisher publisher, String worker,
                                      Consumer<WorkerStatus> statuses, Camera camera) {
            SourceSpec spec = SourceSpec.of(camera.getUrl()).withRtspTransport(camera.getRtspTransport())
                    .withSampleFps(camera.getSampleFps()).withMaxSize(camera.getMaxWidth(), camera.getMaxHeight());
            FrameProcessor.Stream stream = processor.stream(
                    new FrameProcessor.Source(camera.getCameraId(), SourceKind.CAMERA, camera.getCameraId(), null),
                    camera.getLiveViewFps(), camera.getDetectionThreshold(), camera.getMinFaceSize(), camera.getFacesEnabled());
            return new CameraWorker(camera.getCameraId(), spec, stream::process, status -> {
                        statuses.accept(status);
                        publisher.heartbeat(heartbeat(status, worker));
                    },
                    Duration.ofSeconds(1), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30))).start();
    }

    static Heartbeat heartbeat(WorkerStatus status, String worker) {
        return Heartbeat.newBuilder().setCameraId(status.cameraId()).setWorker(worker)
                .setStatus(WorkerState.valueOf(status.state().name())).setMeasuredFps(status.measuredFps())
                .setLastFrameTime(status.lastFrameMillis() > 0 ? Instant.ofEpochMilli(status.lastFrameMillis()) : null)
                .setLastError(status.lastError()).setTimestamp(Instant.ofEpochMilli(status.atMillis())).build();
    }
}
