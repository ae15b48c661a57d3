package io.facestream.ingest.worker;

import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.WorkerState;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/** The one way a camera record becomes a running worker: its source, frame processing and heartbeats. */
public final class CameraWorkers {
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
        return camera -> {
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
        };
    }

    static Heartbeat heartbeat(WorkerStatus status, String worker) {
        return Heartbeat.newBuilder().setCameraId(status.cameraId()).setWorker(worker)
                .setStatus(WorkerState.valueOf(status.state().name())).setMeasuredFps(status.measuredFps())
                .setLastFrameTime(status.lastFrameMillis() > 0 ? Instant.ofEpochMilli(status.lastFrameMillis()) : null)
                .setLastError(status.lastError()).setTimestamp(Instant.ofEpochMilli(status.atMillis())).build();
    }
}
