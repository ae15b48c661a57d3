package io.facestream.api.backend;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.TreeMap;

/**
 * Where a view of the pipeline's views contract ({@link Views}) is read: each view as one store, whichever
 * instance holds it. Kafka Streams spreads a view's
 * partitions over the instances of the application; a key this instance does not own is fetched from
 * the instance that does (Kafka Streams' metadata for the key, each instance's {@code application.server},
 * then {@link InternalViewsModule}'s endpoint over HTTP), and a scan merges every instance's part.
 * With no {@code application.server} (one instance) every read is local.
 */
public final class ViewRouter {
    /** The header and key instances present to each other. */
    public static final String KEY_HEADER = "X-API-Key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(ViewRouter.class);

    /**
     * Where a view's partitions live: Kafka Streams' metadata and this instance's own stores (an interface so the
     * routing can be tested without a cluster).
     */
    interface Placement {
        /** The instance that holds {@code key} of {@code store} now; null when none does (rebalancing). */
        HostInfo owner(String store, String key);

        /** Every instance holding a part of {@code store}. */
        Collection<HostInfo> holders(String store);

        <V> ReadOnlyKeyValueStore<String, V> local(String store);
    }

    private final Placement placement;
    private final AvroSerdes serdes;
    private final String applicationId;
    private final HostInfo self;
    private final String internalKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param self        this instance's {@code application.server}; null when it runs alone
     * @param internalKey the API key instances use with each other (the same on every instance)
     */
    public ViewRouter(KafkaStreams streams, AvroSerdes serdes, String applicationId, HostInfo self, String internalKey) {
        this(new Placement() {
            @Override
            public HostInfo owner(String store, String key) {
                KeyQueryMetadata owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
                return owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) ? null : owner.activeHost();
            }

            @Override
            public Collection<HostInfo> holders(String store) {
                return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo).toList();
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> local(String store) {
                return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()));
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
            HostInfo owner = placement.owner(name, key);
            if (owner == null) throw new InvalidStateStoreException("no instance holds " + name + " at the moment");
            if (owner.equals(self)) return ViewRouter.this.<V>local(name).get(key);
            byte[] bytes = fetch(owner, "/internal/views/" + name + "/keys/" + URLEncoder.encode(key, StandardCharsets.UTF_8));
            return bytes == null ? null : decode(name, bytes);
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
            // Kafka Streams' metadata says who holds the view's partitions now
            Collection<HostInfo> holders = placement.holders(name);
            if (holders.stream().allMatch(h -> h.equals(self))) return scan.apply(ViewRouter.this.local(name));
            TreeMap<String, V> merged = new TreeMap<>();
            for (HostInfo holder : holders) {
                if (holder.equals(self)) {
                    try (KeyValueIterator<String, V> it = scan.apply(ViewRouter.this.local(name))) {
                        it.forEachRemaining(kv -> merged.put(kv.key, kv.value));
                    }
                    continue;
                }
                byte[] body = fetch(holder, "/internal/views/" + name + "/entries" + (prefix == null ? ""
                        : "?" + InternalViewsModule.PREFIX + "=" + Base64.getUrlEncoder().encodeToString(prefix.getBytes(StandardCharsets.UTF_8))));
                if (body == null) continue;
                for (Map.Entry<String, String> e : parse(body).entrySet()) {
                    if (keys.test(e.getKey())) merged.put(e.getKey(), decode(name, Base64.getDecoder().decode(e.getValue())));
                }
            }
            List<KeyValue<String, V>> list = new ArrayList<>();
            merged.forEach((k, v) -> list.add(KeyValue.pair(k, v)));
            if (reverse) list.sort(Comparator.comparing((KeyValue<String, V> kv) -> kv.key).reversed());
            return new ListIterator<>(list);
        }
    }

    private static Map<String, String> parse(byte[] body) {
        try {
            return JSON.readValue(body, new TypeReference<Map<String, String>>() { });
        } catch (IOException e) {
            throw new InvalidStateStoreException("another instance answered a view request with something unreadable: " + e.getMessage());
        }
    }

    /** The body of a 200, null for a 404; another failure reads as the view being unavailable (a 503 to the client). */
    private byte[] fetch(HostInfo host, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                .header(KEY_HEADER, internalKey).timeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 404) return null;
            if (response.statusCode() != 200) {
                log.warn("instance {} answered {} for {}: {}", host, response.statusCode(), path, new String(response.body(), StandardCharsets.UTF_8));
                throw new InvalidStateStoreException("instance " + host + " answered " + response.statusCode() + " for " + path);
            }
            return response.body();
        } catch (IOException e) {
            log.warn("instance {} is unreachable for {}: {}", host, path, e.toString());
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
