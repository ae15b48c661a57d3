package io.facestream.topologies.views;

import io.facestream.schemas.crop.CropIds;
import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.Keys;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The views contract: every view the pipeline keeps for queries, by name, with its key layout and value serde,
 * defined once here. The topology builds its stores from these descriptors, the API reads them through
 * {@link ViewQueries}; nothing else names a view's store or builds one of its keys.
 */
public final class Views {
    /** Global (every instance holds every person): people and POIs with their reference embeddings; key: person id. */
    public static final View<Person> PEOPLE = new View<>("people", s -> s.of(Person.class));
    /** Automatic and named identities; key: identity id. */
    public static final View<Identity> IDENTITIES = new View<>("identities", s -> s.of(Identity.class));
    /** Every kept (embedded) face, with its crop and embedding; key: face id ({@code source:frame:index}). */
    public static final View<Face> FACES = new View<>("faces", s -> s.of(Face.class));
    /** An identity's faces in time order; key: {@link #faceOfIdentity}, value: the face id. */
    public static final View<String> FACES_BY_IDENTITY = new View<>("faces-by-identity", s -> Serdes.String());
    /** One sighting per track; key: sighting id (= track id). */
    public static final View<Sighting> SIGHTINGS = new View<>("sightings", s -> s.of(Sighting.class));
    /** An identity's sightings in entry-time order; key: {@link #sightingOfIdentity}, value: the sighting id. */
    public static final View<String> SIGHTINGS_BY_IDENTITY = new View<>("sightings-by-identity", s -> Serdes.String());
    /** Cameras with their workers' latest heartbeats; key: camera id. */
    public static final View<CameraState> CAMERAS = new View<>("catalog-cameras", ViewSerdes::cameraStates);
    /** Replayed files with their per-file summaries; key: file id. */
    public static final View<FileView> FILES = new View<>("catalog-files", ViewSerdes::fileViews);
    /** Recent POI alerts; key: {@link #recentAlert} (event time first), cleared by {@link #clearAlerts}. */
    public static final View<PoiAlert> RECENT_ALERTS = new View<>("catalog-recent-alerts", s -> s.of(PoiAlert.class));
    /**
     * Operators' acknowledgements of the alerts in {@link #RECENT_ALERTS}, from {@link Topics#ALERT_ACKS}; key: alert id.
     * An acknowledgement leaves with its alert when the alerts are cleared.
     */
    public static final View<AlertAck> ALERT_ACKS = new View<>("catalog-alert-acks", s -> s.of(AlertAck.class));
    /** The {@link #recentAlert} key of each alert in {@link #RECENT_ALERTS}, by alert id (is it there, and where). */
    public static final View<String> RECENT_ALERT_IDS = new View<>("catalog-recent-alert-ids", s -> Serdes.String());
    /** Alerts per POI in {@link #RECENT_ALERTS}; key: POI id. */
    public static final View<Long> RECENT_ALERT_COUNTS = new View<>("catalog-alert-counts", s -> Serdes.Long());
    /** Seed 000: each replayed file's timed sentences (subtitle cues) in order; key: {@link #chunkOfFile}. */
    public static final View<Chunk> CHUNKS = new View<>("catalog-chunks", s -> s.of(Chunk.class));
    /** Seed 002's events: recorded clips of presences and manual recordings, from {@link Topics#RECORDINGS}; key: event id. */
    public static final View<Recording> EVENTS = new View<>("catalog-events", s -> s.of(Recording.class));
    /**
     * Identities, most recently seen first; key: {@link #identityByLastSeen}, value: {@link IdentityListing#encode} (what
     * the list's filters and the analytics need, so a page or a count reads no identity it does not return).
     */
    public static final View<String> IDENTITIES_BY_LAST_SEEN = new View<>("identities-last-seen", s -> Serdes.String());
    /** Counters over identities and sightings, kept as they change, so analytics scan nothing; key: {@link Stat}. */
    public static final View<Long> IDENTITY_STATS = new View<>("identity-counters", s -> Serdes.Long());
    /** Every kept face, newest first; key: {@link #faceByTime}, value: the face id. */
    public static final View<String> FACES_BY_TIME = new View<>("faces-newest", s -> Serdes.String());
    /**
     * Identities in seed 000's list order: named ones first, by name (case-insensitive), then by creation; unnamed ones
     * after them by creation; key: {@link #identityByName}, value: the identity id. Its named part is the name index a
     * search by name reads (keys only) instead of decoding every identity.
     */
    public static final View<String> IDENTITIES_BY_NAME = new View<>("identities-by-name", s -> Serdes.String());
    /** The identities bound to each person; key: {@link #identityOfPerson}, value: the identity id. */
    public static final View<String> IDENTITIES_BY_PERSON = new View<>("identities-by-person", s -> Serdes.String());
    /** Global: every alert ever raised per POI (an alert's {@code previous_match_count}); key: POI id. */
    public static final View<Long> ALERT_COUNTS = new View<>("alert-counts", s -> Serdes.Long());

    /** The views one instance may ask another for (the partitioned ones and the catalog). */
    private static final List<View<?>> ROUTABLE = List.of(PEOPLE, IDENTITIES, FACES, FACES_BY_IDENTITY, SIGHTINGS,
            SIGHTINGS_BY_IDENTITY, CAMERAS, FILES, RECENT_ALERTS, RECENT_ALERT_COUNTS, ALERT_ACKS, RECENT_ALERT_IDS, CHUNKS, EVENTS, IDENTITIES_BY_LAST_SEEN,
            IDENTITY_STATS, FACES_BY_TIME, IDENTITIES_BY_NAME, IDENTITIES_BY_PERSON);

    /** The key of every clear marker on {@link Topics#ALERT_CLEARS}: the latest subsumes the earlier ones (compacted). */
    public static final String CLEAR_KEY = "all";

    /** Every view the pipeline keeps for queries (the routable ones and the global alert counts). */
    public static List<View<?>> all() {
        List<View<?>> all = new java.util.ArrayList<>(ROUTABLE);
        all.add(ALERT_COUNTS);
        return List.copyOf(all);
    }

    /** A view instances may ask each other for, by its store name. */
    public static Optional<View<?>> routable(String name) {
        return ROUTABLE.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** Kafka Streams' name for a store's changelog topic. */
    public static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    // ---- key layouts ----

    /** {@link #FACES_BY_IDENTITY}'s key: identity, face time, face id. */
    public static String faceOfIdentity(String identityId, Instant time, String faceId) {
        return Keys.of(identityId, time.toEpochMilli(), faceId);
    }

    /** {@link #SIGHTINGS_BY_IDENTITY}'s key: identity, entry time, sighting id. */
    public static String sightingOfIdentity(String identityId, Instant entry, String sightingId) {
        return Keys.of(identityId, entry.toEpochMilli(), sightingId);
    }

    /** The prefix under which an identity's entries sit in {@link #FACES_BY_IDENTITY} and {@link #SIGHTINGS_BY_IDENTITY}. */
    public static String ofIdentity(String identityId) {
        return Keys.prefix(identityId);
    }

    /** A face's id, the {@link #FACES} view's key: the crop id ingest gives it ({@link CropIds}). */
    public static String face(String sourceId, long frameNumber, int index) {
        return CropIds.of(sourceId, frameNumber, index);
    }

    /** A face's index among its frame's detections: the last part of its {@link #face} id. */
    public static int faceIndex(String faceId) {
        return CropIds.index(faceId);
    }

    /** The prefix of the {@link #FACES} keys of every face of one frame of a source. */
    public static String framePrefix(String sourceId, long frameNumber) {
        return CropIds.framePrefix(sourceId, frameNumber);
    }

    /** {@link #IDENTITIES_BY_LAST_SEEN}' key: last seen, newest first (the time subtracted from the largest long), then the identity id. */
    public static String identityByLastSeen(long lastSeenMillis, String identityId) {
        return Keys.of(Long.MAX_VALUE - Math.max(0, lastSeenMillis), identityId);
    }

    /** The last-seen time (epoch ms) an {@link #identityByLastSeen} key holds. */
    public static long lastSeenOf(String key) {
        return Long.MAX_VALUE - Long.parseLong(key, 0, 19, 10);
    }

    /** The identity id an {@link #identityByLastSeen} key holds. */
    public static String identityOfLastSeen(String key) {
        return key.substring(20);
    }

    /**
     * {@link #IDENTITIES_BY_NAME}' key: a named identity's {@link #nameKey} then its creation and id; an unnamed one's
     * creation and id after every named one.
     */
    public static String identityByName(String name, Instant createdAt, String identityId) {
        long created = Math.max(0, createdAt.toEpochMilli());
        return name == null ? Keys.of(UNNAMED, created, identityId) : Keys.of(NAMED, nameKey(name), created, identityId);
    }

    private static final String NAMED = "n", UNNAMED = "u";

    /** A name as the name index orders and compares it: trimmed, lower case. */
    public static String nameKey(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /** The prefix of every named identity's {@link #identityByName} key. */
    public static String namedIdentities() {
        return Keys.prefix(NAMED);
    }

    /** The prefix of the {@link #identityByName} keys of the identities with this name (case-insensitive). */
    public static String identitiesNamed(String name) {
        return Keys.prefix(NAMED, nameKey(name));
    }

    /** The {@link #nameKey} a named identity's {@link #identityByName} key holds (its id and the creation's 19 digits end it). */
    public static String nameKeyOf(String identityByNameKey) {
        int beforeId = identityByNameKey.lastIndexOf('\0');
        return identityByNameKey.substring(NAMED.length() + 1, beforeId - 20);
    }

    /** {@link #IDENTITIES_BY_PERSON}' key: the person, then the identity bound to them. */
    public static String identityOfPerson(String personId, String identityId) {
        return Keys.of(personId, identityId);
    }

    /** The prefix of a person's entries in {@link #IDENTITIES_BY_PERSON}. */
    public static String ofPerson(String personId) {
        return Keys.prefix(personId);
    }

    /** {@link #FACES_BY_TIME}' key: event time, newest first, then the face id. */
    public static String faceByTime(Instant time, String faceId) {
        return Keys.of(Long.MAX_VALUE - Math.max(0, time.toEpochMilli()), faceId);
    }

    /** The face id a {@link #FACES_BY_IDENTITY} key ends with, and its time: for rebuilding {@link #FACES_BY_TIME} from it. */
    public static String faceByTimeOfIdentityKey(String facesByIdentityKey) {
        String[] parts = facesByIdentityKey.split("\0", 3);
        return faceByTime(Instant.ofEpochMilli(Long.parseLong(parts[1])), parts[2]);
    }

    /**
     * An {@link #IDENTITIES_BY_LAST_SEEN} entry's value: an identity's fields that the list filters on and the analytics
     * count, as text ({@code lastSeen:createdAt:sightings:named}).
     */
    public record IdentityListing(long lastSeenMillis, long createdAtMillis, int sightings, boolean named) {
        public static IdentityListing of(Identity identity) {
            return new IdentityListing(identity.getLastSeen().toEpochMilli(), identity.getCreatedAt().toEpochMilli(),
                    identity.getSightingCount(), identity.getName() != null);
        }

        public String encode() {
            return lastSeenMillis + ":" + createdAtMillis + ":" + sightings + ":" + (named ? 1 : 0);
        }

        public static IdentityListing decode(String value) {
            String[] p = value.split(":", 4);
            return new IdentityListing(Long.parseLong(p[0]), Long.parseLong(p[1]), Integer.parseInt(p[2]), p[3].equals("1"));
        }
    }

    /** {@link #IDENTITY_STATS}' keys: each counter's name, defined once. */
    public static final class Stat {
        /** The version of the counters and indexes; absent until identity resolution built them. */
        public static final String VERSION = "version";
        public static final String IDENTITIES = "identities";
        public static final String NAMED = "identities-named";
        public static final String SIGHTINGS = "sightings";

        /** Sightings of one match kind. */
        public static String kind(String matchKind) {
            return Keys.of("kind", matchKind);
        }

        /** The prefix of every per-camera counter. */
        public static String cameras() {
            return Keys.prefix("camera");
        }

        /** A per-camera counter: {@code sightings}, {@code dwell-ms} (sum of entry to exit) or {@code identities} (distinct). */
        public static String camera(String cameraId, String counter) {
            return Keys.of("camera", cameraId, counter);
        }

        /** The camera and counter a {@link #camera} key names. */
        public static String[] cameraAndCounter(String key) {
            String[] parts = key.split("\0", 3);
            return new String[]{parts[1], parts[2]};
        }

        /** A per-hour counter (hour: epoch ms / 3 600 000, by entry time): {@code sightings} or {@code identities} (distinct). */
        public static String hour(long epochHour, String counter) {
            return Keys.of("hour", epochHour, counter);
        }

        /** Sightings of an identity at a camera (a distinct count's members; not read by queries). */
        public static String cameraIdentity(String cameraId, String identityId) {
            return Keys.of("camera-identity", cameraId, identityId);
        }

        /** Identities last seen on a UTC day (epoch day). */
        public static String lastSeenDay(long epochDay) {
            return Keys.of("last-seen-day", epochDay);
        }

        /** Identities created on a UTC day (epoch day). */
        public static String createdDay(long epochDay) {
            return Keys.of("created-day", epochDay);
        }

        /**
         * Marks a sighting as counted (by identity resolution; not read by queries). The mark's value says what was
         * counted: {@link #COUNTED_WITHOUT_IDENTITY_DWELL} by indexes of version 1 and 2, {@link #COUNTED} since.
         */
        public static String counted(String sightingId) {
            return Keys.of("counted", sightingId);
        }

        public static final long COUNTED_WITHOUT_IDENTITY_DWELL = 1;
        public static final long COUNTED = 2;

        /** Milliseconds an identity was on screen: the sum of its sightings' spans (entry to exit). */
        public static String identityDwell(String identityId) {
            return Keys.of("identity-dwell-ms", identityId);
        }

        /** Sightings of an identity entering in an hour (a distinct count's members; not read by queries). */
        public static String hourIdentity(long epochHour, String identityId) {
            return Keys.of("hour-identity", epochHour, identityId);
        }

        public static final String COUNT_SIGHTINGS = "sightings";
        public static final String COUNT_DWELL_MS = "dwell-ms";
        public static final String COUNT_IDENTITIES = "identities";

        private Stat() {
        }
    }

    /** {@link #CHUNKS}' key: file id, then the chunk's index zero-padded, so a file's chunks scan in order. */
    public static String chunkOfFile(String fileId, int index) {
        return Keys.of(fileId, index);
    }

    /** The prefix under which a file's chunks sit in {@link #CHUNKS}. */
    public static String ofFile(String fileId) {
        return Keys.prefix(fileId);
    }

    /**
     * The {@link #CHUNKS} key of a chunk known only by its id ({@code file_id:index}, the chunks topic's key), for a
     * tombstone; empty when the id has no index.
     */
    public static Optional<String> chunkOfId(String chunkId) {
        int colon = chunkId == null ? -1 : chunkId.lastIndexOf(':');
        if (colon <= 0) return Optional.empty();
        try {
            return Optional.of(chunkOfFile(chunkId.substring(0, colon), Integer.parseInt(chunkId.substring(colon + 1))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The least key after every entry of an identity in {@link #FACES_BY_IDENTITY} and {@link #SIGHTINGS_BY_IDENTITY} (a range's end). */
    public static String afterIdentity(String identityId) {
        return identityId + '\u0001';
    }

    /** {@link #RECENT_ALERTS}' key: event time first, zero-padded so byte order is time order, then the alert id. */
    public static String recentAlert(PoiAlert alert) {
        return String.format("%019d:%s", Math.max(0, alert.getTimestamp().toEpochMilli()), alert.getAlertId());
    }

    /** The event time (epoch ms) a {@link #recentAlert} key starts with. */
    public static long recentAlertTime(String key) {
        return Long.parseLong(key, 0, 19, 10);
    }

    /** The identity a person's tracks resolve to, and under which their sightings are indexed: the one bound to them, else one derived from their id. */
    public static String identityOf(Person person) {
        return person.getIdentityId() != null ? person.getIdentityId()
                : UUID.nameUUIDFromBytes(("person:" + person.getPersonId()).getBytes(StandardCharsets.UTF_8)).toString();
    }

    // ---- commands on views ----

    /** The marker that clears every alert up to {@code upTo} from the recent-alerts views (serdes: String, Long). */
    public static ProducerRecord<String, Long> clearAlerts(Instant upTo) {
        return new ProducerRecord<>(Topics.ALERT_CLEARS, CLEAR_KEY, upTo.toEpochMilli());
    }

    /** Acknowledges an alert for every instance and console (serdes: String, {@link AlertAck}). */
    public static ProducerRecord<String, AlertAck> acknowledge(AlertAck ack) {
        return new ProducerRecord<>(Topics.ALERT_ACKS, ack.getAlertId(), ack);
    }

    /** Withdraws an alert's acknowledgement (a tombstone on the compacted topic). */
    public static ProducerRecord<String, AlertAck> unacknowledge(String alertId) {
        return new ProducerRecord<>(Topics.ALERT_ACKS, alertId, null);
    }

    private Views() {
    }
}
