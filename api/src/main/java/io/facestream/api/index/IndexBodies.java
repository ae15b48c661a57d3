package io.facestream.api.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** Seed 000's request and response bodies (snake_case on the wire, as {@link io.facestream.api.ApiJson} writes them). */
final class IndexBodies {
    private IndexBodies() {}

    /**
     * One identity as seed 000 shows it, with the counters the pipeline keeps. {@code success} is written on the
     * detail only (null, and left out, in lists).
     */
    record IdentityRecord(@JsonInclude(JsonInclude.Include.NON_NULL) Boolean success, String identityUuid, String name,
            String identityType, String source, String status, Long tmdbId, String tmdbProfile, JsonNode metadata,
            JsonNode referenceData, Instant createdAt, Instant updatedAt, int faceCount, int sightingCount,
            Instant firstSeen, Instant lastSeen, List<String> fileUuids, String personId, String profileImage) {}

    record IdentityPage(boolean success, long count, int page, int pageSize, List<IdentityRecord> identities) {}

    /** A search hit: seed 000's fields, with {@code file_uuid} the first file the identity was seen in. */
    record SearchHit(String identityUuid, String name, String source, String status, Long tmdbId, String fileUuid,
            List<String> fileUuids) {}

    record SearchResult(boolean success, String query, int count, List<SearchHit> identities) {}

    record Segment(long startFrame, long endFrame, double startTime, double endTime) {}

    /**
     * Where an identity appears in one file. {@code face_count} counts the kept faces {@code /faces} lists;
     * {@code detections} every detection of its tracks (tracking embeds only some of them), {@code trace_ids} those
     * tracks (sighting ids); {@code confidence} is
     * the mean detection confidence of the kept faces, {@code similarity} their mean match similarity; the time range
     * is in media time (seconds from the file's start) and frames.
     */
    record FileSummary(String fileUuid, String fileName, Double fps, int faceCount, long detections, int sightings,
            List<String> traceIds, Double confidence, Double similarity, Long startFrame, Long endFrame, Double startTime,
            Double endTime, List<Segment> segments) {}

    record FilesResult(boolean success, String identityUuid, int count, List<FileSummary> data) {}

    /**
     * One replayed file as the files view has it: its replay's state and progress (a replay re-publishes its record every
     * 2 s; one that stopped reads {@code stale}) and what was seen in it. The path it was read from is not shown.
     */
    record ReplayedFile(String fileUuid, String name, String cameraId, String status, double progress, long framesProcessed,
            long frameCount, long facesDetected, double fps, double durationSeconds, int width, int height, String error,
            Instant registeredAt, Instant updatedAt, long sightings, int identities) {}

    record ReplayedFiles(boolean success, int count, List<ReplayedFile> data) {}

    record BoundingBox(int x, int y, int w, int h) {}

    /**
     * One kept face. {@code face_id} is {@code {frame}_{idx}} (unique within the file; bind and unbind take it), {@code id}
     * the pipeline's face id ({@code /api/faces/{id}}), {@code time} its media time in seconds.
     */
    record FaceRecord(String fileUuid, long frameNumber, String faceId, double confidence, String id, Double time,
            BoundingBox boundingBox, double similarity, boolean bound) {}

    record FacesResult(boolean success, String identityUuid, int count, List<FaceRecord> data) {}

    record ChunkRecord(int id, String fileUuid, String chunkId, String chunkType, long startFrame, long endFrame,
            double fps, double startTime, double endTime, String textContent) {}

    record ChunksResult(boolean success, String identityUuid, int count, List<ChunkRecord> data) {}

    /** Bind and unbind: one face of one file. */
    record FaceRef(String fileUuid, String faceId) {}

    record FaceChange(boolean success, String identityUuid, String fileUuid, String faceId, String message) {}

    /** Seed 000's IdentityFile (identity.json); unknown fields ({@code version}) are accepted. */
    record IdentityFile(Integer version, String identityUuid, String name, String identityType, String source,
            String status, Long tmdbId, String tmdbProfile, JsonNode metadata, JsonNode referenceData,
            List<JsonNode> fileBindings) {}

    record Uploaded(boolean success, String identityUuid, String name, boolean created, String message) {}

    record Deleted(boolean success, String identityUuid, String message) {}

    record ProfileSaved(boolean success, String identityUuid, String path, String message) {}

    /** An uploaded video accepted for replay: its progress is then at GET /api/v1/files under {@code file_uuid}. */
    record VideoAccepted(boolean success, String fileUuid, String name, String cameraId, long bytes, String status, String message) {}
}
