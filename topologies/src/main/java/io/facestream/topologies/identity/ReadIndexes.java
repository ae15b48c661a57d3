package io.facestream.topologies.identity;

import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.views.Views;
import io.facestream.topologies.views.Views.IdentityListing;
import io.facestream.topologies.views.Views.Stat;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The indexes and counters identity resolution keeps beside its views, so that the API's list, analytics and
 * face-group reads cost what they return, not what the views hold: identities by last seen
 * ({@link Views#IDENTITIES_BY_LAST_SEEN}), by name ({@link Views#IDENTITIES_BY_NAME}) and by person
 * ({@link Views#IDENTITIES_BY_PERSON}), faces by time ({@link Views#FACES_BY_TIME}) and the counters of
 * {@link Views#IDENTITY_STATS}. Every change of an identity, sighting or face goes through here (the resolver's
 * one place for each), so they cannot drift from the views; a store from before them is indexed once
 * ({@link #buildStep}).
 */
final class ReadIndexes {
    /**
     * Bumped when what the indexes hold changes: a store of an older version is indexed again. 2: identities by name
     * and by person (a store of version 1 has every other index, so only its identities are read again). 3: each
     * identity's dwell (a store of version 1 or 2 reads its sightings again, and adds only that to those it counted).
     */
    private static final long VERSION = 3;
    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 86_400_000L;

    private final KeyValueStore<String, String> byLastSeen;
    private final KeyValueStore<String, Long> stats;
    private final KeyValueStore<String, String> facesByTime;
    private final KeyValueStore<String, String> byName;
    private final KeyValueStore<String, String> byPerson;
    /** What {@link #byLastSeen} holds per identity, to find its entry again (an identity's key moves with its last seen). */
    private final Map<String, IdentityListing> listed = new HashMap<>();
    /** Each identity's {@link #byName} key and {@link #byPerson} key (none when it is bound to nobody), to move them. */
    private final Map<String, String> nameKeys = new HashMap<>();
    private final Map<String, String> personKeys = new HashMap<>();
    /** The version of the indexes the store held at start (0: none). */
    private final long startVersion;
    private boolean built;
    /** An upgrade's scans: 0 identities, 1 sightings, 2 faces; the last key done in the current one. */
    private int phase;
    private String cursor;
    /** Entries one build step indexes. */
    static final int BUILD_STEP = 2_000;

    /** Over the stores of a processor that declared them ({@link #stores}). */
    ReadIndexes(ProcessorContext<?, ?> context) {
        this.byLastSeen = context.getStateStore(Views.IDENTITIES_BY_LAST_SEEN.name());
        this.stats = context.getStateStore(Views.IDENTITY_STATS.name());
        this.facesByTime = context.getStateStore(Views.FACES_BY_TIME.name());
        this.byName = context.getStateStore(Views.IDENTITIES_BY_NAME.name());
        this.byPerson = context.getStateStore(Views.IDENTITIES_BY_PERSON.name());
        try (KeyValueIterator<String, String> it = byLastSeen.all()) {
            it.forEachRemaining(kv -> listed.put(Views.identityOfLastSeen(kv.key), IdentityListing.decode(kv.value)));
        }
        try (KeyValueIterator<String, String> it = byName.all()) {
            it.forEachRemaining(kv -> nameKeys.put(kv.value, kv.key));
        }
        try (KeyValueIterator<String, String> it = byPerson.all()) {
            it.forEachRemaining(kv -> personKeys.put(kv.value, kv.key));
        }
        Long version = stats.get(Stat.VERSION);
        startVersion = version == null ? 0 : version;
        if (startVersion == 2) phase = 1; // its identities are indexed: only the sightings' dwell is missing
    }

    /** The stores these indexes keep, for the processor that keeps them to declare. */
    static List<StoreBuilder<?>> stores(AvroSerdes serdes) {
        return List.of(Views.IDENTITIES_BY_LAST_SEEN.persistentStore(serdes), Views.IDENTITY_STATS.persistentStore(serdes),
                Views.FACES_BY_TIME.persistentStore(serdes), Views.IDENTITIES_BY_NAME.persistentStore(serdes),
                Views.IDENTITIES_BY_PERSON.persistentStore(serdes));
    }

    /** True once the views are indexed (always, for views written by this version from the start). */
    boolean built() {
        if (!built) {
            Long version = stats.get(Stat.VERSION);
            built = version != null && version >= VERSION;
        }
        return built;
    }

    /**
     * Indexes at most {@link #BUILD_STEP} more entries of views written by a version without these indexes (an
     * upgrade); true once every one is. In steps, each within one short transaction, because one transaction over
     * every face outlives exactly-once's transaction timeout. Records are processed between steps: an identity is
     * indexed once ({@link #listed}), a sighting counted once (its mark in the counters' view), a face's time entry
     * is the same whoever writes it, so a step and the records can meet in any order, and a restart starts the
     * scans over without counting anything twice. Faces come from the faces-by-identity index (its keys hold the
     * time), not the faces themselves: reading a key is cheap where decoding every face with its crop and embedding
     * is not; faces assigned to no identity are left out of the time index.
     */
    boolean buildStep(KeyValueStore<String, Identity> identities, KeyValueStore<String, Sighting> sightings,
                      KeyValueStore<String, String> facesByIdentity) {
        if (built()) return true;
        int budget = BUILD_STEP;
        if (phase == 0) {
            try (KeyValueIterator<String, Identity> it = identities.range(after(cursor), null)) {
                while (budget-- > 0 && it.hasNext()) {
                    var kv = it.next();
                    cursor = kv.key;
                    if (!listed.containsKey(kv.key) || !nameKeys.containsKey(kv.key)) identity(kv.value);
                }
                if (!it.hasNext()) nextPhase();
            }
        } else if (phase == 1) {
            try (KeyValueIterator<String, Sighting> it = sightings.range(after(cursor), null)) {
                while (budget-- > 0 && it.hasNext()) {
                    var kv = it.next();
                    cursor = kv.key;
                    Long mark = stats.get(Stat.counted(kv.key));
                    if (mark == null) sighting(null, kv.value);
                    else if (mark == Stat.COUNTED_WITHOUT_IDENTITY_DWELL) {
                        add(Stat.identityDwell(kv.value.getIdentityId()), dwell(kv.value));
                        stats.put(Stat.counted(kv.key), Stat.COUNTED);
                    }
                }
                if (!it.hasNext()) {
                    if (startVersion >= 1) finish(); // faces were indexed by version 1
                    else nextPhase();
                }
            }
        } else {
            try (KeyValueIterator<String, String> it = facesByIdentity.range(after(cursor), null)) {
                while (budget-- > 0 && it.hasNext()) {
                    var kv = it.next();
                    cursor = kv.key;
                    facesByTime.put(Views.faceByTimeOfIdentityKey(kv.key), kv.value);
                }
                if (!it.hasNext()) finish();
            }
        }
        return built;
    }

    private void finish() {
        stats.put(Stat.VERSION, VERSION);
        built = true;
    }

    private void nextPhase() {
        phase++;
        cursor = null;
    }

    /** The least key after {@code key} (null: from the start). */
    private static String after(String key) {
        return key == null ? null : key + '\0';
    }

    /** An identity was written: its last-seen entry and the identity counters follow. */
    void identity(Identity identity) {
        String id = identity.getIdentityId();
        move(byName, nameKeys, id, Views.identityByName(identity.getName(), identity.getCreatedAt(), id));
        move(byPerson, personKeys, id, identity.getPersonId() == null ? null : Views.identityOfPerson(identity.getPersonId(), id));
        IdentityListing before = listed.get(id);
        IdentityListing now = IdentityListing.of(identity);
        if (now.equals(before)) return;
        if (before != null) byLastSeen.delete(Views.identityByLastSeen(before.lastSeenMillis(), id));
        byLastSeen.put(Views.identityByLastSeen(now.lastSeenMillis(), id), now.encode());
        listed.put(id, now);
        if (before == null) add(Stat.IDENTITIES, 1);
        add(Stat.NAMED, (now.named() ? 1 : 0) - (before != null && before.named() ? 1 : 0));
        days(before, -1);
        days(now, +1);
    }

    /** The per-day counters of an identity's last seen and creation (UTC days). */
    private void days(IdentityListing listing, int sign) {
        if (listing == null) return;
        add(Stat.lastSeenDay(Math.floorDiv(listing.lastSeenMillis(), DAY_MS)), sign);
        add(Stat.createdDay(Math.floorDiv(listing.createdAtMillis(), DAY_MS)), sign);
    }

    /** An identity's entry in a by-identity index moves to {@code key} (null: out of the index). */
    private static void move(KeyValueStore<String, String> index, Map<String, String> keys, String identityId, String key) {
        String before = key == null ? keys.remove(identityId) : keys.put(identityId, key);
        if (java.util.Objects.equals(before, key)) return;
        if (before != null) index.delete(before);
        if (key != null) index.put(key, identityId);
    }

    void identityDeleted(String identityId) {
        move(byName, nameKeys, identityId, null);
        move(byPerson, personKeys, identityId, null);
        IdentityListing before = listed.remove(identityId);
        if (before == null) return;
        byLastSeen.delete(Views.identityByLastSeen(before.lastSeenMillis(), identityId));
        add(Stat.IDENTITIES, -1);
        if (before.named()) add(Stat.NAMED, -1);
        days(before, -1);
    }

    /** A sighting changed from {@code before} (null: new) to {@code after} (null: deleted): its counts move with it. */
    void sighting(Sighting before, Sighting after) {
        String id = before != null ? before.getSightingId() : after.getSightingId();
        // counted once: a sighting an upgrade has not reached yet is counted here, and the upgrade's scan passes it by
        Long mark = stats.get(Stat.counted(id));
        if (before != null && mark != null) count(before, -1, mark == Stat.COUNTED);
        if (after != null) {
            count(after, +1, true);
            if (mark == null || mark != Stat.COUNTED) stats.put(Stat.counted(id), Stat.COUNTED);
        } else if (mark != null) {
            stats.delete(Stat.counted(id));
        }
    }

    /** Counts a sighting in (+1) or out (-1); its identity's dwell too unless it was counted before version 3. */
    private void count(Sighting s, int sign, boolean identityDwell) {
        if (identityDwell) add(Stat.identityDwell(s.getIdentityId()), sign * dwell(s));
        add(Stat.SIGHTINGS, sign);
        add(Stat.kind(s.getMatchKind().name().toLowerCase(Locale.ROOT)), sign);
        String camera = s.getCameraId() != null ? s.getCameraId() : s.getSourceId();
        add(Stat.camera(camera, Stat.COUNT_SIGHTINGS), sign);
        add(Stat.camera(camera, Stat.COUNT_DWELL_MS), sign * dwell(s));
        distinct(Stat.cameraIdentity(camera, s.getIdentityId()), Stat.camera(camera, Stat.COUNT_IDENTITIES), sign);
        long hour = Math.floorDiv(s.getEntryTime().toEpochMilli(), HOUR_MS);
        add(Stat.hour(hour, Stat.COUNT_SIGHTINGS), sign);
        distinct(Stat.hourIdentity(hour, s.getIdentityId()), Stat.hour(hour, Stat.COUNT_IDENTITIES), sign);
    }

    private static long dwell(Sighting s) {
        return Math.max(0, s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli());
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
