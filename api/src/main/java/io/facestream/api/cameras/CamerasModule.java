package io.facestream.api.cameras;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.Camera;
import io.facestream.topologies.views.CameraStatus;
import io.facestream.topologies.views.ViewQueries;
import io.javalin.http.Context;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * Seed 002's {@code /api/cameras}: CRUD over the cameras topic, whose records drive the ingest worker manager
 * (wherever it runs), with status from the workers' heartbeats. A write is a record on the compacted cameras topic
 * (a tombstone for delete), answered once the cameras view shows it.
 */
public final class CamerasModule implements ApiModule {
    static final String PREFIX = "/api/cameras";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String FIELDS_DOC = """
            Fields (JSON; every one optional on update, absent ones unchanged): \
            name (string, 1-200, required on create); \
            rtsp_url (string, required on create: rtsp://, rtsps://, http:// or https:// with a host; write-only, every \
            response masks its credentials as rtsp://***@host/path; on update a blank URL or one containing *** keeps the \
            stored one); \
            enabled (bool, default true; disabling stops the camera's worker, enabling starts it); \
            location (string or null, facestream's own); \
            detect_conf (0-1, default 0.7: the face detector's confidence threshold; acts); \
            detect_interval (0-60 s between detections, 0 = every frame, default 0.1; acts, as the worker's sampling rate); \
            rtsp_transport (tcp or udp, default tcp; acts); \
            live_view_fps (0.1-30, default 2: frames per second published for the live view; facestream's own; acts); \
            min_face_size (8-1024 px, default 24: smaller faces are ignored; facestream's own; acts); \
            pre_seconds (0-120, default 5), post_seconds (0-300, default 10), trigger_classes (comma-separated classes the \
            detector can see, see detect/classes; empty means the default set), trigger_cooldown (0-3600 s, default 0), \
            min_trigger_frames (1-100, default 1): pre_seconds and post_seconds act (each presence's clip); the other three are \
            STORED AND RETURNED ONLY (every face track of the camera records an event); \
            detect_iou (0-1, default 0.4) and detect_imgsz (128-1920, default 640): STORED AND RETURNED ONLY, the face \
            detector's NMS threshold is per process and its input size fixed by its model; \
            faces_enabled (bool, default true: false keeps the live view but detects no faces, so nothing is \
            recognised; acts); \
            reid_enabled (bool, default false): STORED AND RETURNED ONLY, facestream has no body re-identification. \
            unknown_face_alerts (bool, default false; facestream's own): alert when a track's face matches nobody \
            enrolled once it has enough good faces (an alert of kind "unknown" naming its automatic identity, on the \
            alerts topic, GET /api/v1/alerts and the alerts WebSocket); acts without restarting the worker. \
            Changing the URL or any field marked "acts" restarts the camera's worker; changing the URL also deletes the \
            camera's earlier events with their clips (it is another camera now; X-Facestream-Purged-Events says how many). \
            A value of the wrong type or out of its range is 422 {"detail": "<field>: <what is allowed>"}.""";

    private final Backend backend;
    private final Duration statusStale;
    private final CameraPurge purge;

    /** @param statusStale a camera whose latest heartbeat is older than this reads offline ({@code status_stale_seconds}) */
    public CamerasModule(Backend backend, Duration statusStale) {
        if (statusStale.isNegative() || statusStale.isZero()) {
            throw new IllegalArgumentException("the camera status staleness must be positive: " + statusStale);
        }
        this.backend = backend;
        this.statusStale = statusStale;
        this.purge = new CameraPurge(backend);
    }

    @Override
    public void register(Routes routes) {
        // before /{id}: Javalin matches routes in the order they are added
        routes.get(PREFIX + "/detect/classes", ctx -> ctx.json(new CameraView.Classes(CameraView.DETECTABLE,
                        CameraView.DEFAULT_TRIGGER, detector())))
                .summary("What the configured detector can see, and the default trigger set").tags("cameras")
                .description("facestream's detector finds faces only: classes is [\"face\"]; there is no person or "
                        + "object (COCO) detector yet. trigger_classes accepts only these classes.")
                .responds(200, "The classes", CameraView.Classes.class);
        routes.get(PREFIX, ctx -> ctx.json(queries().cameras().stream()
                        .sorted(Comparator.comparing(CameraStatus::cameraId)).map(c -> CameraView.of(c, statusStale)).toList()))
                .summary("List cameras with their derived status (URLs masked)").tags("cameras")
                .responds(200, "The cameras, by id", CameraView.Body[].class);
        routes.post(PREFIX, this::create)
                .summary("Create a camera; an enabled one gets its worker at once").tags("cameras")
                .description(FIELDS_DOC + " The camera's id is generated unless the body names one (id: 1-64 of "
                        + "[A-Za-z0-9_.-]); an id already used is 409.")
                .jsonBody(CameraView.Input.class, "The camera's fields (see the description)")
                .responds(201, "Created", CameraView.Body.class)
                .responds(409, "The id is taken")
                .responds(422, "A field is missing, of the wrong type or out of its range")
                .responds(503, "Kafka or the pipeline did not take the change in time");
        routes.get(PREFIX + "/{id}", ctx -> ctx.json(CameraView.of(find(ctx), statusStale)))
                .summary("Get one camera").tags("cameras").pathParam("id", "The camera's id")
                .responds(200, "The camera", CameraView.Body.class).responds(404, "No such camera");
        routes.put(PREFIX + "/{id}", this::update)
                .summary("Partial update of a camera").tags("cameras").pathParam("id", "The camera's id")
                .description(FIELDS_DOC + " The id cannot change.")
                .jsonBody(CameraView.Input.class, "The fields to change (id is ignored)")
                .responds(200, "The updated camera", CameraView.Body.class)
                .responds(404, "No such camera")
                .responds(422, "A field of the wrong type or out of its range")
                .responds(503, "Kafka or the pipeline did not take the change in time");
        routes.delete(PREFIX + "/{id}", this::delete)
                .summary("Delete a camera and stop its worker").tags("cameras").pathParam("id", "The camera's id")
                .description("Recursive: removes the camera's definition (a tombstone on facestream.cameras), which "
                        + "stops its worker (and its segment recorder) wherever it runs; its events with their clips and "
                        + "thumbnails; the identities only this camera saw (with their sightings and faces); and its face "
                        + "samples of identities also seen elsewhere (which survive). The X-Facestream-Removed header says "
                        + "how many of each. NOT removed: sightings of surviving identities at this camera, its full "
                        + "frames in the blob store and its segment buffer (both expire with their retention).")
                .responds(204, "Deleted")
                .responds(404, "No such camera")
                .responds(503, "Kafka or the pipeline did not take the change in time");
        routes.get(PREFIX + "/{id}/status", ctx -> ctx.json(CameraView.statusOf(find(ctx), statusStale, detector())))
                .summary("A camera's live status: status, last_seen, fps, detector").tags("cameras")
                .pathParam("id", "The camera's id")
                .description("status: offline when disabled, or when its latest heartbeat is older than "
                        + "status_stale_seconds (api.cameras.status.stale.seconds) or it has none; error when its worker "
                        + "reports an error or cannot reach the stream (error says why, credentials masked); else online "
                        + "(a stopped worker reads offline). last_seen: its latest frame, "
                        + "else its latest heartbeat. fps: frames analysed per second, 0 unless online. detector: the "
                        + "face detection model.")
                .responds(200, "The status", CameraView.Status.class).responds(404, "No such camera");
    }

    private ViewQueries queries() {
        return backend.queries(statusStale);
    }

    private CameraStatus find(Context ctx) {
        String id = ctx.pathParam("id");
        return queries().camera(id).orElseThrow(() -> ApiException.notFound("Camera not found."));
    }

    private void create(Context ctx) {
        CameraInput input = CameraInput.parse(ctx.bodyAsBytes());
        String id = input.requestedId();
        if (id == null) id = "cam-" + HexFormat.of().formatHex(randomBytes());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Camera.Builder camera = Camera.newBuilder().setCameraId(id).setName("").setUrl("").setEnabled(true)
                .setCreatedAt(now).setUpdatedAt(now);
        input.applyTo(camera, true);
        if (queries().camera(id).isPresent()) throw ApiException.conflict("A camera with id " + id + " exists.");
        Camera built = camera.build();
        backend.writes().putCamera(built);
        String cameraId = id;
        backend.awaitVisible(() -> applied(cameraId, now), "Creating the camera");
        ctx.status(201).json(CameraView.of(queries().camera(id).orElseThrow(), statusStale));
    }

    private void update(Context ctx) {
        CameraStatus current = find(ctx);
        CameraInput input = CameraInput.parse(ctx.bodyAsBytes());
        Camera stored = current.camera();
        // strictly later than the stored time, so the view shows this write and not the one before it
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant updated = now.isAfter(stored.getUpdatedAt()) ? now : stored.getUpdatedAt().plusMillis(1);
        Camera.Builder camera = Camera.newBuilder(stored).setUpdatedAt(updated);
        input.applyTo(camera, false);
        Camera changed = camera.build();
        String id = stored.getCameraId();
        if (changedAnything(stored, changed)) {
            backend.writes().putCamera(changed);
            backend.awaitVisible(() -> applied(id, updated), "Updating the camera");
            // a repointed camera is another physical camera: its earlier events (and their files) go
            if (!stored.getUrl().equals(changed.getUrl())) ctx.header("X-Facestream-Purged-Events", String.valueOf(purge.events(id)));
        }
        ctx.json(CameraView.of(queries().camera(id).orElseThrow(() -> ApiException.notFound("Camera not found.")), statusStale));
    }

    /** Anything but the update time differs: a no-op update writes nothing (and restarts no worker). */
    private static boolean changedAnything(Camera stored, Camera changed) {
        Camera same = Camera.newBuilder(changed).setUpdatedAt(stored.getUpdatedAt()).build();
        return !same.equals(stored);
    }

    private void delete(Context ctx) {
        String id = find(ctx).cameraId();
        backend.writes().deleteCamera(id);
        backend.awaitVisible(() -> queries().camera(id).isEmpty(), "Deleting the camera");
        CameraPurge.Removed removed = purge.everything(id, io.facestream.api.Principal.of(ctx) == null ? null : io.facestream.api.Principal.of(ctx).name());
        ctx.header("X-Facestream-Removed", removed.header());
        ctx.status(204);
    }

    private boolean applied(String id, Instant updatedAt) {
        return queries().camera(id).map(c -> !c.camera().getUpdatedAt().isBefore(updatedAt)).orElse(false);
    }

    private String detector() {
        try {
            return backend.analyzer().config().catalog().model(ModelSpec.Role.DETECTOR).id();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
