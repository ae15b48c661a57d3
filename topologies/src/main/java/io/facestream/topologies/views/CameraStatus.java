package io.facestream.topologies.views;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.WorkerState;

import java.time.Instant;

/**
 * A camera with the status its worker reports, as of one query.
 *
 * @param camera        the definition; its {@code url} is a secret the API masks before returning it
 * @param status        derived at query time: OFFLINE without a heartbeat or when the latest is stale,
 *                      else what the worker reported
 * @param measuredFps   from the latest heartbeat (0 without one)
 * @param lastFrameTime event time of the latest frame, null when unknown
 * @param lastError     the worker's latest failure, null when none
 * @param lastHeartbeat when the latest heartbeat was sent, null when none arrived
 * @param worker        host and process of the worker, null when none reported
 */
public record CameraStatus(Camera camera, WorkerState status, double measuredFps, Instant lastFrameTime,
                           String lastError, Instant lastHeartbeat, String worker) {

    public String cameraId() {
        return camera.getCameraId();
    }
}
