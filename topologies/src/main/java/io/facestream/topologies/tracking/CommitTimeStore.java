package io.facestream.topologies.tracking;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A store of frame-scoped state (a source's tracker, the crops and frames waiting for each other) that takes its writes
 * into the store below, and so its changelog, only when Kafka Streams flushes the stores before a commit: a key written
 * on every frame is serialised and logged once per commit, and a key put and deleted between two commits (a crop whose
 * frame came soon after it) never reaches the store nor its changelog, not even as a tombstone. Under exactly-once the
 * changelog still holds, at each commit, exactly what the processor held: the commit flushes this store first.
 *
 * <p>The hook is Kafka Streams' own, not public: {@link WrappedStateStore#flushCache()}, which every commit calls on each
 * store of the task before it flushes the producer and commits the transaction (the record caches use it). Its public
 * API has nothing a processor or store sees before a commit ({@code StateStore.commit} comes after the transaction).
 * {@code PipelineCrashTest} and {@code CommitTimeStoreTest} fail if an upgrade changes that.
 */
final class CommitTimeStore<V> extends WrappedStateStore<KeyValueStore<String, V>, String, V> implements KeyValueStore<String, V> {
    /** Writes since the last flush, the latest per key; a null value deletes. */
    private final Map<String, V> pending = new HashMap<>();

    private CommitTimeStore(KeyValueStore<String, V> below) {
        super(below);
    }

    /** An in-memory store, changelogged, written at commits only (the caching a record cache would add is this store's own). */
    static <V> StoreBuilder<KeyValueStore<String, V>> builder(String name, Serde<V> values) {
        return new Builder<>(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values).withCachingDisabled());
    }

    @Override
    public void put(String key, V value) {
        if (value == null) {
            delete(key);
        } else {
            pending.put(key, value);
        }
    }

    @Override
    public V putIfAbsent(String key, V value) {
        V current = get(key);
        if (current == null) put(key, value);
        return current;
    }

    @Override
    public void putAll(List<KeyValue<String, V>> entries) {
        entries.forEach(e -> put(e.key, e.value));
    }

    /** Writes nothing for a key that is not below (put since the last commit, or never): no tombstone for it. */
    @Override
    public V delete(String key) {
        boolean written = pending.containsKey(key);
        V current = written ? pending.get(key) : null;
        V below = wrapped().get(key); // decodes only a key that waited across a commit
        if (below == null) {
            pending.remove(key);
        } else {
            pending.put(key, null);
        }
        return written ? current : below;
    }

    @Override
    public V get(String key) {
        return pending.containsKey(key) ? pending.get(key) : wrapped().get(key);
    }

    // Scans are for a (re)start, when nothing is pending: they see the pending writes by taking them below first.

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        writePending();
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<String, V> reverseRange(String from, String to) {
        writePending();
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<String, V> all() {
        writePending();
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<String, V> reverseAll() {
        writePending();
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS serializer) {
        writePending();
        return wrapped().prefixScan(prefix, serializer);
    }

    @Override
    public long approximateNumEntries() {
        writePending();
        return wrapped().approximateNumEntries();
    }

    /** Before every commit (and a task's close, which commits first). */
    @Override
    public void flushCache() {
        writePending();
        super.flushCache();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        writePending();
        super.commit(changelogOffsets);
    }

    /** A task closed dirty (its transaction aborted) is restored from the changelog: what was pending is dropped. */
    @Override
    public void clearCache() {
        pending.clear();
        super.clearCache();
    }

    @Override
    public void close() {
        pending.clear();
        super.close();
    }

    private void writePending() {
        if (pending.isEmpty()) return;
        for (Map.Entry<String, V> e : pending.entrySet()) {
            if (e.getValue() == null) {
                wrapped().delete(e.getKey());
            } else {
                wrapped().put(e.getKey(), e.getValue());
            }
        }
        pending.clear();
    }

    /** Kafka Streams' builder with this store around what it builds. */
    private record Builder<V>(StoreBuilder<KeyValueStore<String, V>> below) implements StoreBuilder<KeyValueStore<String, V>> {
        @Override
        public StoreBuilder<KeyValueStore<String, V>> withCachingEnabled() {
            throw new UnsupportedOperationException("a commit-time store is its own cache");
        }

        @Override
        public StoreBuilder<KeyValueStore<String, V>> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<String, V>> withLoggingEnabled(Map<String, String> config) {
            below.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<String, V>> withLoggingDisabled() {
            below.withLoggingDisabled();
            return this;
        }

        @Override
        public KeyValueStore<String, V> build() {
            return new CommitTimeStore<>(below.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return below.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return below.loggingEnabled();
        }

        @Override
        public String name() {
            return below.name();
        }
    }
}
