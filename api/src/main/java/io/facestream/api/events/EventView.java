package io.facestream.api.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.RecordingKind;

import java.util.List;

/** The JSON shapes of seed 002's events. */
final class EventView {
    private EventView() {
    }

    /** What an event's label is: the class that triggered it (the face detector's), or a manual recording. */
    static String label(Recording r) {
        return r.getKind() == RecordingKind.MANUAL ? "manual" : "face";
    }

    /**
     * One event. {@code person_id}/{@code identity_id} come from the sighting of the event's track, as the pipeline
     * resolved it (and as merges and splits moved it since); a manual recording has neither.
     */
    record Event(String id, @JsonProperty("camera_id") String cameraId, @JsonProperty("camera_name") String cameraName,
                 String kind, String label, @JsonProperty("start_ts") String startTs, @JsonProperty("end_ts") String endTs,
                 double duration, @JsonProperty("track_id") String trackId, @JsonProperty("identity_id") String identityId,
                 @JsonProperty("identity_name") String identityName, @JsonProperty("person_id") String personId,
                 @JsonProperty("person_name") String personName, @JsonProperty("size_bytes") long sizeBytes,
                 @JsonProperty("clip_url") String clipUrl, @JsonProperty("thumbnail_url") String thumbnailUrl) {
    }

    record EventList(long total, List<Event> items) {
    }

    record BulkResult(int deleted, List<String> ids, @JsonProperty("not_found") List<String> notFound) {
    }

    record ClearResult(int deleted, @JsonProperty("camera_id") String cameraId, String label) {
    }

    record RecordStarted(@JsonProperty("camera_id") String cameraId, @JsonProperty("started_at") String startedAt) {
    }

    record RecordStopped(@JsonProperty("event_id") String eventId, String clip, double duration) {
    }

    record StopBody(@JsonProperty("started_at") String startedAt) {
    }

    record Ids(List<String> ids) {
    }

    record ClearAll(boolean confirm, @JsonProperty("camera_id") String cameraId, String label) {
    }

    record SampleIds(@JsonProperty("sample_ids") List<String> sampleIds) {
    }
}
