package io.facestream.vectors;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
  * One stored point: a string id, its vector and a flat payload.
  *
  * <p>Payload values are {@link String}, {@link Long}, {@link Double} or {@link Boolean}; {@code
  * Integer}, {@code Short} and {@code Byte} are widened to {@code Long} and {@code Float} to {@code
  * Double} so that a point reads back equal to what was written. Nulls, nested maps and lists are
  * rejected. Keys starting with {@code _} are reserved for the stores' own bookkeeping. Filters
  * match string fields by equality and the long field {@link VectorFilter#TIMESTAMP} by range; a
  * key keeps one type within a collection (the embedded store rejects a change).
  *
  * <p>{@code vector} is null only in {@link VectorStore#scroll} results that did not ask for
  * vectors; upsert requires one.
  *
  * <p>The ids are free-form strings (face ids such as {@code cam1:000123:0}, UUIDs); stores map
  * them to their own id space where they must.
  */
public record VectorPoint(String id, float[] vector, Map<String, Object> payload) {

    public VectorPoint {
        if (id == null || id.isEmpty()) throw new IllegalArgumentException("a point id must not be empty");
        payload = normalise(payload == null ? Map.of() : payload);
    }

    public VectorPoint(String id, float[] vector) {
        this(id, vector, Map.of());
    }

    static Map<String, Object> normalise(Map<String, ?> payload) {
        var out = new LinkedHashMap<String, Object>();
        payload.forEach((key, value) -> {
            if (key == null || key.isEmpty() || key.startsWith("_")) {
                throw new IllegalArgumentException("payload key '" + key + "' is empty or reserved (keys starting with '_')");
            }
            out.put(key, switch (value) {
                case String s -> s;
                case Long l -> l;
                case Integer i -> i.longValue();
                case Short s -> s.longValue();
                case Byte b -> b.longValue();
                case Double d -> d;
                case Float f -> f.doubleValue();
                case Boolean b -> b;
                case null -> throw new IllegalArgumentException("payload key '" + key + "' has a null value");
                default -> throw new IllegalArgumentException("payload key '" + key + "' has unsupported type "
                        + value.getClass().getName() + "; supported: String, Long, Double, Boolean");
            });
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VectorPoint p && id.equals(p.id) && Arrays.equals(vector, p.vector) && payload.equals(p.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(vector), payload);
    }

    @Override
    public String toString() {
        return "VectorPoint[id=" + id + ", dimension=" + (vector == null ? "-" : vector.length) + ", payload=" + payload + "]";
    }
}
