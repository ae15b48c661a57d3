package io.facestream.topologies.views;

import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.avro.WorkerState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Typed, read-only queries over the pipeline's {@link Views}: what the API asks, without knowing a store
 * name or a key layout. Stores are looked up on every call through a {@link StoreLookup}, because a rebalance
 * can move or reopen them; the lookup decides where a view is read (this instance, or routed to the instance
 * holding the key). While a view is not queryable (starting, rebalancing) Kafka Streams'
 * {@code InvalidStateStoreException} comes through, which callers answer as "try again".
 */
public final class ViewQueries {
    /**
     * How long a camera may stay silent before it reads as OFFLINE (workers send about one heartbeat a second): seed
     * 002's {@code status_stale_seconds} default, so every endpoint that shows a camera's status judges it alike.
     */
    public static final Duration DEFAULT_STALENESS = Duration.ofSeconds(30);
    /** How often a running replay re-publishes its file record (ingest's Replayer.HEARTBEAT; topologies does not depend on ingest). */
    static final Duration FILE_HEARTBEAT = Duration.ofSeconds(2);

    /** Opens a view store by name; {@code TopologyTestDriver::getKeyValueStore} fits, as does {@link #over}'s. */
    @FunctionalInterface
    public interface StoreLookup extends Function<String, ReadOnlyKeyValueStore<String, ?>> {
    }

    private final StoreLookup stores;
    private final Duration staleness;
    private final Clock clock;

    public ViewQueries(StoreLookup stores, Duration staleness, Clock clock) {
        if (staleness.isNegative() || staleness.isZero()) throw new IllegalArgumentException("staleness must be positive: " + staleness);
        this.stores = stores;
        this.staleness = staleness;
        this.clock = clock;
    }

    /** Queries over a running instance's local stores, judging staleness by the system clock. */
    public static ViewQueries over(KafkaStreams streams, Duration staleness) {
        return new ViewQueries(
                name -> streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, Object>keyValueStore())),
                staleness, Clock.systemUTC());
    }

    // ---- people, identities, faces, sightings ----

    public Optional<Person> person(String personId) {
        return Optional.ofNullable(store(Views.PEOPLE).get(personId));
    }

    public Optional<Identity> identity(String identityId) {
        return Optional.ofNullable(store(Views.IDENTITIES).get(identityId));
    }

    /** The id of every identity, in seed 000's list order (the name index's keys: no identity is decoded). */
    public List<String> identityIds() {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store(Views.IDENTITIES_BY_NAME).all()) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /**
     * A page of identities in seed 000's list order (named ones by name, case-insensitive, then creation; unnamed ones
     * after, by creation), and how many there are: the name index's keys up to the page's end, the page's identities
     * decoded, the total a counter.
     */
    public IdentityPage identitiesByName(long offset, int limit) {
        if (offset < 0 || limit < 0) throw new IllegalArgumentException("offset and limit must not be negative");
        return new IdentityPage(stat(Views.Stat.IDENTITIES), identities(store(Views.IDENTITIES_BY_NAME).all(), offset, limit, key -> true));
    }

    /**
     * Named identities whose name contains {@code text} (case-insensitive), in name order: the named part of the name
     * index (keys only) is read, and only the identities found are decoded.
     */
    public List<Identity> identitiesNameContaining(String text, int limit) {
        String needle = Views.nameKey(text);
        return identities(store(Views.IDENTITIES_BY_NAME).prefixScan(Views.namedIdentities(), Serdes.String().serializer()), 0, limit,
                key -> Views.nameKeyOf(key).contains(needle));
    }

    /** The identities with this name (trimmed, case-insensitive), oldest first. */
    public List<Identity> identitiesNamed(String name) {
        return identities(store(Views.IDENTITIES_BY_NAME).prefixScan(Views.identitiesNamed(name), Serdes.String().serializer()), 0,
                Integer.MAX_VALUE, key -> true);
    }

    /** The ids of the identities bound to a person (from the person index). */
    public List<String> identityIdsOf(String personId) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store(Views.IDENTITIES_BY_PERSON).prefixScan(Views.ofPerson(personId), Serdes.String().serializer())) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /** The identities an index's entries (value: the identity id) name, those whose key passes, from {@code offset}. */
    private List<Identity> identities(KeyValueIterator<String, String> index, long offset, int limit, java.util.function.Predicate<String> keys) {
        ReadOnlyKeyValueStore<String, Identity> values = store(Views.IDENTITIES);
        List<Identity> out = new ArrayList<>(Math.min(limit, 1024));
        long skipped = 0;
        try (index) {
            while (index.hasNext() && out.size() < limit) {
                KeyValue<String, String> kv = index.next();
                if (!keys.test(kv.key) || skipped++ < offset) continue;
                Identity identity = values.get(kv.value);
                if (identity != null) out.add(identity);
            }
        }
        return out;
    }

    public Optional<Face> face(String faceId) {
        return Optional.ofNullable(store(Views.FACES).get(faceId));
    }

    public Optional<Sighting> sighting(String sightingId) {
        return Optional.ofNullable(store(Views.SIGHTINGS).get(sightingId));
    }

    /** An identity's faces, oldest first. */
    public List<Face> facesOf(String identityId) {
        return indexed(Views.FACES_BY_IDENTITY, Views.FACES, identityId);
    }

    /** An identity's sightings, by entry time; only those still filed under it. */
    public List<Sighting> sightingsOf(String identityId) {
        List<Sighting> out = indexed(Views.SIGHTINGS_BY_IDENTITY, Views.SIGHTINGS, identityId);
        out.removeIf(s -> !identityId.equals(s.getIdentityId()));
        return out;
    }

    /** A person's sightings: those of the identity their tracks resolve to, by entry time. */
    public List<Sighting> sightingsOf(Person person) {
        return sightingsOf(Views.identityOf(person));
    }

    /**
     * The face that pictures an object: the face itself for a face id; for a sighting (track) id, the face that
     * matched, else its best one.
     */
    public Optional<Face> thumbnailFace(String objectId) {
        Optional<Face> face = face(objectId);
        if (face.isPresent()) return face;
        return sighting(objectId)
                .map(s -> s.getThumbnailRef() != null ? s.getThumbnailRef() : s.getBestFaceId())
                .flatMap(this::face);
    }

    /** The values an identity's index entries point to, in the index's (time) order. */
    private <V> List<V> indexed(View<String> index, View<V> values, String identityId) {
        ReadOnlyKeyValueStore<String, V> valueStore = store(values);
        List<V> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store(index).prefixScan(Views.ofIdentity(identityId), Serdes.String().serializer())) {
            while (it.hasNext()) {
                V value = valueStore.get(it.next().value);
                if (value != null) out.add(value);
            }
        }
        return out;
    }

    // ---- seed 000: the identity index over recorded files (issue 14) ----

    /** A file's timed sentences (subtitle cues), in their order in the file; empty for a file without any. */
    public List<Chunk> chunksOf(String fileId) {
        List<Chunk> out = new ArrayList<>();
        try (KeyValueIterator<String, Chunk> it = store(Views.CHUNKS).prefixScan(Views.ofFile(fileId), Serdes.String().serializer())) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /** The kept faces of one frame of a source (a camera, or a file by its id), by their index in the frame. */
    public List<Face> facesInFrame(String sourceId, long frameNumber) {
        String prefix = Views.framePrefix(sourceId, frameNumber);
        List<Face> out = new ArrayList<>();
        try (KeyValueIterator<String, Face> it = store(Views.FACES).prefixScan(prefix, Serdes.String().serializer())) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        out.sort(java.util.Comparator.comparingInt(f -> Views.faceIndex(f.getFaceId())));
        return out;
    }

    /** The face at {@code index} among the detections of a source's frame, if it was kept. */
    public Optional<Face> face(String sourceId, long frameNumber, int index) {
        return face(Views.face(sourceId, frameNumber, index));
    }

    // ---- identities for seed 002's /api/identities (curation: paging an identity's sightings, dwell time) ----

    /** A page of an identity's sightings, newest entry first; only those still filed under it. */
    public List<Sighting> sightingsOf(String identityId, int offset, int limit) {
        if (offset < 0 || limit < 0) throw new IllegalArgumentException("offset and limit must not be negative");
        ReadOnlyKeyValueStore<String, Sighting> values = store(Views.SIGHTINGS);
        List<Sighting> out = new ArrayList<>(Math.min(limit, 1024));
        String prefix = Views.ofIdentity(identityId);
        // Index keys are the identity, a separator, then entry time: the reverse range over the prefix is newest first.
        try (KeyValueIterator<String, String> it = store(Views.SIGHTINGS_BY_IDENTITY).reverseRange(prefix, Views.afterIdentity(identityId))) {
            int skipped = 0;
            while (it.hasNext() && out.size() < limit) {
                Sighting s = values.get(it.next().value);
                if (s == null || !identityId.equals(s.getIdentityId())) continue;
                if (skipped++ < offset) continue;
                out.add(s);
            }
        }
        return out;
    }

    /** Calls {@code each} with every sighting, in id order (a scan: for aggregates over them all). */
    public void forEachSighting(Consumer<Sighting> each) {
        try (KeyValueIterator<String, Sighting> it = store(Views.SIGHTINGS).all()) {
            it.forEachRemaining(kv -> each.accept(kv.value));
        }
    }

    /** Seconds an identity was on screen: the sum of its sightings' spans (entry to exit), a counter (one read). */
    public double dwellSeconds(String identityId) {
        return stat(Views.Stat.identityDwell(identityId)) / 1000.0;
    }

    // ---- captured faces for seed 002's /api/face-groups ----

    /**
     * The {@code limit} most recent kept faces (by event time, newest first), those with a label of {@code label}
     * only when it is not null. Reads the faces-by-time index from its newest end: the faces read are those
     * returned (and, with a label, those passed over on the way).
     */
    public List<Face> recentFaces(int limit, String label) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        List<Face> out = new ArrayList<>(Math.min(limit, 1024));
        if (limit == 0) return out;
        ReadOnlyKeyValueStore<String, Face> faces = store(Views.FACES);
        try (KeyValueIterator<String, String> it = store(Views.FACES_BY_TIME).all()) {
            while (it.hasNext() && out.size() < limit) {
                Face f = faces.get(it.next().value);
                if (f == null || (label != null && !label.equals(f.getLabel()))) continue;
                out.add(f);
            }
        }
        return out;
    }

    // ---- identities by last seen, and the counters the analytics read ----

    /** A page of identities and how many match in all. */
    public record IdentityPage(long total, List<Identity> identities) {
    }

    /**
     * Identities most recently seen first (then by id), only named ones when {@code namedOnly}, only those with at least
     * {@code minSightings} sightings. The page reads the last-seen index up to its end and decodes only the identities it
     * returns; the total is a counter, except with {@code minSightings} above 0, where it counts the index's entries
     * (short text, no identity decoded).
     */
    public IdentityPage identitiesByLastSeen(boolean namedOnly, int minSightings, int offset, int limit) {
        if (offset < 0 || limit < 0 || minSightings < 0) throw new IllegalArgumentException("offset, limit and minSightings must not be negative");
        ReadOnlyKeyValueStore<String, Identity> values = store(Views.IDENTITIES);
        List<Identity> out = new ArrayList<>(Math.min(limit, 1024));
        long matching = 0;
        boolean counted = minSightings == 0;
        try (KeyValueIterator<String, String> it = store(Views.IDENTITIES_BY_LAST_SEEN).all()) {
            while (it.hasNext()) {
                if (counted && out.size() >= limit) break;
                KeyValue<String, String> kv = it.next();
                Views.IdentityListing listing = Views.IdentityListing.decode(kv.value);
                if ((namedOnly && !listing.named()) || listing.sightings() < minSightings) continue;
                if (matching++ < offset || out.size() >= limit) continue;
                Identity identity = values.get(Views.identityOfLastSeen(kv.key));
                if (identity != null) out.add(identity);
            }
        }
        long total = counted ? stat(namedOnly ? Views.Stat.NAMED : Views.Stat.IDENTITIES) : matching;
        return new IdentityPage(total, out);
    }

    /**
     * Identities last seen at or after {@code since}: the per-day counters of the whole UTC days after its day, and
     * the last-seen index over the rest of its own day (so at most a day's identities are read).
     */
    public long identitiesSeenSince(Instant since) {
        long from = since.toEpochMilli();
        long firstWholeDay = Math.floorDiv(from + DAY_MS - 1, DAY_MS);
        long today = Math.floorDiv(clock.millis(), DAY_MS);
        long n = 0;
        for (long d = firstWholeDay; d <= today; d++) n += stat(Views.Stat.lastSeenDay(d));
        if (from % DAY_MS != 0) {
            // the part of the day before the first whole one: newest first from its end, down to since
            try (KeyValueIterator<String, String> it = store(Views.IDENTITIES_BY_LAST_SEEN)
                    .range(Views.identityByLastSeen(firstWholeDay * DAY_MS - 1, ""), null)) {
                while (it.hasNext() && Views.lastSeenOf(it.next().key) >= from) n++;
            }
        }
        return n;
    }

    /** Identities created on the UTC day of {@code day}. */
    public long identitiesCreatedOn(Instant day) {
        return stat(Views.Stat.createdDay(Math.floorDiv(day.toEpochMilli(), DAY_MS)));
    }

    /** Sightings, their summed span (entry to exit) and the distinct identities seen, at one camera. */
    public record CameraCounts(String cameraId, long sightings, long dwellMillis, long identities) {
    }

    /** Sightings entering in one hour and the distinct identities they belong to. */
    public record HourCounts(Instant hour, long sightings, long identities) {
    }

    /** The counters over every identity and sighting, kept by identity resolution as they change. */
    public record IdentityCounts(long identities, long named, long sightings, Map<String, Long> byMatchKind, List<CameraCounts> byCamera) {
    }

    public IdentityCounts identityCounts() {
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (MatchKind kind : MatchKind.values()) {
            String name = kind.name().toLowerCase(Locale.ROOT);
            kinds.put(name, stat(Views.Stat.kind(name)));
        }
        Map<String, long[]> cameras = new TreeMap<>();
        try (KeyValueIterator<String, Long> it = store(Views.IDENTITY_STATS).prefixScan(Views.Stat.cameras(), Serdes.String().serializer())) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                String[] cameraAndCounter = Views.Stat.cameraAndCounter(kv.key);
                long[] c = cameras.computeIfAbsent(cameraAndCounter[0], k -> new long[3]);
                switch (cameraAndCounter[1]) {
                    case Views.Stat.COUNT_SIGHTINGS -> c[0] = kv.value;
                    case Views.Stat.COUNT_DWELL_MS -> c[1] = kv.value;
                    case Views.Stat.COUNT_IDENTITIES -> c[2] = kv.value;
                    default -> { }
                }
            }
        }
        List<CameraCounts> byCamera = new ArrayList<>();
        cameras.forEach((camera, c) -> {
            if (c[0] > 0) byCamera.add(new CameraCounts(camera, c[0], c[1], c[2]));
        });
        return new IdentityCounts(stat(Views.Stat.IDENTITIES), stat(Views.Stat.NAMED), stat(Views.Stat.SIGHTINGS), kinds, byCamera);
    }

    /** {@code hours} consecutive hours from {@code firstHour} (truncated to the hour), by the sightings' entry time. */
    public List<HourCounts> hourly(Instant firstHour, int hours) {
        long first = Math.floorDiv(firstHour.toEpochMilli(), 3_600_000L);
        List<HourCounts> out = new ArrayList<>(hours);
        for (long h = first; h < first + hours; h++) {
            out.add(new HourCounts(Instant.ofEpochMilli(h * 3_600_000L), stat(Views.Stat.hour(h, Views.Stat.COUNT_SIGHTINGS)),
                    stat(Views.Stat.hour(h, Views.Stat.COUNT_IDENTITIES))));
        }
        return out;
    }

    private static final long DAY_MS = 86_400_000L;

    private long stat(String key) {
        Long v = store(Views.IDENTITY_STATS).get(key);
        return v == null ? 0 : v;
    }

    /** The ids of every kept face, with a label of {@code label} only when it is not null (for deleting them all). */
    public List<String> faceIds(String label) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, Face> it = store(Views.FACES).all()) {
            it.forEachRemaining(kv -> {
                if (label == null || label.equals(kv.value.getLabel())) out.add(kv.key);
            });
        }
        return out;
    }

    // ---- privacy erase ----

    /**
     * Which of these faces' frame blobs some kept face still points to (a frame shared with someone else). A frame's
     * blob holds one frame of one source, whose faces are that frame's entries in the faces view: only those are read.
     */
    public java.util.Set<String> frameRefsInUse(java.util.Collection<Face> faces) {
        java.util.Set<String> used = new java.util.HashSet<>();
        java.util.Set<String> frames = new java.util.HashSet<>();
        for (Face face : faces) {
            String ref = face.getFrameRef();
            if (ref == null || used.contains(ref) || !frames.add(Views.framePrefix(face.getSourceId(), face.getFrameNumber()))) continue;
            for (Face other : facesInFrame(face.getSourceId(), face.getFrameNumber())) {
                if (ref.equals(other.getFrameRef())) used.add(ref);
            }
        }
        return used;
    }

    // ---- cameras and files ----

    /** Every camera, by camera id. */
    public List<CameraStatus> cameras() {
        Instant now = clock.instant();
        List<CameraStatus> out = new ArrayList<>();
        try (KeyValueIterator<String, CameraState> it = store(Views.CAMERAS).all()) {
            it.forEachRemaining(kv -> out.add(status(kv.value, now)));
        }
        return out;
    }

    public Optional<CameraStatus> camera(String cameraId) {
        return Optional.ofNullable(store(Views.CAMERAS).get(cameraId)).map(state -> status(state, clock.instant()));
    }

    /** Every file, by file id; a replay that stopped sending its heartbeat reads STALE. */
    public List<FileView> files() {
        List<FileView> out = new ArrayList<>();
        Instant now = clock.instant();
        try (KeyValueIterator<String, FileView> it = store(Views.FILES).all()) {
            it.forEachRemaining(kv -> out.add(judged(kv.value, now)));
        }
        return out;
    }

    public Optional<FileView> file(String fileId) {
        return Optional.ofNullable(store(Views.FILES).get(fileId)).map(view -> judged(view, clock.instant()));
    }

    /**
     * A PROCESSING file whose record is older than the staleness plus the replay's heartbeat reads STALE: a
     * replay process that was killed cannot say so. The record itself is left as written.
     */
    private FileView judged(FileView view, Instant now) {
        VideoFile file = view.file();
        if (file.getStatus() != FileStatus.PROCESSING
                || !file.getUpdatedAt().plus(staleness).plus(FILE_HEARTBEAT).isBefore(now)) return view;
        return new FileView(VideoFile.newBuilder(file).setStatus(FileStatus.STALE)
                .setError("no heartbeat from its replay since " + file.getUpdatedAt()).build(), view.summary());
    }

    // ---- seed 002's events (recordings) ----

    public Optional<Recording> event(String eventId) {
        return Optional.ofNullable(store(Views.EVENTS).get(eventId));
    }

    /** Calls {@code each} with every event, in id order (a scan: the API filters and sorts what it lists). */
    public void forEachEvent(Consumer<Recording> each) {
        try (KeyValueIterator<String, Recording> it = store(Views.EVENTS).all()) {
            it.forEachRemaining(kv -> each.accept(kv.value));
        }
    }

    // ---- alerts ----

    /** The newest {@code limit} alerts by event time, newest first. */
    public List<PoiAlert> recentAlerts(int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        List<PoiAlert> out = new ArrayList<>(Math.min(limit, 1024));
        try (KeyValueIterator<String, PoiAlert> it = store(Views.RECENT_ALERTS).reverseAll()) {
            while (out.size() < limit && it.hasNext()) out.add(it.next().value);
        }
        return out;
    }

    /** A recent alert with its acknowledgement; null when nobody acknowledged it. */
    public record RecentAlert(PoiAlert alert, AlertAck acknowledgement) {
        public boolean acknowledged() {
            return acknowledgement != null;
        }
    }

    /**
     * The newest {@code limit} alerts by event time, newest first, each with its acknowledgement; with
     * {@code acknowledged} not null only those that are (true) or are not (false) acknowledged. Filtered, the read
     * goes back through older alerts until the page is full.
     */
    public List<RecentAlert> recentAlerts(int limit, Boolean acknowledged) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        ReadOnlyKeyValueStore<String, AlertAck> acks = store(Views.ALERT_ACKS);
        List<RecentAlert> out = new ArrayList<>(Math.min(limit, 1024));
        try (KeyValueIterator<String, PoiAlert> it = store(Views.RECENT_ALERTS).reverseAll()) {
            while (out.size() < limit && it.hasNext()) {
                PoiAlert alert = it.next().value;
                AlertAck ack = acks.get(alert.getAlertId());
                if (acknowledged == null || acknowledged == (ack != null)) out.add(new RecentAlert(alert, ack));
            }
        }
        return out;
    }

    /** The recent alert with this id, with its acknowledgement; empty when the view does not hold it (never raised, or cleared). */
    public Optional<RecentAlert> recentAlert(String alertId) {
        String key = store(Views.RECENT_ALERT_IDS).get(alertId);
        PoiAlert alert = key == null ? null : store(Views.RECENT_ALERTS).get(key);
        if (alert == null) return Optional.empty();
        return Optional.of(new RecentAlert(alert, store(Views.ALERT_ACKS).get(alertId)));
    }

    /** An alert's acknowledgement, if the view holds one. */
    public Optional<AlertAck> acknowledgement(String alertId) {
        return Optional.ofNullable(store(Views.ALERT_ACKS).get(alertId));
    }

    /** Recent alerts with an event time up to {@code upTo}: what a clear up to then removes. */
    public long recentAlertsUpTo(Instant upTo) {
        long n = 0;
        // Keys start with the zero-padded event time: ascending order stops at the first later alert.
        try (KeyValueIterator<String, PoiAlert> it = store(Views.RECENT_ALERTS).all()) {
            while (it.hasNext() && Views.recentAlertTime(it.next().key) <= upTo.toEpochMilli()) n++;
        }
        return n;
    }

    /** True once no recent alert up to {@code upTo} is left: a clear up to then has been applied. */
    public boolean recentAlertsClearedUpTo(Instant upTo) {
        try (KeyValueIterator<String, PoiAlert> it = store(Views.RECENT_ALERTS).all()) {
            return !it.hasNext() || Views.recentAlertTime(it.peekNextKey()) > upTo.toEpochMilli();
        }
    }

    /** Alerts the view holds for one POI (0 for an unknown POI, or after a clear). */
    public long alertCount(String poiId) {
        Long n = store(Views.RECENT_ALERT_COUNTS).get(poiId);
        return n == null ? 0 : n;
    }

    /** Alerts the view holds over all POIs: what a clear issued now would delete (up to alerts still in flight). */
    public long alertCount() {
        long total = 0;
        try (KeyValueIterator<String, Long> it = store(Views.RECENT_ALERT_COUNTS).all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                total += kv.value;
            }
        }
        return total;
    }

    /**
     * No heartbeat, or a stale one, reads OFFLINE: a worker that died cannot say so. A
     * STOPPED worker is the exception: it ended on purpose and sends nothing more, so its
     * last word stays true however old it is.
     */
    private CameraStatus status(CameraState state, Instant now) {
        Heartbeat hb = state.heartbeat();
        if (hb == null) return new CameraStatus(state.camera(), WorkerState.OFFLINE, 0, null, null, null, null);
        boolean stale = hb.getTimestamp().plus(staleness).isBefore(now);
        WorkerState status = hb.getStatus() != WorkerState.STOPPED && stale ? WorkerState.OFFLINE : hb.getStatus();
        return new CameraStatus(state.camera(), status, hb.getMeasuredFps(), hb.getLastFrameTime(), hb.getLastError(),
                hb.getTimestamp(), hb.getWorker());
    }

    @SuppressWarnings("unchecked")
    private <V> ReadOnlyKeyValueStore<String, V> store(View<V> view) {
        ReadOnlyKeyValueStore<String, ?> store = stores.apply(view.name());
        if (store == null) throw new IllegalStateException("no store " + view + ": is it part of this topology?");
        return (ReadOnlyKeyValueStore<String, V>) store;
    }
}
