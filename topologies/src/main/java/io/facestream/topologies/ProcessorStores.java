package io.facestream.topologies;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.Set;
import java.util.function.Supplier;

/**
 * How a processor declares the stores it uses (Kafka Streams' {@code ConnectedStoreProvider}), so each processor
 * reads on its own: its supplier names its stores, and the topology only wires streams together.
 */
public final class ProcessorStores {

    /** A supplier of {@code processors} connected to {@code stores}. */
    public static <KI, VI, KO, VO> ProcessorSupplier<KI, VI, KO, VO> supplier(Supplier<Processor<KI, VI, KO, VO>> processors,
                                                                            Set<StoreBuilder<?>> stores) {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<KI, VI, KO, VO> get() {
                return processors.get();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return stores;
            }
        };
    }

    /** A store that outlives a restart: RocksDB, changelogged, cached. */
    public static <V> StoreBuilder<KeyValueStore<String, V>> persistent(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), values).withCachingEnabled();
    }

    /**
     * A store whose entries live for a frame or a batch (waiting crops, the queue, live tracks): held in memory,
     * still backed by its changelog, so exactly-once restores it, without RocksDB's cost on every record.
     */
    public static <V> StoreBuilder<KeyValueStore<String, V>> inMemory(String name, Serde<V> values) {
        // Cached: a crop put and deleted within one commit interval reaches the changelog once (as its tombstone),
        // and a source's tracker state once per commit instead of once per frame.
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values).withCachingEnabled();
    }

    private ProcessorStores() {
    }
}
