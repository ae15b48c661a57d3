package io.facestream.topologies;

import io.facestream.schemas.registry.SchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import org.apache.avro.specific.SpecificRecord;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One Avro serde per record type for every topology, topic and store, all on one schema registry. */
public final class TopologySerdes {
    private final SchemaRegistryClient registry;
    private final Map<Class<?>, AvroSerde<?>> serdes = new ConcurrentHashMap<>();

    public TopologySerdes(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
        return (AvroSerde<T>) serdes.computeIfAbsent(type, t -> AvroSerde.forValues(registry, type));
    }

    public SchemaRegistryClient registry() {
        return registry;
    }
}
