package io.facestream.api.identities;

import java.time.Instant;
import java.util.List;

/** Seed 002's identity shapes (snake_case on the wire). Ids are the pipeline's identity ids (UUIDs), not integers. */
public final class IdentityBodies {
    private IdentityBodies() {}

    /**
     * One identity in a list. {@code object_class} is always {@code person} (the pipeline tracks faces only), so the
     * vehicle attributes are always null.
     */
    public record IdentityItem(String id, String name, boolean isNamed, String objectClass, String color, String colorHex,
            String make, String vehicleType, double totalSeconds, int numSightings, int numFaces, Instant firstSeen,
            Instant lastSeen, List<String> cameras, String status, String personId, String repThumbUrl, String faceThumbUrl) {}

    public record IdentityList(int total, List<IdentityItem> items) {}

    /** One identity with its most recent sightings. */
    public record IdentityDetail(String id, String name, boolean isNamed, String objectClass, String color, String colorHex,
            String make, String vehicleType, double totalSeconds, int numSightings, int numFaces, Instant firstSeen,
            Instant lastSeen, List<String> cameras, List<String> files, String status, String personId, String notes,
            int numFaceExemplars, int numAppearanceExemplars, String repThumbUrl, String faceThumbUrl,
            List<SightingItem> recent) {}

    /** One sighting (a track resolved to the identity): where and when, for how long, and how it matched. */
    public record SightingItem(String id, String identityId, String cameraId, String fileId, Instant ts, Instant endTs,
            double durationSeconds, String matchKind, String personId, double similarity, int numFaces, boolean isFinal,
            String thumbUrl) {}

    public record SightingList(String identityId, int total, List<SightingItem> items) {}

    public record BoundingBox(int x, int y, int w, int h) {}

    /** One kept face of the identity. */
    public record FaceItem(String id, String sightingId, String cameraId, String fileId, Instant ts, double quality,
            double similarity, boolean bound, BoundingBox bbox, String thumbUrl) {}

    public record FaceList(String identityId, int total, List<FaceItem> items) {}

    /** Seed 002's IdentityOpResult. */
    public record OpResult(boolean ok, String targetId, List<String> affectedIds, int movedSightings, String detail) {}

    public record BulkResult(int deleted, List<String> deletedIds, List<String> notFound) {}

    public record ClearResult(int deleted, String objectClass) {}

    /** Request bodies, for the OpenAPI document (handlers read bodies field by field to say which field is wrong). */
    public record Update(String name, String notes, Boolean isNamed) {}

    public record Merge(String targetId, List<String> sourceIds) {}

    public record Split(List<String> sightingIds, Boolean auto, String newName) {}

    public record Ids(List<String> ids) {}

    public record FaceIds(List<String> faceIds) {}

    public record Confirm(Boolean confirm) {}

    /** Negative feedback taken: these faces are not this identity (or person). */
    public record Rejected(String id, int rejected, List<String> faceIds) {}

    public record ClearAll(Boolean confirm, String objectClass) {}
}
