package io.facestream.api.poi;

import io.facestream.api.ApiException;
import io.facestream.api.FieldLimits;
import io.facestream.api.JsonBodies;
import io.facestream.api.Principal;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.api.backend.PipelineKafka;
import io.facestream.api.poi.PoiBodies.Alert;
import io.facestream.api.poi.PoiBodies.AlertsCleared;
import io.facestream.api.poi.PoiBodies.CameraItem;
import io.facestream.api.poi.PoiBodies.Cameras;
import io.facestream.api.poi.PoiBodies.Status;
import io.facestream.blobs.BlobKeys;
import io.facestream.blobs.BlobKind;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.camera.CameraUrls;
import io.facestream.topologies.views.CameraStatus;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.vectors.VectorStore;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/** Seed 001's read side beyond POIs: frames, thumbnails, cameras, alerts and status. */
final class PoiViews {
    static final int RECENT_ALERTS = 50;
    /** Longest encoded key accepted: base64 of the longest valid frame key ("frame/" and an id), with padding. */
    private static final int MAX_ENCODED = 4 * ((6 + BlobKeys.MAX_ID_LENGTH + 2) / 3) + 4;

    private final Backend backend;

    PoiViews(Backend backend) {
        this.backend = backend;
    }

    void register(Routes routes) {
        String prefix = PoiModule.PREFIX;
        routes.get(prefix + "/frames/{encoded_key}", this::frame)
                .summary("A captured frame (JPEG) by its base64url-encoded blob key, as search results link it").tags("search")
                .pathParam("encoded_key", "base64url of a frame blob key (frame/<source>:<frame>)")
                .respondsBinary(200, "image/jpeg", "The frame")
                .responds(400, "Not base64url, or not the key of a frame")
                .responds(404, "No such frame (never stored, or expired)");
        routes.get(prefix + "/thumbnail/{object_id}", this::thumbnail)
                .summary("The face thumbnail (aligned crop, JPEG) of a track or a face").tags("search")
                .pathParam("object_id", "A track id (its best matching face) or a face id")
                .respondsBinary(200, "image/jpeg", "The thumbnail")
                .responds(404, "No such track or face, or no crop kept");
        routes.get(prefix + "/cameras", ctx -> {
            List<CameraItem> cameras = catalog(q -> q.cameras()).stream()
                    .sorted(Comparator.comparing(CameraStatus::cameraId)).map(PoiViews::camera).toList();
            ctx.json(new Cameras(cameras, cameras.size()));
        }).summary("List cameras (credentials in URLs masked)").tags("cameras")
                .responds(200, "The cameras", Cameras.class);
        routes.get(prefix + "/cameras/{camera_id}", ctx -> {
            String id = ctx.pathParam("camera_id");
            ctx.json(camera(catalog(q -> q.camera(id)).orElseThrow(() -> ApiException.notFound("Camera not found: " + id))));
        }).summary("Get one camera").tags("cameras").pathParam("camera_id", "The camera's id")
                .responds(200, "The camera", CameraItem.class).responds(404, "No such camera");
        routes.get(prefix + "/alerts", this::alerts)
                .summary("The last " + RECENT_ALERTS + " POI match alerts, newest first").tags("alerts")
                .queryParam("acknowledged", "boolean", false, "Beyond the seed: true lists only acknowledged alerts, "
                        + "false only those nobody acknowledged (the last " + RECENT_ALERTS + " of them)")
                .description("Beyond the seed, each alert carries its acknowledgement, shared by every API instance and "
                        + "console: acknowledged, acknowledged_by, acknowledged_at and acknowledgement_note (null while "
                        + "not acknowledged); status is \"New\", or \"Acknowledged\" once acknowledged.")
                .responds(200, "The alerts", Alert[].class)
                .responds(422, "acknowledged is not true or false");
        routes.post(prefix + "/alerts/{alert_id}/ack", this::acknowledge)
                .summary("Acknowledge an alert (beyond the seed)").tags("alerts")
                .pathParam("alert_id", "The alert's id, as listed")
                .jsonBody(PoiBodies.AckRequest.class, "Optional: {note?: " + FieldLimits.describe(FieldLimits.ACK_NOTE) + "}")
                .description("Records who acknowledged the alert and when, on the alert-acks topic, so every API instance "
                        + "lists it acknowledged and every console connected to /api/v1/ws/alerts is told at once "
                        + "(event_type \"alert_acknowledged\"). Idempotent: acknowledging an acknowledged alert changes "
                        + "nothing and answers it as it is (who acknowledged it first, and when). Clearing the alerts "
                        + "clears their acknowledgements.")
                .responds(200, "The alert, acknowledged", Alert.class)
                .responds(404, "No such alert among the recent alerts (never raised, or cleared)")
                .responds(422, "A body that is not a JSON object, or a note over its limit")
                .responds(503, "The pipeline did not apply the acknowledgement in time");
        routes.delete(prefix + "/alerts/{alert_id}/ack", this::unacknowledge)
                .summary("Withdraw an alert's acknowledgement (beyond the seed)").tags("alerts")
                .pathParam("alert_id", "The alert's id, as listed")
                .description("The alert reads New again for every instance and console (event_type "
                        + "\"alert_unacknowledged\" on /api/v1/ws/alerts, sent on every such request). Idempotent.")
                .responds(200, "The alert, not acknowledged", Alert.class)
                .responds(404, "No such alert among the recent alerts")
                .responds(503, "The pipeline did not apply the change in time");
        routes.delete(prefix + "/alerts", this::clearAlerts)
                .summary("Clear the recent alerts").tags("alerts")
                .description("Clears the recent-alerts view up to now; the poi-alerts topic, a public contract, keeps "
                        + "every alert. deleted_count is how many alerts the view held up to now.")
                .responds(200, "Cleared", AlertsCleared.class)
                .responds(503, "The pipeline did not apply the clear in time");
        routes.get(prefix + "/status", this::status)
                .summary("System status: vector count, MQTT and Kafka connections").tags("system")
                .description("faiss_vectors counts the stored faces (the all-detections index); mqtt_connected is "
                        + "true only while this process's MQTT publisher is connected (false without MQTT configured); "
                        + "kafka_connected and kafka_lag (records per topic the pipeline has yet to read) say how it "
                        + "stands with Kafka.")
                .responds(200, "The status", Status.class);
    }

    private void frame(Context ctx) {
        String key = frameKeyOf(ctx.pathParam("encoded_key"));
        Optional<byte[]> bytes;
        try {
            bytes = backend.blobs().get(key);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Not a frame key.");
        } catch (IOException e) {
            throw ApiException.unavailable("The frame store could not be read; try again.");
        }
        ctx.contentType("image/jpeg").header("Cache-Control", "private, max-age=3600")
                .result(bytes.orElseThrow(() -> ApiException.notFound("Frame not found (never stored, or expired).")));
    }

    /** Decodes and validates an encoded key: base64url (padding optional) of a frame blob key, else 400. */
    static String frameKeyOf(String encoded) {
        if (encoded == null || encoded.isEmpty() || encoded.length() > MAX_ENCODED) {
            throw ApiException.badRequest("Invalid frame key.");
        }
        String key;
        try {
            byte[] raw = Base64.getUrlDecoder().decode(encoded);
            key = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw ApiException.badRequest("Invalid frame key: not base64url.");
        }
        // Only frame blobs, and only a valid key: one that names one frame and nothing else.
        if (!BlobKeys.isKey(BlobKind.FRAME, key)) {
            throw ApiException.badRequest("Invalid frame key: only frame keys (frame/<source>:<frame>) are served.");
        }
        return key;
    }

    static String frameUrl(String key) {
        return PoiModule.PREFIX + "/frames/"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static String thumbnailUrl(String objectId) {
        return PoiModule.PREFIX + "/thumbnail/" + objectId;
    }

    private void thumbnail(Context ctx) {
        String id = ctx.pathParam("object_id");
        Face face;
        try {
            face = backend.queries().thumbnailFace(id).orElse(null);
        } catch (InvalidStateStoreException e) {
            throw restoring();
        }
        if (face == null || face.getCropJpeg() == null) {
            throw ApiException.notFound("No thumbnail for " + id + ".");
        }
        ByteBuffer crop = face.getCropJpeg().duplicate();
        byte[] bytes = new byte[crop.remaining()];
        crop.get(bytes);
        ctx.contentType("image/jpeg").result(bytes);
    }

    private void alerts(Context ctx) {
        String raw = ctx.queryParam("acknowledged");
        Boolean acknowledged = raw == null || raw.isBlank() ? null : JsonBodies.boolQuery(ctx, "acknowledged", false);
        ctx.json(catalog(q -> q.recentAlerts(RECENT_ALERTS, acknowledged)).stream()
                .map(a -> Alert.of(a.alert(), a.acknowledgement())).toList());
    }

    private void acknowledge(Context ctx) {
        String alertId = ctx.pathParam("alert_id");
        // the note is checked before anything is read or written
        String note = ctx.body().isBlank() ? null
                : JsonBodies.text(JsonBodies.object(ctx), "note", Integer.MAX_VALUE).filter(n -> !n.isBlank()).orElse(null);
        FieldLimits.check("note", note, FieldLimits.ACK_NOTE);
        ViewQueries.RecentAlert alert = recentAlert(alertId);
        if (!alert.acknowledged()) {
            Principal who = Principal.of(ctx);
            backend.writes().acknowledgeAlert(AlertAck.newBuilder().setAlertId(alertId)
                    .setAcknowledgedBy(who == null ? "anonymous" : who.email() != null ? who.email() : who.name())
                    .setAcknowledgedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setNote(note).build());
            alert = awaitAcknowledgement(alertId, true);
        }
        ctx.json(Alert.of(alert.alert(), alert.acknowledgement()));
    }

    private void unacknowledge(Context ctx) {
        String alertId = ctx.pathParam("alert_id");
        recentAlert(alertId);
        // written even when the view shows no acknowledgement: one may be on its way to the view (a console reacts to
        // the pushed event before the view has it), and this tombstone, after it on the topic, still withdraws it
        backend.writes().unacknowledgeAlert(alertId);
        ViewQueries.RecentAlert alert = awaitAcknowledgement(alertId, false);
        ctx.json(Alert.of(alert.alert(), alert.acknowledgement()));
    }

    private ViewQueries.RecentAlert recentAlert(String alertId) {
        if (alertId.length() > JsonBodies.MAX_ID_LENGTH) throw ApiException.notFound("Alert not found: the id is too long.");
        return catalog(q -> q.recentAlert(alertId))
                .orElseThrow(() -> ApiException.notFound("Alert not found among the recent alerts: " + alertId));
    }

    /** Waits for the view to show the change; an alert cleared meanwhile is a 404 (its acknowledgement went with it). */
    private ViewQueries.RecentAlert awaitAcknowledgement(String alertId, boolean acknowledged) {
        backend.awaitVisible(() -> backend.queries().recentAlert(alertId).map(a -> a.acknowledged() == acknowledged).orElse(true),
                acknowledged ? "The acknowledgement" : "Withdrawing the acknowledgement");
        return recentAlert(alertId);
    }

    private void clearAlerts(Context ctx) {
        Instant upTo = Instant.now();
        long deleted = catalog(q -> q.recentAlertsUpTo(upTo));
        backend.writes().clearAlerts(upTo);
        backend.awaitVisible(() -> backend.queries().recentAlertsClearedUpTo(upTo), "Clearing the alerts");
        ctx.json(new AlertsCleared(deleted));
    }

    private void status(Context ctx) {
        KafkaStreams.State state = backend.streams().state();
        boolean running = state == KafkaStreams.State.RUNNING;
        Long vectors = optional(() -> backend.vectors().count(VectorStore.FACES));
        int pois = (int) backend.gallery().people().stream().filter(p -> p.getWatchlist() != null).count();
        Long alerts = optional(() -> backend.queries().alertCount());
        String model = optional(() -> backend.analyzer().config().catalog().model(ModelSpec.Role.EMBEDDER).id());
        String status = running && vectors != null ? "running" : "degraded";
        ctx.json(new Status(status, vectors, backend.mqttConnected().getAsBoolean(), PipelineKafka.connected(backend.streams()),
                PipelineKafka.lagByTopic(backend.streams()), state.name().toLowerCase(Locale.ROOT), backend.gallery().size(),
                pois, alerts, model));
    }

    /** A part of the status that could not be read (a view restoring, the vector store down) is null. */
    private static <T> T optional(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private <T> T catalog(Function<ViewQueries, T> query) {
        try {
            return query.apply(backend.queries());
        } catch (InvalidStateStoreException e) {
            throw restoring();
        }
    }

    static ApiException restoring() {
        return ApiException.unavailable("The pipeline is starting or rebalancing; try again in a moment.");
    }

    private static CameraItem camera(CameraStatus status) {
        Camera c = status.camera();
        return new CameraItem(c.getCameraId(), c.getName(), c.getLocation(), c.getEnabled(), CameraUrls.mask(c.getUrl()),
                status.status().name().toLowerCase(Locale.ROOT), status.measuredFps(), status.lastFrameTime(),
                status.lastHeartbeat(), status.lastError() == null ? null : CameraUrls.mask(status.lastError()));
    }
}
