package io.facestream.topologies.views;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Heartbeat;

/**
 * A value of the cameras view: the definition and the latest heartbeat (null until the
 * first). Status is derived from it at query time, because staleness is a matter of the
 * clock when asked, not of when the last record arrived.
 */
public record CameraState(Camera camera, Heartbeat heartbeat) {
}
