package io.facestream.api.events;

import io.facestream.api.ApiException;
import io.facestream.api.backend.Backend;
import io.facestream.blobs.BlobKeys;
import io.facestream.blobs.BlobKind;
import io.facestream.schemas.avro.Recording;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Seed 002's events as the API reads and removes them: the events view (every instance answers from it, whoever
 * recorded the clip), and their clips and thumbnails in the blob store. Removing an event is a tombstone on the
 * recordings topic, then its blobs; also used by camera repointing and deletion.
 */
public final class EventStore {
    private static final Logger log = LoggerFactory.getLogger(EventStore.class);
    /** Tombstones written together (the seed's clear-all chunk). */
    static final int CHUNK = 200;

    private final Backend backend;

    public EventStore(Backend backend) {
        this.backend = backend;
    }

    /** A recorded event: one whose clip was cut (requests still waiting for theirs, and failed ones, are not events). */
    static boolean recorded(Recording r) {
        return r != null && r.getClipRef() != null;
    }

    Optional<Recording> event(String id) {
        return backend.queries().event(id).filter(EventStore::recorded);
    }

    /** Every recorded event that {@code filter} accepts. */
    List<Recording> events(Predicate<Recording> filter) {
        List<Recording> out = new ArrayList<>();
        backend.queries().forEachEvent(r -> {
            if (recorded(r) && filter.test(r)) out.add(r);
        });
        return out;
    }

    /** Every record of a camera on the recordings topic, recorded or not (a camera's purge removes them all). */
    public List<Recording> allOfCamera(String cameraId) {
        List<Recording> out = new ArrayList<>();
        backend.queries().forEachEvent(r -> {
            if (cameraId.equals(r.getCameraId())) out.add(r);
        });
        return out;
    }

    /**
     * Removes the events, in chunks: tombstones first (so no instance lists an event whose clip is gone), answered
     * once the view shows none of them, then the clips and thumbnails. Returns the blobs removed.
     */
    public int delete(List<Recording> events) {
        int blobs = 0;
        for (int from = 0; from < events.size(); from += CHUNK) {
            List<Recording> chunk = events.subList(from, Math.min(events.size(), from + CHUNK));
            List<String> ids = chunk.stream().map(Recording::getEventId).toList();
            backend.writes().deleteRecordings(ids);
            backend.awaitVisible(() -> ids.stream().allMatch(id -> backend.queries().event(id).isEmpty()),
                    "Deleting " + ids.size() + " events", Duration.ofSeconds(20));
            for (Recording r : chunk) blobs += deleteBlob(BlobKind.CLIP, r.getClipRef()) + deleteBlob(BlobKind.THUMBNAIL, r.getThumbnailRef());
        }
        return blobs;
    }

    private int deleteBlob(BlobKind kind, String key) {
        if (key == null) return 0;
        if (!BlobKeys.isKey(kind, key)) {
            log.warn("event blob reference {} is not a {} key; left alone", key, kind.dir());
            return 0;
        }
        try {
            return backend.blobs().delete(key) ? 1 : 0;
        } catch (IOException e) {
            log.warn("could not delete blob {}: {}", key, e.toString());
            return 0;
        }
    }

    /**
     * The bytes of an event's blob; 400 when the record names a key outside its kind (a path that would escape the
     * store), 404 when the blob is gone.
     */
    byte[] blob(BlobKind kind, String key, String what) {
        if (key == null) throw ApiException.notFound("Event has no " + what + ".");
        if (!BlobKeys.isKey(kind, key)) throw ApiException.badRequest("The event's " + what + " path is outside the data root.");
        try {
            return backend.blobs().get(key).orElseThrow(() -> ApiException.notFound("The event's " + what + " file is missing."));
        } catch (IOException e) {
            throw ApiException.unavailable("The blob store could not be read; try again in a moment.");
        }
    }
}
