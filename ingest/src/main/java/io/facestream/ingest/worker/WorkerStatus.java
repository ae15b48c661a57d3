package io.facestream.ingest.worker;

/**
 * A camera worker's state as heartbeats report it.
 *
 * @param state           ONLINE (frames arriving), OFFLINE (unreachable or dropped; retrying), ERROR (frames fail to process), STOPPED
 * @param measuredFps     sampled frames handed on per second over the last interval
 * @param lastFrameMillis event time of the last frame, 0 before the first
 * @param lastError       the last failure, with secrets removed; null when none
 */
public record WorkerStatus(String cameraId, State state, double measuredFps, long lastFrameMillis, String lastError, long atMillis) {
    public enum State { ONLINE, OFFLINE, ERROR, STOPPED }
}
