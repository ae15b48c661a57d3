package io.facestream.integrations;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The JSON an integration sends for a POI alert, an unknown-face alert or a sighting, shaped like Frigate's events
 * ({@code type} new/update/end, {@code before}/{@code after} reduced to {@code after}, the camera, a label,
 * a score, a box, and links to the thumbnail and frame on the API) so that Home Assistant automations
 * written for Frigate read it with few changes.
 *
 * <p>The links follow the API's seed-001 routes ({@code /api/v1/thumbnail/{id}}, {@code /api/v1/frames/{key}}
 * with the blob key in unpadded base64url, the API's {@code PoiViews}); they need an API key, as every route does.
 */
public final class Events {
    static final ObjectMapper JSON = new ObjectMapper();
    /** An event's {@code kind}; also the webhook's event header and the camera's retained MQTT topic. */
    public static final String POI_ALERT = "poi_alert", UNKNOWN_FACE_ALERT = "unknown_face_alert", SIGHTING = "sighting";

    private final String apiBaseUrl;

    /** @param apiBaseUrl where subscribers reach the API, e.g. {@code http://facestream.lan:8080} */
    public Events(String apiBaseUrl) {
        this.apiBaseUrl = apiBaseUrl.endsWith("/") ? apiBaseUrl.substring(0, apiBaseUrl.length() - 1) : apiBaseUrl;
    }

    /** A POI alert, or an unknown-face alert (kind UNKNOWN: its poi_id is the track's automatic identity). */
    public ObjectNode alert(PoiAlert a) {
        boolean unknown = a.getKind() == AlertKind.UNKNOWN;
        ObjectNode event = JSON.createObjectNode().put("type", "new").put("kind", unknown ? UNKNOWN_FACE_ALERT : POI_ALERT);
        ObjectNode after = event.putObject("after");
        after.put("id", a.getAlertId()).put("camera", a.getCameraId()).put("label", "person").put("identity_id", a.getIdentityId())
                .put("sub_label", a.getPoiName()).put("poi_id", a.getPoiId()).put("poi_name", a.getPoiName())
                .put("severity", a.getSeverity().name().toLowerCase(Locale.ROOT))
                .put("score", a.getConfidence()).put("similarity", a.getSimilarity())
                .put("previous_match_count", a.getPreviousMatchCount()).put("source_id", a.getSourceId())
                .put("track_id", a.getTrackId()).put("frame_number", a.getFrameNumber())
                .put("start_time", a.getTimestamp().toEpochMilli() / 1000.0).put("timestamp", a.getTimestamp().toString());
        box(after, a.getBbox());
        after.put("thumbnail_url", thumbnail(a.getThumbnailRef() != null ? a.getThumbnailRef() : a.getTrackId()));
        after.put("frame_url", a.getFrameRef() == null ? null : frame(a.getFrameRef()));
        return event;
    }

    public ObjectNode sighting(Sighting s) {
        ObjectNode event = JSON.createObjectNode().put("type", s.getFinal$() ? "end" : "update").put("kind", SIGHTING);
        ObjectNode after = event.putObject("after");
        after.put("id", s.getSightingId()).put("camera", s.getCameraId()).put("label", "person")
                .put("match_kind", s.getMatchKind().name().toLowerCase(Locale.ROOT)).put("person_id", s.getPersonId())
                .put("identity_id", s.getIdentityId()).put("file_id", s.getFileId()).put("source_id", s.getSourceId())
                .put("score", s.getSimilarity()).put("face_count", s.getFaceCount())
                .put("start_time", s.getEntryTime().toEpochMilli() / 1000.0)
                .put("end_time", s.getFinal$() ? s.getExitTime().toEpochMilli() / 1000.0 : null)
                .put("thumbnail_url", thumbnail(s.getThumbnailRef() != null ? s.getThumbnailRef() : s.getTrackId()))
                .put("frame_url", s.getBestFrameRef() == null ? null : frame(s.getBestFrameRef()));
        return event;
    }

    private static void box(ObjectNode after, BoundingBox b) {
        if (b == null) return;
        // Frigate's box is [x_min, y_min, x_max, y_max] in pixels
        after.putArray("box").add(b.getX()).add(b.getY()).add(b.getX() + b.getWidth()).add(b.getY() + b.getHeight());
    }

    private String thumbnail(String objectId) {
        return apiBaseUrl + "/api/v1/thumbnail/" + URLEncoder.encode(objectId, StandardCharsets.UTF_8);
    }

    private String frame(String blobKey) {
        return apiBaseUrl + "/api/v1/frames/" + Base64.getUrlEncoder().withoutPadding().encodeToString(blobKey.getBytes(StandardCharsets.UTF_8));
    }
}
