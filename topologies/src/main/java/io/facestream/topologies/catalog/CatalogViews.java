package io.facestream.topologies.catalog;

import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.views.CameraState;
import io.facestream.topologies.views.FileSummary;
import io.facestream.topologies.views.FileView;
import io.facestream.topologies.views.ViewSerdes;
import io.facestream.topologies.views.Views;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the catalog views of the views contract ({@link Views}): queryable, persistent (RocksDB,
 * changelogged) stores the API reads through {@link io.facestream.topologies.views.ViewQueries}. Every key is a string.
 *
 * <ul>
 *   <li>{@link Views#CAMERAS}, key camera_id: the latest {@link Camera} left-joined with the
 *       camera's latest {@link Heartbeat}. Answers "which cameras exist and how is each doing";
 *       status and staleness are derived at query time. A camera tombstone removes the entry;
 *       heartbeats of an unknown camera add nothing. The topics are joined directly, so
 *       {@link Topics#CAMERAS} and {@link Topics#HEARTBEATS} must keep the same partition
 *       count (both have one).</li>
 *   <li>{@link Views#FILES}, key file_id: the latest {@link VideoFile} left-joined with a
 *       {@link FileSummary} of the file's sightings. Answers "which files were replayed, how far,
 *       and what was seen in each". Sightings arrive keyed by identity and are re-keyed twice:
 *       to file_id/sighting_id, to keep only the latest version of each sighting (a final
 *       version is not replaced by a non-final one), then to file_id, to sum them; the summary
 *       table adds the new version and subtracts the one it replaces, so a sighting updated
 *       many times counts once. Sightings without a file_id (live cameras) are ignored. The
 *       join makes Streams give the by-file repartition topic the files topic's one
 *       partition; per-file aggregation is light enough for that.</li>
 *   <li>{@link Views#RECENT_ALERTS}, key {@code <timestamp ms, 19 digits>:<alert_id>}, value the
 *       {@link PoiAlert}: every alert in event-time order, so a reverse scan reads the newest
 *       first. The alert id in the key makes a re-delivered or replayed alert overwrite itself
 *       instead of counting twice. Alerts are repartitioned to one partition, so the recent
 *       list is one ordered store on one instance rather than a merge over all of them.</li>
 *   <li>{@link Views#RECENT_ALERT_COUNTS}, key poi_id, value long: how many alerts the alerts view
 *       holds for that POI.</li>
 *   <li>{@link Views#RECENT_ALERT_IDS}, key alert_id, value its {@link Views#recentAlert} key: whether an alert is in
 *       the view, and where, without a scan.</li>
 *   <li>{@link Views#ALERT_ACKS}, key alert_id, value the {@link AlertAck}: operators' acknowledgements from
 *       {@link Topics#ALERT_ACKS} (a tombstone withdraws one). An acknowledgement of an alert the view does not hold is
 *       dropped, and a clear removes the acknowledgements of the alerts it clears, so the view holds an
 *       acknowledgement only beside its alert.</li>
 *   <li>{@link Views#CHUNKS}, key {@link Views#chunkOfFile} (file id, index): each replayed file's subtitle
 *       sentences, for seed 000's "what was said while this identity was on screen".</li>
 *   <li>{@link Views#EVENTS}, key event id: seed 002's recorded events (clips) as the ingest recorder and the API
 *       write them to {@link Topics#RECORDINGS}.</li>
 * </ul>
 *
 * <p>Clearing alerts: the API produces {@link Views#clearAlerts(Instant)} to {@link Topics#ALERT_CLEARS}
 * (key {@value Views#CLEAR_KEY}, value the clear time T in epoch ms). When the view processes it,
 * every alert with an event time up to T leaves both alert stores; later alerts stay. The
 * marker goes through Kafka like any other write, so every replica and every rebuild of the
 * view from the topics applies it at the same point; the poi-alerts topic itself, a public
 * contract, is never rewritten. Clear markers and alerts share one single-partition task.
 */
public final class CatalogViews {
    private static final String CAMERAS_STORE = Views.CAMERAS.name();
    private static final String FILES_STORE = Views.FILES.name();
    private static final String ALERTS_STORE = Views.RECENT_ALERTS.name();
    private static final String ALERT_COUNTS_STORE = Views.RECENT_ALERT_COUNTS.name();
    private static final String ALERT_IDS_STORE = Views.RECENT_ALERT_IDS.name();
    private static final String ALERT_ACKS_STORE = Views.ALERT_ACKS.name();
    /** Every store of the alerts task: the alerts, their counts per POI, their index by id and their acknowledgements. */
    private static final String[] ALERT_STORES = {ALERTS_STORE, ALERT_COUNTS_STORE, ALERT_IDS_STORE, ALERT_ACKS_STORE};
    private static final String CHUNKS_STORE = Views.CHUNKS.name();

    private CatalogViews() {
    }

    /**
     * @param alerts            the POI alerts as raised; the pipeline passes its alert stream, since the alerts topic
     *                          is already a source of its alert-count global store and a topic feeds one source only
     * @param unknownCandidates unknown-face alert candidates of every camera (identity resolution's)
     * @return the unknown-face alerts of the cameras that ask for them (their {@code unknown_face_alerts}), keyed by
     *         identity, for the alerts topic; the recent-alerts view holds them already
     */
    public static KStream<String, PoiAlert> addTo(StreamsBuilder builder, AvroSerdes serdes, KStream<String, PoiAlert> alerts,
                                                  KStream<String, PoiAlert> unknownCandidates) {
        KTable<String, Camera> cameras = addCameras(builder, serdes);
        addFiles(builder, serdes);
        KStream<String, PoiAlert> unknown = unknownAlerts(serdes, cameras, unknownCandidates);
        addAlerts(builder, serdes, alerts, unknown);
        addChunks(builder, serdes);
        addEvents(builder, serdes);
        return unknown;
    }

    /** {@link Views#EVENTS}: the recordings topic (compacted, key event id) as a table; a tombstone removes its event. */
    private static void addEvents(StreamsBuilder builder, AvroSerdes serdes) {
        Serde<String> keys = Serdes.String();
        builder.table(Topics.RECORDINGS, Consumed.with(keys, serdes.of(Recording.class)).withName("catalog-events-source"),
                Materialized.<String, Recording, KeyValueStore<Bytes, byte[]>>as(Views.EVENTS.name())
                        .withKeySerde(keys).withValueSerde(Views.EVENTS.serde(serdes)));
    }

    /**
     * The candidates of cameras whose definition asks for unknown-face alerts: a stream-table join with the camera
     * definitions (re-keyed by camera, on the cameras topic's one partition), so the camera's option as it is when the
     * track resolves decides, wherever the camera's worker runs; a camera deleted or never defined alerts on nothing.
     */
    private static KStream<String, PoiAlert> unknownAlerts(AvroSerdes serdes, KTable<String, Camera> cameras,
                                                           KStream<String, PoiAlert> candidates) {
        Serde<String> keys = Serdes.String();
        return candidates.selectKey((identity, a) -> a.getCameraId(), Named.as("catalog-unknown-by-camera"))
                .join(cameras, (a, camera) -> camera.getUnknownFaceAlerts() ? a : null,
                        Joined.with(keys, serdes.of(PoiAlert.class), serdes.of(Camera.class), "catalog-unknown-alerts-by-camera"))
                .filter((camera, a) -> a != null, Named.as("catalog-unknown-opted-in"))
                .selectKey((camera, a) -> a.getPoiId(), Named.as("catalog-unknown-by-identity"));
    }

    /**
     * {@link Views#CHUNKS}: the chunks topic (compacted, key chunk_id, one partition) re-keyed by file and index, so
     * a file's sentences are one prefix scan in order. A tombstone removes its chunk.
     */
    private static void addChunks(StreamsBuilder builder, AvroSerdes serdes) {
        builder.addStateStore(Views.CHUNKS.persistentStore(serdes));
        builder.stream(Topics.CHUNKS, Consumed.with(Serdes.String(), serdes.of(Chunk.class)).withName("catalog-chunks-source"))
                .process(ChunkWriter::new, Named.as("catalog-chunk-writer"), CHUNKS_STORE);
    }

    private static final class ChunkWriter implements Processor<String, Chunk, Void, Void> {
        private KeyValueStore<String, Chunk> chunks;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            chunks = context.getStateStore(CHUNKS_STORE);
        }

        @Override
        public void process(Record<String, Chunk> record) {
            Chunk chunk = record.value();
            if (chunk != null) chunks.put(Views.chunkOfFile(chunk.getFileId(), chunk.getIndex()), chunk);
            else Views.chunkOfId(record.key()).ifPresent(chunks::delete);
        }
    }

    private static KTable<String, Camera> addCameras(StreamsBuilder builder, AvroSerdes serdes) {
        Serde<String> keys = Serdes.String();
        KTable<String, Camera> cameras = builder.table(Topics.CAMERAS,
                Consumed.with(keys, serdes.of(Camera.class)).withName("catalog-cameras-source"),
                Materialized.<String, Camera, KeyValueStore<Bytes, byte[]>>as("catalog-camera-definitions")
                        .withKeySerde(keys).withValueSerde(serdes.of(Camera.class)));
        KTable<String, Heartbeat> heartbeats = builder.table(Topics.HEARTBEATS,
                Consumed.with(keys, serdes.of(Heartbeat.class)).withName("catalog-heartbeats-source"),
                Materialized.<String, Heartbeat, KeyValueStore<Bytes, byte[]>>as("catalog-camera-heartbeats")
                        .withKeySerde(keys).withValueSerde(serdes.of(Heartbeat.class)));
        cameras.leftJoin(heartbeats, CameraState::new, Named.as("catalog-camera-status"),
                Materialized.<String, CameraState, KeyValueStore<Bytes, byte[]>>as(CAMERAS_STORE)
                        .withKeySerde(keys).withValueSerde(Views.CAMERAS.serde(serdes)));
        return cameras;
    }

    private static void addFiles(StreamsBuilder builder, AvroSerdes serdes) {
        Serde<String> keys = Serdes.String();
        AvroSerde<Sighting> sightingSerde = serdes.of(Sighting.class);
        KTable<String, VideoFile> files = builder.table(Topics.FILES,
                Consumed.with(keys, serdes.of(VideoFile.class)).withName("catalog-files-source"),
                Materialized.<String, VideoFile, KeyValueStore<Bytes, byte[]>>as("catalog-file-definitions")
                        .withKeySerde(keys).withValueSerde(serdes.of(VideoFile.class)));
        KTable<String, FileSummary> summaries = builder.stream(Topics.SIGHTINGS,
                        Consumed.with(keys, sightingSerde).withName("catalog-sightings-source"))
                .filter((identity, s) -> s != null && s.getFileId() != null, Named.as("catalog-file-sightings-only"))
                .groupBy((identity, s) -> s.getFileId() + "/" + s.getSightingId(),
                        Grouped.with("catalog-sightings-by-id", keys, sightingSerde))
                .reduce(CatalogViews::latestVersion, Named.as("catalog-sighting-latest"),
                        Materialized.<String, Sighting, KeyValueStore<Bytes, byte[]>>as("catalog-file-sightings")
                                .withKeySerde(keys).withValueSerde(sightingSerde))
                .groupBy((id, s) -> KeyValue.pair(s.getFileId(), s), Grouped.with("catalog-sightings-by-file", keys, sightingSerde))
                .aggregate(() -> FileSummary.EMPTY, (file, s, sum) -> sum.plus(s), (file, s, sum) -> sum.minus(s),
                        Named.as("catalog-file-summary"),
                        Materialized.<String, FileSummary, KeyValueStore<Bytes, byte[]>>as("catalog-file-summaries")
                                .withKeySerde(keys).withValueSerde(ViewSerdes.fileSummaries()));
        files.leftJoin(summaries, (file, summary) -> new FileView(file, summary == null ? FileSummary.EMPTY : summary),
                Named.as("catalog-file-view"),
                Materialized.<String, FileView, KeyValueStore<Bytes, byte[]>>as(FILES_STORE)
                        .withKeySerde(keys).withValueSerde(Views.FILES.serde(serdes)));
    }

    /** Later versions replace earlier ones, except that a final version is never replaced by a late non-final one. */
    static Sighting latestVersion(Sighting current, Sighting next) {
        return current.getFinal$() && !next.getFinal$() ? current : next;
    }

    private static void addAlerts(StreamsBuilder builder, AvroSerdes serdes, KStream<String, PoiAlert> raised,
                                  KStream<String, PoiAlert> unknown) {
        Serde<String> keys = Serdes.String();
        AvroSerde<PoiAlert> alertSerde = serdes.of(PoiAlert.class);
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERTS_STORE), keys, Views.RECENT_ALERTS.serde(serdes)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_COUNTS_STORE), keys, Views.RECENT_ALERT_COUNTS.serde(serdes)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_IDS_STORE), keys, Views.RECENT_ALERT_IDS.serde(serdes)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_ACKS_STORE), keys, Views.ALERT_ACKS.serde(serdes)));
        raised.repartition(Repartitioned.<String, PoiAlert>as("catalog-alerts-single")
                        .withKeySerde(keys).withValueSerde(alertSerde).withNumberOfPartitions(1))
                .process(AlertWriter::new, Named.as("catalog-alert-writer"), ALERT_STORES);
        // its own hop: merged with the POI alerts above, the camera and tracking sub-topologies would become one
        unknown.repartition(Repartitioned.<String, PoiAlert>as("catalog-unknown-alerts-single")
                        .withKeySerde(keys).withValueSerde(alertSerde).withNumberOfPartitions(1))
                .process(AlertWriter::new, Named.as("catalog-unknown-alert-writer"), ALERT_STORES);
        builder.stream(Topics.ALERT_CLEARS, Consumed.with(keys, Serdes.Long()).withName("catalog-alert-clears-source"))
                .process(AlertClearer::new, Named.as("catalog-alert-clearer"), ALERT_STORES);
        builder.stream(Topics.ALERT_ACKS, Consumed.with(keys, serdes.of(AlertAck.class)).withName("catalog-alert-acks-source"))
                .process(AckWriter::new, Named.as("catalog-alert-ack-writer"), ALERT_STORES);
    }

    /**
     * The recent-alerts view with its per-POI counts, its index by alert id and its acknowledgements, which the writers
     * and the clearer keep together (one single-partition task).
     */
    private abstract static class AlertViewProcessor<V> implements Processor<String, V, Void, Void> {
        KeyValueStore<String, PoiAlert> alerts;
        KeyValueStore<String, Long> counts;
        KeyValueStore<String, String> ids;
        KeyValueStore<String, AlertAck> acks;
        private boolean indexed;
        private Cancellable indexing;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            alerts = context.getStateStore(ALERTS_STORE);
            counts = context.getStateStore(ALERT_COUNTS_STORE);
            ids = context.getStateStore(ALERT_IDS_STORE);
            acks = context.getStateStore(ALERT_ACKS_STORE);
            // once, soon after start, so an upgraded view's alerts can be acknowledged before any new record comes
            indexing = context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> {
                indexing.cancel();
                if (!indexed) indexOnce();
            });
        }

        @Override
        public final void process(Record<String, V> record) {
            if (!indexed) indexOnce();
            apply(record);
        }

        abstract void apply(Record<String, V> record);

        /**
         * An alerts view written before the index by id existed is indexed once after the upgrade: at the task's first
         * record or its first second, whichever comes first (not in init: a store write needs a record's or a
         * punctuation's context for its changelog).
         */
        private void indexOnce() {
            indexed = true;
            try (KeyValueIterator<String, String> any = ids.all()) {
                if (any.hasNext()) return;
            }
            try (KeyValueIterator<String, PoiAlert> it = alerts.all()) {
                it.forEachRemaining(kv -> ids.put(kv.value.getAlertId(), kv.key));
            }
        }
    }

    private static final class AlertWriter extends AlertViewProcessor<PoiAlert> {

        @Override
        void apply(Record<String, PoiAlert> record) {
            PoiAlert alert = record.value();
            if (alert == null) return;
            // putIfAbsent: a redelivered alert (same id, same time) is stored once and counted once.
            String key = Views.recentAlert(alert);
            if (alerts.putIfAbsent(key, alert) == null) {
                ids.put(alert.getAlertId(), key);
                Long n = counts.get(alert.getPoiId());
                counts.put(alert.getPoiId(), n == null ? 1 : n + 1);
            }
        }
    }

    /** Acknowledgements, kept only for alerts the view holds; a tombstone withdraws one. */
    private static final class AckWriter extends AlertViewProcessor<AlertAck> {

        @Override
        void apply(Record<String, AlertAck> record) {
            if (record.key() == null) return;
            if (record.value() == null) acks.delete(record.key());
            else if (ids.get(record.key()) != null) acks.put(record.key(), record.value());
        }
    }

    private static final class AlertClearer extends AlertViewProcessor<Long> {

        @Override
        void apply(Record<String, Long> record) {
            if (record.value() == null) return;
            long upTo = record.value();
            // Collect first: deleting under an open iterator is not something every store supports.
            List<KeyValue<String, PoiAlert>> cleared = new ArrayList<>();
            try (KeyValueIterator<String, PoiAlert> it = alerts.all()) {
                while (it.hasNext()) {
                    KeyValue<String, PoiAlert> next = it.next();
                    if (Views.recentAlertTime(next.key) > upTo) break;
                    cleared.add(next);
                }
            }
            for (KeyValue<String, PoiAlert> kv : cleared) {
                alerts.delete(kv.key);
                ids.delete(kv.value.getAlertId());
                acks.delete(kv.value.getAlertId());
                String poi = kv.value.getPoiId();
                Long n = counts.get(poi);
                if (n == null || n <= 1) counts.delete(poi);
                else counts.put(poi, n - 1);
            }
        }
    }
}
