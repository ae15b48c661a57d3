package io.facestream.schemas.recording;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one definition of a recorded event's id ({@code ev-<uuid>}) and of its blobs' ids, shared by the ingest
 * process that records events and the API that serves them. An id from a URL is checked against it before it
 * names anything, so it can never climb out of the blob store.
 */
public final class EventIds {
    private static final Pattern ID = Pattern.compile("ev-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private EventIds() {
    }

    /** A presence's event: derived from its track, so a track redelivered after a restart records one event. */
    public static String presence(String trackId) {
        return "ev-" + UUID.nameUUIDFromBytes(("presence:" + trackId).getBytes(StandardCharsets.UTF_8));
    }

    /** A new manual recording's event. */
    public static String manual() {
        return "ev-" + UUID.randomUUID();
    }

    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The clip's blob id (kind clip). */
    public static String clipBlob(String eventId) {
        return eventId + ".mp4";
    }

    /** The thumbnail's blob id (kind thumbnail). */
    public static String thumbnailBlob(String eventId) {
        return eventId + ".jpg";
    }
}
