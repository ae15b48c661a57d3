package io.facestream.api.backend;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.api.StaleReads;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.views.Views;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a view of the pipeline's views contract ({@link Views}) is read: each view as one store, whichever
 * instance holds it. Kafka Streams spreads a view's
 * partitions over the instances of the application; a key this instance does not own is fetched from
 * the instance that does (Kafka Streams' metadata for the key, each instance's {@code application.server},
 * then {@link InternalViewsModule}'s endpoint over HTTP), and a scan merges every instance's part.
 * With no {@code application.server} (one instance) every read is local.
 * <p>
 * When the instance holding the fresh copy does not answer within {@link #PEER_TIMEOUT} (it died, its session has
 * not ended yet) or the group rebalances, a read falls back to a copy Kafka Streams keeps elsewhere: this
 * instance's standby or restoring store ({@code num.standby.replicas}, {@code enableStaleStores}) or another
 * instance's. Such an answer may lag a little behind the pipeline and says so ({@link StaleReads}); a key a copy
 * lacks, or a partition of which no instance answers with a copy, is a 503, never a 404 for something that exists.
 */
public final class ViewRouter {
    /** The header and key instances present to each other. */
    public static final String KEY_HEADER = "X-API-Key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(ViewRouter.class);
    /**
     * How long an instance has to answer before its part is read from a copy elsewhere: short, since the group
     * keeps a dead instance as holder for its whole session timeout, and each query would wait this long.
     */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(1);
    /**
     * How long a read that found no copy to answer from tries again before its 503: while a standby becomes the
     * active copy in a rebalance, this instance briefly holds neither (a few hundred ms in {@code FailoverTest}).
     */
    private static final Duration HANDOVER_GRACE = Duration.ofSeconds(1);
    /** How long an instance has to answer when no copy elsewhere could stand in (a scan of a large part, say). */
    private static final Duration PEER_TIMEOUT_WITHOUT_COPY = Duration.ofSeconds(5);

    /**
     * Where a view's partitions live: Kafka Streams' metadata and this instance's own stores (an interface so the
     * routing can be tested without a cluster).
     */
    interface Placement {
        /**
         * Where {@code key} of {@code store} lives now: its partition, the instance holding the active copy and
         * those holding standbys; null while Kafka Streams has no metadata yet.
         */
        KeyQueryMetadata where(String store, String key);

        /** Every instance holding the active copy of a part of {@code store}. */
        Collection<HostInfo> holders(String store);

        /** Every instance of the application, whatever it holds. */
        Collection<HostInfo> instances();

        /** Whether any instance keeps a standby copy of a part of {@code store}. */
        boolean standbys(String store);

        /** This instance's active part of {@code store}; throws while it rebalances or restores. */
        <V> ReadOnlyKeyValueStore<String, V> local(String store);

        /**
         * This instance's copy of {@code partition} of {@code store} (every local copy where null), active,
         * restoring or standby, so possibly stale; throws {@link InvalidStateStoreException} when it holds none.
         */
        <V> ReadOnlyKeyValueStore<String, V> copy(String store, Integer partition);

        /** How many partitions {@code store} has. */
        int partitions(String store);
    }

    private final Placement placement;
    private final AvroSerdes serdes;
    private final String applicationId;
    private final HostInfo self;
    private final String internalKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PEER_TIMEOUT).build();
    private static final Duration UNREACHABLE_WARNING_EVERY = Duration.ofSeconds(30);
    /** When each unreachable instance was last warned about. */
    private final Map<HostInfo, Long> lastUnreachableWarning = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param self        this instance's {@code application.server}; null when it runs alone
     * @param internalKey the API key instances use with each other (the same on every instance)
     */
    public ViewRouter(KafkaStreams streams, AvroSerdes serdes, String applicationId, HostInfo self, String internalKey) {
        this(new Placement() {
            @Override
            public KeyQueryMetadata where(String store, String key) {
                KeyQueryMetadata where = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
                return where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE) ? null : where;
            }

            @Override
            public Collection<HostInfo> holders(String store) {
                return streams.streamsMetadataForStore(store).stream().filter(m -> m.stateStoreNames().contains(store))
                        .map(StreamsMetadata::hostInfo).toList();
            }

            @Override
            public Collection<HostInfo> instances() {
                return streams.metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo).toList();
            }

            @Override
            public boolean standbys(String store) {
                return streams.metadataForAllStreamsClients().stream().anyMatch(m -> m.standbyStateStoreNames().contains(store));
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> local(String store) {
                return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()));
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> copy(String store, Integer partition) {
                StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> any = StoreQueryParameters
                        .fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()).enableStaleStores();
                return streams.store(partition == null ? any : any.withPartition(partition));
            }

            @Override
            public int partitions(String store) {
                // Kafka Streams hands its partitioner the partition count of the store's source topics: the store's own
                int[] count = {-1};
                streams.queryMetadataForKey(store, "", (topic, key, value, partitions) -> {
                    count[0] = partitions;
                    return Optional.of(Set.of(0));
                });
                if (count[0] < 1) throw new InvalidStateStoreException("Kafka Streams has no metadata for " + store + " yet");
                return count[0];
            }
        }, serdes, applicationId, self, internalKey);
    }

    ViewRouter(Placement placement, AvroSerdes serdes, String applicationId, HostInfo self, String internalKey) {
        this.placement = placement;
        this.serdes = serdes;
        this.applicationId = applicationId;
        this.self = self;
        this.internalKey = internalKey;
    }

    /** A view, whichever instances hold it. */
    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return self == null ? local(name) : new Routed<>(name);
    }

    /** This instance's {@code application.server}; null when it runs alone. */
    public HostInfo self() {
        return self;
    }

    /** This instance's part of a view. */
    public <V> ReadOnlyKeyValueStore<String, V> local(String name) {
        return placement.local(name);
    }

    /** This instance's copy of a partition of a view, active, restoring or standby; throws when it holds none. */
    <V> ReadOnlyKeyValueStore<String, V> copy(String name, int partition) {
        return placement.copy(name, partition);
    }

    /** True for the stores other instances may ask this one for. */
    boolean isView(String name) {
        return Views.routable(name).isPresent();
    }

    @SuppressWarnings("unchecked")
    byte[] encode(String store, Object value) {
        return ((Serde<Object>) serde(store)).serializer().serialize(Views.changelog(applicationId, store), value);
    }

    @SuppressWarnings("unchecked")
    private <V> V decode(String store, byte[] bytes) {
        return ((Serde<V>) serde(store)).deserializer().deserialize(Views.changelog(applicationId, store), bytes);
    }

    private Serde<?> serde(String store) {
        return Views.routable(store).orElseThrow(() -> new IllegalArgumentException("not a view: " + store)).serde(serdes);
    }

    private final class Routed<V> implements ReadOnlyKeyValueStore<String, V> {
        private final String name;
        Routed(String name) {
            this.name = name;
        }

        @Override
        public V get(String key) {
            return withinGrace(() -> read(key));
        }

        private V read(String key) {
            KeyQueryMetadata where = placement.where(name, key);
            if (where == null) {
                // no metadata yet: a copy here may still hold the key, but its absence here proves nothing
                V value = ViewRouter.this.<V>copies(name, null).get(key);
                if (value == null) throw new InvalidStateStoreException("no instance holds " + name + " at the moment");
                StaleReads.mark();
                return value;
            }
            String path = "/internal/views/" + name + "/keys/" + URLEncoder.encode(key, StandardCharsets.UTF_8);
            boolean standbys = !where.standbyHosts().isEmpty();
            try {
                if (where.activeHost().equals(self)) return ViewRouter.this.<V>local(name).get(key);
                byte[] bytes = fetch(where.activeHost(), path, standbys ? PEER_TIMEOUT : PEER_TIMEOUT_WITHOUT_COPY);
                return bytes == null ? null : decode(name, bytes);
            } catch (InvalidStateStoreException activeNotAnswering) {
                // the fresh copy is not to be had now: a (maybe slightly stale) copy's answer instead, this instance's
                // own restoring one first, then the standbys'; a copy without the key proves nothing (it may not have
                // caught up with its creation), so that is no answer: never a 404 for something that exists
                List<HostInfo> copies = new ArrayList<>();
                if (where.activeHost().equals(self)) copies.add(self);
                copies.addAll(where.standbyHosts());
                for (HostInfo standby : copies) {
                    try {
                        V value;
                        if (standby.equals(self)) {
                            value = ViewRouter.this.<V>copies(name, where.partition()).get(key);
                        } else {
                            byte[] bytes = fetch(standby, path + "?" + InternalViewsModule.PARTITION + "=" + where.partition(), PEER_TIMEOUT);
                            value = bytes == null ? null : decode(name, bytes);
                        }
                        if (value == null) continue;
                        StaleReads.mark();
                        return value;
                    } catch (InvalidStateStoreException standbyNotAnswering) {
                        // the next standby, if any
                    }
                }
                throw activeNotAnswering;
            }
        }

        @Override
        public KeyValueIterator<String, V> range(String from, String to) {
            return entries(local -> local.range(from, to), null,
                    e -> (from == null || e.compareTo(from) >= 0) && (to == null || e.compareTo(to) <= 0), false);
        }

        @Override
        public KeyValueIterator<String, V> reverseRange(String from, String to) {
            return entries(local -> local.reverseRange(from, to), null,
                    e -> (from == null || e.compareTo(from) >= 0) && (to == null || e.compareTo(to) <= 0), true);
        }

        @Override
        public KeyValueIterator<String, V> all() {
            return entries(ReadOnlyKeyValueStore::all, null, e -> true, false);
        }

        @Override
        public KeyValueIterator<String, V> reverseAll() {
            return entries(ReadOnlyKeyValueStore::reverseAll, null, e -> true, true);
        }

        /** Each holder scans only the keys under the prefix (an identity's sightings, say), not its whole part. */
        @Override
        public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS serializer) {
            String start = prefix.toString();
            return entries(local -> local.prefixScan(start, Serdes.String().serializer()), start, e -> e.startsWith(start), false);
        }

        @Override
        public long approximateNumEntries() {
            long n = 0;
            for (KeyValueIterator<String, V> it = all(); it.hasNext(); it.next()) n++;
            return n;
        }

        /**
         * This instance's entries and every other holder's, in key order: {@code scan} reads this instance's part
         * (lazily, so a caller that stops after 50 reads 50), the others answer over HTTP with their part (under
         * {@code prefix} where not null), filtered by {@code keys} and merged here.
         */
        private KeyValueIterator<String, V> entries(java.util.function.Function<ReadOnlyKeyValueStore<String, V>, KeyValueIterator<String, V>> scan,
                                                    String prefix, java.util.function.Predicate<String> keys, boolean reverse) {
            return withinGrace(() -> {
                try {
                    return activeEntries(scan, prefix, keys, reverse);
                } catch (InvalidStateStoreException activeNotAnswering) {
                    return copiesEntries(scan, prefix, keys, reverse, activeNotAnswering);
                }
            });
        }

        /** {@link #entries} from the active copies, as Kafka Streams' metadata names their holders. */
        private KeyValueIterator<String, V> activeEntries(java.util.function.Function<ReadOnlyKeyValueStore<String, V>, KeyValueIterator<String, V>> scan,
                                                          String prefix, java.util.function.Predicate<String> keys, boolean reverse) {
            Collection<HostInfo> holders = placement.holders(name);
            if (holders.isEmpty()) throw new InvalidStateStoreException("no instance holds " + name + " at the moment");
            if (holders.stream().allMatch(h -> h.equals(self))) return scan.apply(ViewRouter.this.local(name));
            boolean standbys = placement.standbys(name);
            TreeMap<String, V> merged = new TreeMap<>();
            for (HostInfo holder : holders) {
                if (holder.equals(self)) {
                    try (KeyValueIterator<String, V> it = scan.apply(ViewRouter.this.local(name))) {
                        it.forEachRemaining(kv -> merged.put(kv.key, kv.value));
                    }
                    continue;
                }
                byte[] body = fetch(holder, entriesPath(prefix, null), standbys ? PEER_TIMEOUT : PEER_TIMEOUT_WITHOUT_COPY);
                if (body != null) mergeInto(merged, body, keys);
            }
            return listed(merged, reverse);
        }

        /**
         * {@link #entries} partition by partition from any copy that answers: this instance's (active, restoring or
         * standby), else another instance's; a 503 ({@code cause}) when a partition has no copy that answers.
         */
        private KeyValueIterator<String, V> copiesEntries(java.util.function.Function<ReadOnlyKeyValueStore<String, V>, KeyValueIterator<String, V>> scan,
                                                          String prefix, java.util.function.Predicate<String> keys, boolean reverse,
                                                          InvalidStateStoreException cause) {
            int partitions;
            try {
                partitions = placement.partitions(name);
            } catch (InvalidStateStoreException noMetadata) {
                throw cause;
            }
            TreeMap<String, V> merged = new TreeMap<>();
            Set<Integer> missing = new TreeSet<>();
            for (int p = 0; p < partitions; p++) {
                try (KeyValueIterator<String, V> it = scan.apply(ViewRouter.this.copies(name, p))) {
                    it.forEachRemaining(kv -> merged.put(kv.key, kv.value));
                } catch (InvalidStateStoreException noCopyHere) {
                    missing.add(p);
                }
            }
            for (HostInfo other : self == null ? List.<HostInfo>of() : placement.instances()) {
                if (missing.isEmpty()) break;
                if (other.equals(self)) continue;
                for (Integer p : List.copyOf(missing)) {
                    try {
                        byte[] body = fetch(other, entriesPath(prefix, p), PEER_TIMEOUT);
                        if (body == null) continue;
                        mergeInto(merged, body, keys);
                        missing.remove(p);
                    } catch (InvalidStateStoreException noCopyThere) {
                        // not there, or that instance does not answer either: the next instance
                    }
                }
            }
            if (!missing.isEmpty()) throw cause;
            StaleReads.mark();
            return listed(merged, reverse);
        }

        private String entriesPath(String prefix, Integer partition) {
            List<String> query = new ArrayList<>();
            if (prefix != null) {
                query.add(InternalViewsModule.PREFIX + "=" + Base64.getUrlEncoder().encodeToString(prefix.getBytes(StandardCharsets.UTF_8)));
            }
            if (partition != null) query.add(InternalViewsModule.PARTITION + "=" + partition);
            return "/internal/views/" + name + "/entries" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        }

        private void mergeInto(TreeMap<String, V> merged, byte[] body, java.util.function.Predicate<String> keys) {
            for (Map.Entry<String, String> e : parse(body).entrySet()) {
                if (keys.test(e.getKey())) merged.put(e.getKey(), decode(name, Base64.getDecoder().decode(e.getValue())));
            }
        }
    }

    /** {@code read}, tried again for {@link #HANDOVER_GRACE} while no copy answers. */
    private static <T> T withinGrace(java.util.function.Supplier<T> read) {
        long deadline = System.nanoTime() + HANDOVER_GRACE.toNanos();
        while (true) {
            try {
                return read.get();
            } catch (InvalidStateStoreException notNow) {
                if (System.nanoTime() > deadline) throw notNow;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw notNow;
                }
            }
        }
    }

    private <V> ReadOnlyKeyValueStore<String, V> copies(String name, Integer partition) {
        return placement.copy(name, partition);
    }

    private static <V> KeyValueIterator<String, V> listed(TreeMap<String, V> merged, boolean reverse) {
        List<KeyValue<String, V>> list = new ArrayList<>();
        merged.forEach((k, v) -> list.add(KeyValue.pair(k, v)));
        if (reverse) list.sort(Comparator.comparing((KeyValue<String, V> kv) -> kv.key).reversed());
        return new ListIterator<>(list);
    }

    private static Map<String, String> parse(byte[] body) {
        try {
            return JSON.readValue(body, new TypeReference<Map<String, String>>() { });
        } catch (IOException e) {
            throw new InvalidStateStoreException("another instance answered a view request with something unreadable: " + e.getMessage());
        }
    }

    /**
     * The body of a 200, null for a 404; another failure, or no answer within {@code timeout}, reads as the view
     * being unavailable there (a 503 to the client unless a copy elsewhere answers).
     */
    private byte[] fetch(HostInfo host, String path, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                .header(KEY_HEADER, internalKey).timeout(timeout).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 404) return null;
            if (response.statusCode() != 200) {
                log.warn("instance {} answered {} for {}: {}", host, response.statusCode(), path, new String(response.body(), StandardCharsets.UTF_8));
                throw new InvalidStateStoreException("instance " + host + " answered " + response.statusCode() + " for " + path);
            }
            return response.body();
        } catch (IOException e) {
            // a dead instance stays in the metadata for its whole session: one line per instance every 30 s, not one per read
            long now = System.nanoTime();
            Long last = lastUnreachableWarning.get(host);
            if (last == null || now - last > UNREACHABLE_WARNING_EVERY.toNanos()) {
                lastUnreachableWarning.put(host, now);
                log.warn("instance {} is unreachable for {} (repeated at most every {} s): {}", host, path,
                        UNREACHABLE_WARNING_EVERY.toSeconds(), e.toString());
            } else {
                log.debug("instance {} is unreachable for {}: {}", host, path, e.toString());
            }
            throw new InvalidStateStoreException("instance " + host + " is unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidStateStoreException("interrupted while asking " + host);
        }
    }

    /** A merged view's entries, already in order. */
    private static final class ListIterator<V> implements KeyValueIterator<String, V> {
        private final List<KeyValue<String, V>> entries;
        private int next;

        ListIterator(List<KeyValue<String, V>> entries) {
            this.entries = entries;
        }

        @Override
        public boolean hasNext() {
            return next < entries.size();
        }

        @Override
        public KeyValue<String, V> next() {
            if (!hasNext()) throw new java.util.NoSuchElementException();
            return entries.get(next++);
        }

        @Override
        public String peekNextKey() {
            if (!hasNext()) throw new java.util.NoSuchElementException();
            return entries.get(next).key;
        }

        @Override
        public void close() {
        }
    }
}
