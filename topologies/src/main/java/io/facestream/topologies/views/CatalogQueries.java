package io.facestream.topologies.views;

import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.avro.WorkerState;
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
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Read-only queries over the {@link CatalogViews} stores of this instance. Stores are
 * looked up on every call, because a rebalance can move or reopen them; while one is not
 * queryable (starting, rebalancing) the lookup throws Kafka Streams'
 * {@code InvalidStateStoreException}, which callers answer as "try again". Each instance
 * sees only the partitions it owns: the cameras, files and alerts views have one
 * partition each, so the API routes their queries to the instance that owns partition 0.
 */
public final class CatalogQueries {
    /** How long a camera may stay silent before it reads as OFFLINE; workers send about one heartbeat a second. */
    public static final Duration DEFAULT_STALENESS = Duration.ofSeconds(10);
    /** How often a running replay re-publishes its file record (ingest's Replayer.HEARTBEAT; topologies does not depend on ingest). */
    static final Duration FILE_HEARTBEAT = Duration.ofSeconds(2);

    /** Opens a view store by name; {@code TopologyTestDriver::getKeyValueStore} fits, as does {@link #over}'s. */
    @FunctionalInterface
    public interface StoreLookup extends Function<String, ReadOnlyKeyValueStore<String, ?>> {
    }

    private final StoreLookup stores;
    private final Duration staleness;
    private final Clock clock;

    public CatalogQueries(StoreLookup stores, Duration staleness, Clock clock) {
        if (staleness.isNegative() || staleness.isZero()) throw new IllegalArgumentException("staleness must be positive: " + staleness);
        this.stores = stores;
        this.staleness = staleness;
        this.clock = clock;
    }

    /** Queries over a running instance's local stores, judging staleness by the system clock. */
    public static CatalogQueries over(KafkaStreams streams, Duration staleness) {
        return new CatalogQueries(
                name -> streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, Object>keyValueStore())),
                staleness, Clock.systemUTC());
    }

    /** Every camera, by camera id. */
    public List<CameraStatus> cameras() {
        Instant now = clock.instant();
        List<CameraStatus> out = new ArrayList<>();
        ReadOnlyKeyValueStore<String, CameraState> store = store(CatalogViews.CAMERAS_STORE);
        try (KeyValueIterator<String, CameraState> it = store.all()) {
            it.forEachRemaining(kv -> out.add(status(kv.value, now)));
        }
        return out;
    }

    public Optional<CameraStatus> camera(String cameraId) {
        ReadOnlyKeyValueStore<String, CameraState> store = store(CatalogViews.CAMERAS_STORE);
        return Optional.ofNullable(store.get(cameraId)).map(state -> status(state, clock.instant()));
    }

    /** Every file, by file id; a replay that stopped sending its heartbeat reads STALE. */
    public List<FileView> files() {
        List<FileView> out = new ArrayList<>();
        Instant now = clock.instant();
        ReadOnlyKeyValueStore<String, FileView> store = store(CatalogViews.FILES_STORE);
        try (KeyValueIterator<String, FileView> it = store.all()) {
            it.forEachRemaining(kv -> out.add(judged(kv.value, now)));
        }
        return out;
    }

    public Optional<FileView> file(String fileId) {
        ReadOnlyKeyValueStore<String, FileView> store = store(CatalogViews.FILES_STORE);
        return Optional.ofNullable(store.get(fileId)).map(view -> judged(view, clock.instant()));
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

    /** The newest {@code limit} alerts by event time, newest first. */
    public List<PoiAlert> recentAlerts(int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        List<PoiAlert> out = new ArrayList<>(Math.min(limit, 1024));
        ReadOnlyKeyValueStore<String, PoiAlert> store = store(CatalogViews.ALERTS_STORE);
        try (KeyValueIterator<String, PoiAlert> it = store.reverseAll()) {
            while (out.size() < limit && it.hasNext()) out.add(it.next().value);
        }
        return out;
    }

    /** Alerts the view holds for one POI (0 for an unknown POI, or after a clear). */
    public long alertCount(String poiId) {
        ReadOnlyKeyValueStore<String, Long> store = store(CatalogViews.ALERT_COUNTS_STORE);
        Long n = store.get(poiId);
        return n == null ? 0 : n;
    }

    /** Alerts the view holds over all POIs: what a clear issued now would delete (up to alerts still in flight). */
    public long alertCount() {
        long total = 0;
        ReadOnlyKeyValueStore<String, Long> store = store(CatalogViews.ALERT_COUNTS_STORE);
        try (KeyValueIterator<String, Long> it = store.all()) {
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
    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        ReadOnlyKeyValueStore<String, ?> store = stores.apply(name);
        if (store == null) throw new IllegalStateException("no store " + name + ": is CatalogViews part of this topology?");
        return (ReadOnlyKeyValueStore<String, V>) store;
    }
}
