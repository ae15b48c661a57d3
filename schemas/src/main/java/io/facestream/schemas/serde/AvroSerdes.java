package io.facestream.schemas.serde;

import io.facestream.schemas.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One Avro serde per record type, all on one schema registry: for every topology, topic, store and command writer. */
public final class AvroSerdes {
    private final SchemaRegistryClient registry;
    private final Map<Class<?>, AvroSerde<?>> serdes = new ConcurrentHashMap<>();

    public AvroSerdes(SchemaRegistryClient registry) {
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
