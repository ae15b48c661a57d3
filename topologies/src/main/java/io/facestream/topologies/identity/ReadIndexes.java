package io.facestream.topologies.identity;

import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.Views;
import io.facestream.topologies.views.Views.IdentityListing;
import io.facestream.topologies.views.Views.Stat;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The indexes and counters identity resolution keeps beside its views, so that the API's list, analytics and
 * face-group reads cost what they return, not what the views hold: identities by last seen
 * ({@link Views#IDENTITIES_BY_LAST_SEEN}), faces by time ({@link Views#FACES_BY_TIME}) and the counters of
 * {@link Views#IDENTITY_STATS}. Every change of an identity, sighting or face goes through here (the resolver's
 * one place for each), so they cannot drift from the views; a store from before them is indexed once
 * ({@link #ensureBuilt}).
 */
final class ReadIndexes {
    /** Bumped when what the indexes hold changes: a store of an older version is indexed again. */
    private static final long VERSION = 1;
    private static final long HOUR_MS = 3_600_000L;

    private final KeyValueStore<String, String> byLastSeen;
    private final KeyValueStore<String, Long> stats;
    private final KeyValueStore<String, String> facesByTime;
    /** What {@link #byLastSeen} holds per identity, to find its entry again (an identity's key moves with its last seen). */
    private final Map<String, IdentityListing> listed = new HashMap<>();
    private boolean built;

    ReadIndexes(KeyValueStore<String, String> byLastSeen, KeyValueStore<String, Long> stats, KeyValueStore<String, String> facesByTime) {
        this.byLastSeen = byLastSeen;
        this.stats = stats;
        this.facesByTime = facesByTime;
        try (KeyValueIterator<String, String> it = byLastSeen.all()) {
            it.forEachRemaining(kv -> listed.put(Views.identityOfLastSeen(kv.key), IdentityListing.decode(kv.value)));
        }
    }

    /**
     * Indexes the views once where they were written by a version without these indexes (an upgrade), before the
     * first change is counted. Writes need a record context, so this runs from process or punctuate, not init.
     * Faces come from the faces-by-identity index (its keys hold the time), not the faces themselves: reading a key
     * is cheap where decoding every face with its crop and embedding is not; faces assigned to no identity are
     * left out of the time index.
     */
    void ensureBuilt(KeyValueStore<String, Identity> identities, KeyValueStore<String, Sighting> sightings,
                     KeyValueStore<String, String> facesByIdentity) {
        if (built) return;
        Long version = stats.get(Stat.VERSION);
        if (version == null || version < VERSION) {
            try (KeyValueIterator<String, Identity> it = identities.all()) {
                it.forEachRemaining(kv -> identity(kv.value));
            }
            try (KeyValueIterator<String, Sighting> it = sightings.all()) {
                it.forEachRemaining(kv -> sighting(null, kv.value));
            }
            try (KeyValueIterator<String, String> it = facesByIdentity.all()) {
                it.forEachRemaining(kv -> facesByTime.put(Views.faceByTimeOfIdentityKey(kv.key), kv.value));
            }
            stats.put(Stat.VERSION, VERSION);
        }
        built = true;
    }

    /** An identity was written: its last-seen entry and the identity counters follow. */
    void identity(Identity identity) {
        String id = identity.getIdentityId();
        IdentityListing before = listed.get(id);
        IdentityListing now = IdentityListing.of(identity);
        if (now.equals(before)) return;
        if (before != null) byLastSeen.delete(Views.identityByLastSeen(before.lastSeenMillis(), id));
        byLastSeen.put(Views.identityByLastSeen(now.lastSeenMillis(), id), now.encode());
        listed.put(id, now);
        if (before == null) add(Stat.IDENTITIES, 1);
        add(Stat.NAMED, (now.named() ? 1 : 0) - (before != null && before.named() ? 1 : 0));
    }

    void identityDeleted(String identityId) {
        IdentityListing before = listed.remove(identityId);
        if (before == null) return;
        byLastSeen.delete(Views.identityByLastSeen(before.lastSeenMillis(), identityId));
        add(Stat.IDENTITIES, -1);
        if (before.named()) add(Stat.NAMED, -1);
    }

    /** A sighting changed from {@code before} (null: new) to {@code after} (null: deleted): its counts move with it. */
    void sighting(Sighting before, Sighting after) {
        if (before != null) count(before, -1);
        if (after != null) count(after, +1);
    }

    private void count(Sighting s, int sign) {
        add(Stat.SIGHTINGS, sign);
        add(Stat.kind(s.getMatchKind().name().toLowerCase(Locale.ROOT)), sign);
        String camera = s.getCameraId() != null ? s.getCameraId() : s.getSourceId();
        add(Stat.camera(camera, Stat.COUNT_SIGHTINGS), sign);
        add(Stat.camera(camera, Stat.COUNT_DWELL_MS), sign * Math.max(0, s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli()));
        distinct(Stat.cameraIdentity(camera, s.getIdentityId()), Stat.camera(camera, Stat.COUNT_IDENTITIES), sign);
        long hour = Math.floorDiv(s.getEntryTime().toEpochMilli(), HOUR_MS);
        add(Stat.hour(hour, Stat.COUNT_SIGHTINGS), sign);
        distinct(Stat.hourIdentity(hour, s.getIdentityId()), Stat.hour(hour, Stat.COUNT_IDENTITIES), sign);
    }

    /** A member's sightings in a group; the group's distinct count moves when a member's count leaves or reaches 0. */
    private void distinct(String memberKey, String distinctKey, int sign) {
        long before = value(memberKey);
        long after = Math.max(0, before + sign);
        if (after == 0) stats.delete(memberKey);
        else stats.put(memberKey, after);
        if (before == 0 && after > 0) add(distinctKey, 1);
        if (before > 0 && after == 0) add(distinctKey, -1);
    }

    /** A face was stored (new, or changed in place: its time, and so its key, stays). */
    void face(Face before, Face after) {
        if (before != null && before.getTimestamp().equals(after.getTimestamp())) return;
        if (before != null) facesByTime.delete(Views.faceByTime(before.getTimestamp(), before.getFaceId()));
        facesByTime.put(Views.faceByTime(after.getTimestamp(), after.getFaceId()), after.getFaceId());
    }

    void faceDeleted(Face face) {
        facesByTime.delete(Views.faceByTime(face.getTimestamp(), face.getFaceId()));
    }

    private void add(String key, long delta) {
        if (delta == 0) return;
        long now = value(key) + delta;
        if (now == 0) stats.delete(key);
        else stats.put(key, now);
    }

    private long value(String key) {
        Long v = stats.get(key);
        return v == null ? 0 : v;
    }
}
