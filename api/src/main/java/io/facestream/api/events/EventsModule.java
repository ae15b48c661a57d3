package io.facestream.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.JsonBodies;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.blobs.BlobKind;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.RecordingKind;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.recording.EventIds;
import io.facestream.topologies.views.CameraStatus;
import io.facestream.topologies.views.ViewQueries;
import io.javalin.http.Context;
import org.eclipse.jetty.http.ByteRange;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Seed 002's {@code /api/events} (recorded clips: one per presence, or a manual recording), manual recording at
 * {@code /api/live/{id}/record/start|stop}, and the two reads of issue 13 that need events:
 * {@code /api/identities/{id}/events} and {@code /api/face-groups/clips}. Events come from the events view, their
 * clips and thumbnails from the blob store; an ingest process's event recorder cuts the clips from its cameras'
 * segment buffers.
 */
public final class EventsModule implements ApiModule {
    static final String PREFIX = "/api/events";
    static final int MAX_IDS = 1000;
    /** The seed's flat-memory streaming unit. */
    static final int CHUNK_BYTES = 1 << 20;
    /** How much earlier than the server's clock a client's started_at may claim to be, beyond the buffer. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);
    /** A manual recording's margin on each side (the seed's "about 1 s"; the recorder's MANUAL_MARGIN). */
    private static final Duration MANUAL_MARGIN = Duration.ofSeconds(1);

    /**
     * @param segmentRetention how far back a manual recording may start (the workers' {@code segment_retention_seconds})
     * @param clipWait         how long {@code record/stop} waits for the recorder to cut the clip
     */
    public record Settings(Duration segmentRetention, Duration clipWait) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(300), Duration.ofSeconds(45));
        }
    }

    private final Backend backend;
    private final EventStore store;
    private final Settings settings;

    public EventsModule(Backend backend, Settings settings) {
        this.backend = backend;
        this.store = new EventStore(backend);
        this.settings = settings;
    }

    @Override
    public void register(Routes routes) {
        routes.get(PREFIX, this::list)
                .summary("List events, newest first").tags("events")
                .description("Recorded events: `kind` presence (one per track of a camera, its clip spanning the "
                        + "presence with the camera's pre_seconds and post_seconds, widened to whole segments) or manual. "
                        + "`label` is `face` for a presence, `manual` for a manual recording. `person_id` matches the "
                        + "known person the presence's track was recognised as.")
                .queryParam("camera_id", "string", false, "Only this camera's events")
                .queryParam("person_id", "string", false, "Only events of this known person")
                .queryParam("from", "string", false, "ISO 8601 time, inclusive (event start)")
                .queryParam("to", "string", false, "ISO 8601 time, exclusive (event start)")
                .queryParam("label", "string", false, "face or manual")
                .queryParam("limit", "integer", false, "1-500, default 50")
                .queryParam("offset", "integer", false, "Items to skip, default 0")
                .responds(200, "{total, items}", EventView.EventList.class)
                .responds(422, "A parameter out of range or not a time");
        routes.post(PREFIX + "/bulk-delete", this::bulkDelete)
                .summary("Delete the given events with their clips and thumbnails").tags("events")
                .jsonBody(EventView.Ids.class, "{ids: 1-1000 event ids}")
                .responds(200, "What was deleted, and the ids that did not exist", EventView.BulkResult.class)
                .responds(422, "No ids, or more than 1000");
        routes.post(PREFIX + "/clear-all", this::clearAll)
                .summary("Delete every event (of one camera, of one label)").tags("events")
                .description("Deletes in chunks of 200. Sightings are not touched.")
                .jsonBody(EventView.ClearAll.class, "{confirm: true, camera_id?, label?}")
                .responds(200, "How many were deleted", EventView.ClearResult.class)
                .responds(400, "confirm is not true");
        routes.get(PREFIX + "/{id}", ctx -> ctx.json(view(event(ctx), backend.queries())))
                .summary("One event").tags("events").pathParam("id", "The event id (ev-<uuid>)")
                .responds(200, "The event", EventView.Event.class)
                .responds(400, "Not an event id").responds(404, "No such event");
        routes.delete(PREFIX + "/{id}", this::delete)
                .summary("Delete an event, its clip and thumbnail").tags("events").pathParam("id", "The event id")
                .responds(204, "Deleted").responds(400, "Not an event id").responds(404, "No such event");
        routes.get(PREFIX + "/{id}/clip", this::clip)
                .summary("The event's MP4 clip (HTTP Range supported)").tags("events").pathParam("id", "The event id")
                .description("Always `Accept-Ranges: bytes`. `Range: bytes=a-b`, `bytes=a-` and suffix `bytes=-n` are "
                        + "answered 206 with `Content-Range`; a range that cannot be satisfied (or is malformed) 416 with "
                        + "`Content-Range: bytes */<size>`; several ranges are answered with the whole clip (200). Written "
                        + "in 1 MiB chunks.")
                .respondsBinary(200, "video/mp4", "The clip").respondsBinary(206, "video/mp4", "The requested range")
                .responds(400, "Not an event id, or a clip path outside the data root")
                .responds(404, "No such event, or its clip is gone").responds(416, "Range not satisfiable");
        routes.get(PREFIX + "/{id}/thumbnail", ctx -> jpeg(ctx, store.blob(BlobKind.THUMBNAIL, event(ctx).getThumbnailRef(), "thumbnail")))
                .summary("The event's thumbnail JPEG").tags("events").pathParam("id", "The event id")
                .description("A frame from the middle of the clip.")
                .respondsBinary(200, "image/jpeg", "The thumbnail")
                .responds(400, "Not an event id").responds(404, "No such event, or no thumbnail");
        routes.post("/api/live/{id}/record/start", this::recordStart)
                .summary("Begin a manual recording").tags("live").pathParam("id", "The camera id")
                .description("Stateless: returns the server's `started_at`, which the client sends back to record/stop. "
                        + "Nothing is stored until then.")
                .responds(200, "{camera_id, started_at}", EventView.RecordStarted.class)
                .responds(404, "No such camera").responds(409, "The camera is disabled");
        routes.post("/api/live/{id}/record/stop", this::recordStop)
                .summary("Finish a manual recording: a manual event with its clip").tags("live").pathParam("id", "The camera id")
                .description("Body `{started_at}` as record/start returned it. The clip spans [started_at - 1 s, now + 1 s] "
                        + "from the camera's segment buffer (so at most segment_retention_seconds back), cut by the ingest "
                        + "process that runs the camera's worker; the call returns once it is stored.")
                .jsonBody(EventView.StopBody.class, "{started_at: ISO 8601}")
                .responds(200, "{event_id, clip, duration}", EventView.RecordStopped.class)
                .responds(400, "started_at missing, not a time, in the future or older than the segment buffer")
                .responds(404, "No such camera").responds(409, "The camera is disabled, or its buffer holds none of the span")
                .responds(503, "No recorder cut the clip in time (is the camera's worker running?)");
        routes.get("/api/identities/{id}/events", this::identityEvents)
                .summary("Recorded clips this identity appears in, newest first").tags("identities", "events")
                .pathParam("id", "The identity id")
                .queryParam("limit", "integer", false, "1-500, default 50")
                .queryParam("offset", "integer", false, "Items to skip, default 0")
                .description("Presence events whose track's sighting is filed under the identity now (after merges and splits).")
                .responds(200, "{total, items}", EventView.EventList.class).responds(404, "No such identity");
        routes.post("/api/face-groups/clips", this::groupClips)
                .summary("Recorded clips a face group appears in, newest first").tags("face-groups", "events")
                .description("The events of the samples' tracks, and any other event of a sample's camera whose clip "
                        + "spans the sample's time; each event once.")
                .jsonBody(EventView.SampleIds.class, "{sample_ids: 1-1000 face ids}")
                .responds(200, "{total, items}", EventView.EventList.class)
                .responds(422, "No sample ids, or more than 1000");
    }

    // ---- reads ----

    private void list(Context ctx) {
        String camera = ctx.queryParam("camera_id");
        String person = ctx.queryParam("person_id");
        String label = ctx.queryParam("label");
        Instant from = time(ctx, "from"), to = time(ctx, "to");
        int limit = JsonBodies.intQuery(ctx, "limit", 50, 1, 500);
        int offset = JsonBodies.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        ViewQueries queries = backend.queries();
        Map<String, Optional<Sighting>> sightings = new HashMap<>();
        Predicate<Recording> filter = r -> (blank(camera) || camera.equals(r.getCameraId()))
                && (blank(label) || label.equals(EventView.label(r)))
                && (from == null || !r.getStartTime().isBefore(from))
                && (to == null || r.getStartTime().isBefore(to))
                && (blank(person) || sighting(r, queries, sightings).map(s -> person.equals(s.getPersonId())).orElse(false));
        ctx.json(page(store.events(filter), queries, offset, limit));
    }

    private void identityEvents(Context ctx) {
        String id = ctx.pathParam("id");
        ViewQueries queries = backend.queries();
        if (queries.identity(id).isEmpty()) throw ApiException.notFound("Identity not found.");
        int limit = JsonBodies.intQuery(ctx, "limit", 50, 1, 500);
        int offset = JsonBodies.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        Map<String, Optional<Sighting>> sightings = new HashMap<>();
        ctx.json(page(store.events(r -> sighting(r, queries, sightings).map(s -> id.equals(s.getIdentityId())).orElse(false)),
                queries, offset, limit));
    }

    private void groupClips(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        List<String> ids = JsonBodies.ids(body, "sample_ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("sample_ids: 1 to " + MAX_IDS + " ids are required");
        ViewQueries queries = backend.queries();
        List<Face> faces = new ArrayList<>();
        for (String id : ids) queries.face(id).ifPresent(faces::add);
        List<Recording> events = store.events(r -> faces.stream().anyMatch(f -> appearsIn(f, r)));
        ctx.json(page(events, queries, 0, events.size()));
    }

    /** A sample appears in an event of its own track, or in any clip of its camera spanning its time. */
    private static boolean appearsIn(Face face, Recording event) {
        if (event.getTrackId() != null && event.getTrackId().equals(face.getTrackId())) return true;
        if (face.getCameraId() == null || !face.getCameraId().equals(event.getCameraId()) || event.getEndTime() == null) return false;
        Instant t = face.getTimestamp();
        return !t.isBefore(event.getStartTime()) && !t.isAfter(event.getEndTime());
    }

    private EventView.EventList page(List<Recording> events, ViewQueries queries, int offset, int limit) {
        List<Recording> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(Recording::getStartTime).thenComparing(Recording::getEventId).reversed());
        List<EventView.Event> items = sorted.stream().skip(offset).limit(limit).map(r -> view(r, queries)).toList();
        return new EventView.EventList(sorted.size(), items);
    }

    private static Optional<Sighting> sighting(Recording r, ViewQueries queries, Map<String, Optional<Sighting>> cache) {
        if (r.getTrackId() == null) return Optional.empty();
        return cache.computeIfAbsent(r.getTrackId(), queries::sighting);
    }

    private EventView.Event view(Recording r, ViewQueries queries) {
        String cameraName = queries.camera(r.getCameraId()).map(c -> c.camera().getName()).orElse(null);
        Optional<Sighting> sighting = r.getTrackId() == null ? Optional.empty() : queries.sighting(r.getTrackId());
        String identityId = sighting.map(Sighting::getIdentityId).orElse(null);
        String personId = sighting.map(Sighting::getPersonId).orElse(null);
        String identityName = identityId == null ? null : queries.identity(identityId).map(Identity::getName).orElse(null);
        String personName = personId == null ? null : backend.gallery().person(personId).map(Person::getName).orElse(null);
        Instant end = r.getEndTime() == null ? r.getStartTime() : r.getEndTime();
        double duration = Math.round((end.toEpochMilli() - r.getStartTime().toEpochMilli()) / 100.0) / 10.0;
        String base = PREFIX + "/" + r.getEventId();
        return new EventView.Event(r.getEventId(), r.getCameraId(), cameraName, r.getKind().name().toLowerCase(java.util.Locale.ROOT),
                EventView.label(r), r.getStartTime().toString(), end.toString(), duration, r.getTrackId(), identityId,
                identityName, personId, personName, r.getSizeBytes(), base + "/clip",
                r.getThumbnailRef() == null ? null : base + "/thumbnail");
    }

    private Recording event(Context ctx) {
        String id = ctx.pathParam("id");
        // checked before it names anything: an id is never a path
        if (!EventIds.isValid(id)) throw ApiException.badRequest("Invalid event id: expected ev-<uuid>.");
        return store.event(id).orElseThrow(() -> ApiException.notFound("Event not found."));
    }

    // ---- clip ----

    private void clip(Context ctx) throws IOException {
        Recording event = event(ctx);
        byte[] clip = store.blob(BlobKind.CLIP, event.getClipRef(), "clip");
        long size = clip.length;
        ctx.header("Accept-Ranges", "bytes").contentType("video/mp4");
        String range = ctx.header("Range");
        long first = 0, last = size - 1;
        if (range != null) {
            List<ByteRange> ranges = ByteRange.parse(List.of(range), size);
            if (ranges.isEmpty()) {
                ctx.status(416).header("Content-Range", ByteRange.toNonSatisfiableHeaderValue(size));
                ctx.result(new byte[0]);
                return;
            }
            if (ranges.size() == 1) {
                first = ranges.getFirst().first();
                last = ranges.getFirst().last();
                ctx.status(206).header("Content-Range", ranges.getFirst().toHeaderValue(size));
            }
        }
        long length = last - first + 1;
        ctx.header("Content-Length", String.valueOf(length));
        OutputStream out = ctx.outputStream();
        for (long at = first; at <= last; at += CHUNK_BYTES) {
            out.write(clip, (int) at, (int) Math.min(CHUNK_BYTES, last + 1 - at));
            out.flush();
        }
    }

    private static void jpeg(Context ctx, byte[] bytes) {
        ctx.contentType("image/jpeg").header("Cache-Control", "private, max-age=3600").result(bytes);
    }

    // ---- deletes ----

    private void delete(Context ctx) {
        store.delete(List.of(event(ctx)));
        ctx.status(204);
    }

    private void bulkDelete(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        List<String> ids = JsonBodies.ids(body, "ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("ids: 1 to " + MAX_IDS + " ids are required");
        List<Recording> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            Optional<Recording> r = EventIds.isValid(id) ? store.event(id) : Optional.empty();
            if (r.isPresent()) present.add(r.get());
            else missing.add(id);
        }
        store.delete(present);
        ctx.json(new EventView.BulkResult(present.size(), present.stream().map(Recording::getEventId).toList(), missing));
    }

    private void clearAll(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        if (!JsonBodies.bool(body, "confirm").orElse(false)) {
            throw ApiException.badRequest("Clearing events requires \"confirm\": true.");
        }
        String camera = JsonBodies.text(body, "camera_id", JsonBodies.MAX_ID_LENGTH).filter(s -> !s.isBlank()).orElse(null);
        String label = JsonBodies.text(body, "label", 64).filter(s -> !s.isBlank()).orElse(null);
        List<Recording> events = store.events(r -> (camera == null || camera.equals(r.getCameraId()))
                && (label == null || label.equals(EventView.label(r))));
        store.delete(events);
        ctx.json(new EventView.ClearResult(events.size(), camera, label));
    }

    // ---- manual recording ----

    private CameraStatus camera(Context ctx) {
        CameraStatus camera = backend.queries().camera(ctx.pathParam("id")).orElseThrow(() -> ApiException.notFound("Camera not found."));
        if (!camera.camera().getEnabled()) throw ApiException.conflict("The camera is disabled: it records nothing.");
        return camera;
    }

    private void recordStart(Context ctx) {
        CameraStatus camera = camera(ctx);
        ctx.json(new EventView.RecordStarted(camera.cameraId(), Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()));
    }

    private void recordStop(Context ctx) {
        CameraStatus camera = camera(ctx);
        JsonNode body = JsonBodies.object(ctx);
        String raw = JsonBodies.text(body, "started_at", 64).orElseThrow(() -> ApiException.badRequest("started_at: field required"));
        Instant started;
        try {
            started = OffsetDateTime.parse(raw.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("started_at: must be an ISO 8601 time with an offset, as record/start returned it");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        if (started.isAfter(now.plus(CLOCK_SKEW))) throw ApiException.badRequest("started_at: is in the future");
        if (started.isBefore(now.minus(settings.segmentRetention()).plus(MANUAL_MARGIN)))
            throw ApiException.badRequest("started_at: older than the camera's segment buffer ("
                    + settings.segmentRetention().toSeconds() + " s)");
        String eventId = EventIds.manual();
        Recording request = Recording.newBuilder().setEventId(eventId).setCameraId(camera.cameraId()).setKind(RecordingKind.MANUAL)
                .setStartTime(started.minus(MANUAL_MARGIN)).setEndTime(now.plus(MANUAL_MARGIN)).build();
        backend.writes().putRecording(request);
        backend.awaitVisible(() -> backend.queries().event(eventId).map(r -> r.getClipRef() != null || r.getError() != null).orElse(false),
                "Recording the clip", settings.clipWait());
        Recording done = backend.queries().event(eventId).orElseThrow();
        if (done.getClipRef() == null) {
            backend.writes().deleteRecordings(List.of(eventId));
            throw ApiException.conflict("No clip: " + done.getError() + ".");
        }
        double duration = (done.getEndTime().toEpochMilli() - done.getStartTime().toEpochMilli()) / 1000.0;
        ctx.json(new EventView.RecordStopped(eventId, PREFIX + "/" + eventId + "/clip", Math.round(duration * 10) / 10.0));
    }

    // ---- parameters ----

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static Instant time(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (blank(raw)) return null;
        try {
            return OffsetDateTime.parse(raw.strip()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(raw.strip());
            } catch (DateTimeParseException again) {
                throw ApiException.validation(name + ": must be an ISO 8601 time with an offset, e.g. 2026-01-31T08:00:00Z");
            }
        }
    }
}
