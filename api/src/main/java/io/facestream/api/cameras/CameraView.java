package io.facestream.api.cameras;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.camera.CameraUrls;
import io.facestream.topologies.views.CameraStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Seed 002's camera as the API shows it: the stored definition with its URL masked, and its derived status. */
final class CameraView {
    /** What facestream's detector finds: faces (a person or object detector would add its classes here). */
    static final List<String> DETECTABLE = List.of("face");
    /** An empty trigger set means this one (seed 002 says person; facestream's detector sees faces). */
    static final List<String> DEFAULT_TRIGGER = List.of("face");

    private CameraView() {
    }

    /**
     * A camera. {@code detect_interval} is the worker's detection period ({@code 1 / sample_fps}, 0 for every
     * frame); {@code live_view_fps} and {@code min_face_size} are facestream's own fields.
     */
    record Body(String id, String name, String rtspUrl, boolean enabled, String location, String status, double fps,
                Instant lastSeen, double detectConf, int preSeconds, int postSeconds, String triggerClasses,
                double detectIou, int detectImgsz, double detectInterval, double triggerCooldown, int minTriggerFrames,
                String rtspTransport, boolean facesEnabled, boolean reidEnabled, double liveViewFps, int minFaceSize,
                boolean unknownFaceAlerts, Instant createdAt, Instant updatedAt) {
    }

    /** The create / update body as documented; {@link CameraInput} reads and checks it. */
    record Input(String id, String name, String rtspUrl, Boolean enabled, String location, Double detectConf,
                 Integer preSeconds, Integer postSeconds, String triggerClasses, Double detectIou, Integer detectImgsz,
                 Double detectInterval, Double triggerCooldown, Integer minTriggerFrames, String rtspTransport,
                 Boolean facesEnabled, Boolean reidEnabled, Double liveViewFps, Integer minFaceSize, Boolean unknownFaceAlerts) {
    }

    /** {@code /status}: the seed's four fields, the camera's id, and the worker's latest error (masked) when it has one. */
    record Status(String id, String status, Instant lastSeen, double fps, String detector, String error) {
    }

    /** {@code /detect/classes}: what the configured detector can see, and the trigger set an empty one means. */
    record Classes(List<String> classes, List<String> defaultTriggerClasses, String detector) {
    }

    static Body of(CameraStatus status, Duration stale) {
        Camera c = status.camera();
        String derived = status(status, stale, Instant.now());
        return new Body(c.getCameraId(), c.getName(), CameraUrls.mask(c.getUrl()), c.getEnabled(), c.getLocation(), derived,
                derived.equals("online") ? round(status.measuredFps()) : 0, lastSeen(status), decimal(c.getDetectionThreshold()),
                c.getPreSeconds(), c.getPostSeconds(), c.getTriggerClasses(), decimal(c.getDetectIou()), c.getDetectImgsz(),
                detectInterval(c.getSampleFps()), c.getTriggerCooldown(), c.getMinTriggerFrames(), c.getRtspTransport(),
                c.getFacesEnabled(), c.getReidEnabled(), c.getLiveViewFps(), c.getMinFaceSize(), c.getUnknownFaceAlerts(), c.getCreatedAt(), c.getUpdatedAt());
    }

    static Status statusOf(CameraStatus status, Duration stale, String detector) {
        String derived = status(status, stale, Instant.now());
        String error = status.lastError() == null || derived.equals("online") ? null : CameraUrls.mask(status.lastError());
        return new Status(status.cameraId(), derived, lastSeen(status), derived.equals("online") ? round(status.measuredFps()) : 0,
                detector, error);
    }

    /**
     * Seed 002's rule: disabled reads offline; no heartbeat, or one older than {@code stale}, reads offline (a dead
     * worker cannot say so); a worker reporting an error reads error, and so does one that cannot reach its stream
     * (offline with a reason: the camera is wanted and failing); a stopped worker is offline.
     */
    static String status(CameraStatus status, Duration stale, Instant now) {
        if (!status.camera().getEnabled()) return "offline";
        if (status.lastHeartbeat() == null || status.lastHeartbeat().plus(stale).isBefore(now)) return "offline";
        return switch (status.status()) {
            case ONLINE -> "online";
            case ERROR -> "error";
            case OFFLINE -> status.lastError() != null ? "error" : "offline";
            case STOPPED -> "offline";
        };
    }

    /** When the camera was last heard of: its latest frame, else its worker's latest heartbeat. */
    private static Instant lastSeen(CameraStatus status) {
        return status.lastFrameTime() != null ? status.lastFrameTime() : status.lastHeartbeat();
    }

    /** The worker's sampling rate for a detection period in seconds (0: every frame). */
    static double sampleFps(double detectInterval) {
        return detectInterval == 0 ? 0 : 1 / detectInterval;
    }

    static double detectInterval(double sampleFps) {
        return sampleFps <= 0 ? 0 : round(1 / sampleFps);
    }

    /** A float field as the decimal the client sent (0.6, not 0.6000000238418579). */
    private static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
