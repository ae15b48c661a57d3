package io.facestream.api.poi;

import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.PoiAlert;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.facestream.schemas.avro.PoiAlert;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Seed 001's response bodies, field for field; {@code ApiJson} writes the components in snake_case. Where
 * the seed's field has no counterpart in facestream the record says so in its doc rather than inventing one.
 */
public final class PoiBodies {
    private PoiBodies() {
    }

    /** POST /poi (201) and GET /poi/{poi_id}. */
    public record Poi(String poiId, String severity, String notes, List<ReferenceImage> referenceImages, String status,
            Instant createdAt) {
    }

    /** One enrolled face: its id in the person's gallery and the real size of its embedding. */
    public record ReferenceImage(String embeddingId, int vectorDim) {
    }

    /** An item of GET /poi. */
    public record PoiSummary(String poiId, String severity, String notes, String status, Instant createdAt) {
    }

    /** DELETE /poi/{poi_id}. */
    public record Deleted(String status, String poiId) {
    }

    /**
     * POST /search. {@code matchedPoiId} is written only in stage 1, as the seed's stage-2 example has no such
     * field; {@code start}/{@code end} of the range are null where the request left that side open.
     */
    public record SearchResult(String eventType, QueryRange queryRange, Instant queryTimestamp,
            @JsonInclude(JsonInclude.Include.NON_NULL) String matchedPoiId, int totalAppearances,
            List<?> appearances, Object searchStats) {
    }

    public record QueryRange(Instant start, Instant end) {
    }

    /** Stage 1: one sighting (track) of the matched POI. */
    public record PoiAppearance(String trackId, String cameraId, double similarity, Instant bestMatchTime,
            String entryFrameUrl, String lastSeenFrameUrl, List<ZoneAppearance> zoneAppearances, String thumbnailUrl) {
    }

    /**
     * facestream has no scene zones (the seed's come from SceneScape): a camera's whole view is the one zone,
     * named by the camera, with the source (camera or replayed file) as the scene.
     */
    public record ZoneAppearance(String zone, String sceneId, Instant entryTime, Instant exitTime, double dwellSeconds,
            String entryFrameUrl, String exitFrameUrl) {
    }

    public record PoiStats(String searchStage, double poiSimilarity, double queryLatencyMs) {
    }

    /**
     * Stage 2: one track among the stored faces. {@code faissId} is the vector store's point id of the best
     * hit, which is the face id (a string: facestream's vector store has no integer ids).
     */
    public record DetectionAppearance(String faissId, String trackId, String cameraId, double similarity,
            double entrySimilarity, double exitSimilarity, Instant entryTimestamp, Instant exitTimestamp,
            String entryFrameUrl, String exitFrameUrl, int[] bbox, List<ZoneAppearance> zoneAppearances,
            String thumbnailUrl) {
    }

    public record DetectionStats(String searchStage, long vectorsSearched, int rawHits, int uniqueTracks,
            double queryLatencyMs) {
    }

    /** GET /cameras. */
    public record Cameras(List<CameraItem> cameras, int count) {
    }

    /**
     * A camera: the seed's id and name, then facestream's own fields. {@code url} has its credentials masked;
     * {@code status} is the worker's state from heartbeats (offline when they stopped coming).
     */
    public record CameraItem(String id, String name, String location, boolean enabled, String url, String status,
            double measuredFps, Instant lastFrameTime, Instant lastHeartbeat, String lastError) {
    }

    /**
     * An item of GET /alerts, and what the alerts WebSocket pushes: seed 001's alert, then facestream's {@code kind}
     * ({@code poi}, or {@code unknown} for a face matching nobody enrolled at a camera with {@code unknown_face_alerts},
     * whose {@code event_type} is then {@code unknown_face_alert} and whose {@code poi_id} is {@code identity_id}, the
     * track's automatic identity; absent from POI alerts).
     */
    /**
     * Seed 001's alert, then ours: {@code kind}, {@code identity_id} (unknown-face alerts), and the acknowledgement
     * ({@code acknowledged}, {@code acknowledged_by}, {@code acknowledged_at}, {@code acknowledgement_note}; null
     * while not acknowledged). {@code status} is "New", or "Acknowledged" once an operator acknowledged it.
     */
    public record Alert(String eventType, String alertId, String poiId, String severity, Instant timestamp,
            String status, AlertMatch match, PoiMetadata poiMetadata, String kind,
            @JsonInclude(JsonInclude.Include.NON_NULL) String identityId, boolean acknowledged, String acknowledgedBy,
            Instant acknowledgedAt, String acknowledgementNote) {

        /** A new alert, as pushed when it is raised: nobody has acknowledged it yet. */
        public static Alert of(PoiAlert a) {
            return of(a, null);
        }

        public static Alert of(PoiAlert a, AlertAck ack) {
            // The matching face's crop is the alert's thumbnail; the track id serves the track's own picture.
            String thumbnail = PoiViews.thumbnailUrl(a.getThumbnailRef() != null ? a.getThumbnailRef() : a.getTrackId());
            boolean unknown = a.getKind() == AlertKind.UNKNOWN;
            return new Alert(unknown ? "unknown_face_alert" : "poi_match_alert", a.getAlertId(), a.getPoiId(),
                    a.getSeverity().name().toLowerCase(Locale.ROOT), a.getTimestamp(), ack == null ? "New" : "Acknowledged",
                    new AlertMatch(a.getCameraId(), PoiSearch.round4(a.getConfidence()), PoiSearch.round4(a.getSimilarity()),
                            PoiSearch.bbox(a.getBbox()), a.getFrameNumber(), thumbnail),
                    new PoiMetadata(a.getNotes(), a.getEnrolledAt(), a.getPreviousMatchCount()),
                    a.getKind().name().toLowerCase(Locale.ROOT), a.getIdentityId(), ack != null,
                    ack == null ? null : ack.getAcknowledgedBy(), ack == null ? null : ack.getAcknowledgedAt(),
                    ack == null ? null : ack.getNote());
        }
    }

    /** POST /alerts/{alert_id}/ack's optional body. */
    public record AckRequest(String note) {
    }

    /**
     * What the alerts WebSocket pushes when an alert is acknowledged ({@code event_type} "alert_acknowledged") or its
     * acknowledgement withdrawn ("alert_unacknowledged", the other fields null), whichever instance took the request.
     */
    public record AlertAckEvent(String eventType, String alertId, boolean acknowledged, String acknowledgedBy,
            Instant acknowledgedAt, String acknowledgementNote) {
        public static AlertAckEvent of(String alertId, AlertAck ack) {
            return ack == null ? new AlertAckEvent("alert_unacknowledged", alertId, false, null, null, null)
                    : new AlertAckEvent("alert_acknowledged", alertId, true, ack.getAcknowledgedBy(), ack.getAcknowledgedAt(), ack.getNote());
        }
    }

    public record AlertMatch(String cameraId, double confidence, double similarityScore, int[] bbox, long frameNumber,
            String thumbnailPath) {
    }

    public record PoiMetadata(String notes, Instant enrollmentDate, int totalPreviousMatches) {
    }

    /** DELETE /alerts. */
    public record AlertsCleared(long deletedCount) {
    }

    /**
     * GET /status: the seed's three fields, then ours. {@code faissVectors} counts the stored faces (the
     * all-detections index); {@code mqttConnected} is true only while this process's MQTT publisher holds a
     * connection (false when MQTT is not configured); {@code kafkaConnected} whether the pipeline's consumers
     * hold a connection to Kafka, {@code kafkaLag} the records they have yet to read, per topic. Null where a
     * part could not be asked.
     */
    public record Status(String status, Long faissVectors, boolean mqttConnected, boolean kafkaConnected,
            java.util.Map<String, Long> kafkaLag, String pipelineState, Integer people, Integer pois, Long recentAlerts,
            String embeddingModel) {
    }
}
