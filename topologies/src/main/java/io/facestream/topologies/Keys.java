package io.facestream.topologies;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Composite store keys. Parts are joined by NUL (ids never contain it) and numbers are zero-padded, so
 * RocksDB's byte order is the order we scan in: a source's frames by number, an identity's faces by time.
 */
public final class Keys {
    public static final Serializer<String> PREFIX = Serdes.String().serializer();
    private static final char SEPARATOR = '\0';

    public static String of(Object... parts) {
        StringBuilder key = new StringBuilder();
        for (Object part : parts) {
            if (!key.isEmpty()) key.append(SEPARATOR);
            key.append(part instanceof Long || part instanceof Integer ? String.format("%019d", ((Number) part).longValue()) : part);
        }
        return key.toString();
    }

    /** The prefix that scans every key starting with these parts. */
    public static String prefix(Object... parts) {
        return of(parts) + SEPARATOR;
    }

    private Keys() {
    }
}
