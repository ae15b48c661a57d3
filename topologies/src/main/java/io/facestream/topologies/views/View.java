package io.facestream.topologies.views;

import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.ProcessorStores;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

import java.util.function.Function;

/**
 * One view of the pipeline: a named, queryable key-value store with string keys, and how its values are
 * serialized (in its changelog, and between instances that route a read to the one holding the key).
 *
 * @param <V> the value type
 */
public final class View<V> {
    private final String name;
    private final Function<AvroSerdes, Serde<V>> values;

    View(String name, Function<AvroSerdes, Serde<V>> values) {
        this.name = name;
        this.values = values;
    }

    /** The store's name (Kafka Streams' store and changelog name). */
    public String name() {
        return name;
    }

    public Serde<V> serde(AvroSerdes serdes) {
        return values.apply(serdes);
    }

    /** The store as the topology builds it: persistent (RocksDB), changelogged, cached. */
    public StoreBuilder<KeyValueStore<String, V>> persistentStore(AvroSerdes serdes) {
        return ProcessorStores.persistent(name, serde(serdes));
    }

    @Override
    public String toString() {
        return name;
    }
}
