package io.facestream.schemas.topics;

import java.util.List;
import java.util.Map;

/**
 * The topic catalogue: every topic of the data flow with its partitions, retention,
 * compaction and size limits, and why. Per-source streams (keyed by camera or file id)
 * take the configured partition count so sources spread over instances; entity topics
 * are compacted and small, with one partition so their commands apply in one order.
 */
public final class Topics {
    public static final String FRAMES = "facestream.frames";
    public static final String FACE_CROPS = "facestream.face-crops";
    public static final String FACE_EMBEDDINGS = "facestream.face-embeddings";
    public static final String TRACKS = "facestream.tracks";
    public static final String SIGHTINGS = "facestream.sightings";
    public static final String POI_ALERTS = "facestream.poi-alerts";
    /** "Clear the recent alerts up to time T": key "all", value T as a long (epoch ms). */
    public static final String ALERT_CLEARS = "facestream.alert-clears";
    /** Operators' acknowledgements of alerts: key alert id, value an {@code AlertAck}; a tombstone withdraws one. */
    public static final String ALERT_ACKS = "facestream.alert-acks";
    public static final String HEARTBEATS = "facestream.heartbeats";
    public static final String CAMERAS = "facestream.cameras";
    public static final String PEOPLE = "facestream.people";
    public static final String IDENTITY_COMMANDS = "facestream.identity-commands";
    public static final String FILES = "facestream.files";
    public static final String CHUNKS = "facestream.chunks";
    public static final String RECORDINGS = "facestream.recordings";
    public static final String SCHEMAS = "facestream._schemas";
    /** Records the pipeline could not process, with Kafka Streams' error headers (exception, stack trace, source). */
    public static final String DEAD_LETTERS = "facestream.dead-letters";

    /** Largest frame record: a downscaled JPEG (1280x720 at quality 80 is ~150 KiB) with ample room. */
    public static final int FRAME_MAX_BYTES = 2 * 1024 * 1024;
    /** Largest crop record: a 112x112 JPEG (~5 KiB) plus metadata, with room for a larger embedder's crop. */
    public static final int CROP_MAX_BYTES = 256 * 1024;

    /** Largest dead letter: the largest record it can carry (a frame) plus its error headers. */
    public static final int DEAD_LETTER_MAX_BYTES = FRAME_MAX_BYTES + 256 * 1024;

    private static final long HOUR = 3_600_000L, DAY = 24 * HOUR;

    private Topics() {
    }

    /**
     * @param partitions        partitions of the per-source streams
     * @param replicationFactor replicas of every topic (1 on the embedded broker)
     */
    public static List<TopicSpec> catalog(int partitions, short replicationFactor) {
        String compact = "compact";
        return List.of(
                new TopicSpec(FRAMES, partitions, replicationFactor, Map.of(
                        "retention.ms", String.valueOf(HOUR),
                        "max.message.bytes", String.valueOf(FRAME_MAX_BYTES),
                        // JPEG does not compress further; compressing costs CPU for nothing.
                        "compression.type", "uncompressed"),
                        "A record per analysed frame (face count; end of a replayed file), with the downscaled JPEG at the live-view "
                                + "rate; short retention: what must last goes to the blob store."),
                new TopicSpec(FACE_CROPS, partitions, replicationFactor, Map.of(
                        "retention.ms", String.valueOf(DAY),
                        "max.message.bytes", String.valueOf(CROP_MAX_BYTES)),
                        "Aligned face crops with box, landmarks and quality; a day's retention allows re-running the tracker."),
                new TopicSpec(FACE_EMBEDDINGS, partitions, replicationFactor, Map.of("retention.ms", String.valueOf(7 * DAY)),
                        "Embeddings of the crops the tracker chose."),
                new TopicSpec(TRACKS, partitions, replicationFactor, Map.of("retention.ms", String.valueOf(7 * DAY)),
                        "Track started/updated/ended events per source."),
                new TopicSpec(SIGHTINGS, partitions, replicationFactor, Map.of("retention.ms", String.valueOf(30 * DAY)),
                        "Tracks resolved to identities; a public topic for consumers, 30 days kept."),
                new TopicSpec(POI_ALERTS, partitions, replicationFactor, Map.of("retention.ms", String.valueOf(30 * DAY)),
                        "POI alerts: the public contract for external consumers, 30 days kept."),
                // Each marker clears everything up to its time, so the latest one subsumes the rest: compaction
                // on one key keeps exactly what a rebuild of the alerts view needs.
                new TopicSpec(ALERT_CLEARS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Requests to clear the recent-alerts view (DELETE /alerts); the alerts topic itself is never touched."),
                // The latest word on an alert is all that matters (acknowledged by whom, or withdrawn): compaction by
                // alert id keeps exactly that.
                new TopicSpec(ALERT_ACKS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Acknowledgements of alerts by operators (POST /api/v1/alerts/{id}/ack), shared by every API instance."),
                new TopicSpec(HEARTBEATS, 1, replicationFactor, Map.of(
                        // Compaction keeps each camera's last status; deletion drops cameras long gone.
                        "cleanup.policy", "compact,delete",
                        "retention.ms", String.valueOf(DAY)),
                        "Camera worker statuses, about one a second per camera."),
                new TopicSpec(CAMERAS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Camera definitions; the worker manager follows it."),
                new TopicSpec(PEOPLE, 1, replicationFactor, Map.of("cleanup.policy", compact, "max.message.bytes", String.valueOf(CROP_MAX_BYTES)),
                        "People and POIs with their enrolled embeddings."),
                new TopicSpec(IDENTITY_COMMANDS, 1, replicationFactor, Map.of("retention.ms", "-1"),
                        "Operator edits of identities, kept forever: they are the only record of those decisions, applied in order."),
                new TopicSpec(FILES, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Recorded files and their replay state."),
                new TopicSpec(CHUNKS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Subtitle and transcript sentences of files."),
                new TopicSpec(RECORDINGS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "Recorded events (clips) per camera."),
                new TopicSpec(DEAD_LETTERS, 1, replicationFactor, Map.of(
                        "retention.ms", String.valueOf(30 * DAY),
                        // a registry mismatch can make every record undecodable: a gigabyte caps what that costs
                        "retention.bytes", String.valueOf(1L << 30),
                        "max.message.bytes", String.valueOf(DEAD_LETTER_MAX_BYTES),
                        "compression.type", "uncompressed"),
                        "Records the pipeline skipped (undecodable, or a processor failed on them for good), kept 30 days "
                                + "for an operator to read and replay; the pipeline moves on."),
                new TopicSpec(SCHEMAS, 1, replicationFactor, Map.of("cleanup.policy", compact),
                        "The embedded schema registry's store; one partition keeps registrations in order."));
    }
}
