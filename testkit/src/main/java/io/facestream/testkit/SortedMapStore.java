package io.facestream.testkit;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * A view's read side over a sorted map, in the order a RocksDB store with string keys scans (UTF-8 byte order
 * equals {@link String} order for the ASCII keys the views use), for tests of code that reads views.
 */
public final class SortedMapStore<V> implements ReadOnlyKeyValueStore<String, V> {
    private final NavigableMap<String, V> entries = new TreeMap<>();

    public SortedMapStore<V> put(String key, V value) {
        entries.put(key, value);
        return this;
    }

    public Map<String, V> entries() {
        return entries;
    }

    @Override
    public V get(String key) {
        return entries.get(key);
    }

    @Override
    public KeyValueIterator<String, V> range(String from, String to) {
        return iterator(sub(from, to));
    }

    @Override
    public KeyValueIterator<String, V> reverseRange(String from, String to) {
        return iterator(sub(from, to).descendingMap());
    }

    @Override
    public KeyValueIterator<String, V> all() {
        return iterator(entries);
    }

    @Override
    public KeyValueIterator<String, V> reverseAll() {
        return iterator(entries.descendingMap());
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS serializer) {
        String start = prefix.toString();
        return iterator(entries.tailMap(start, true).headMap(start + Character.MAX_VALUE, false));
    }

    @Override
    public long approximateNumEntries() {
        return entries.size();
    }

    private NavigableMap<String, V> sub(String from, String to) {
        NavigableMap<String, V> view = entries;
        if (from != null) view = view.tailMap(from, true);
        if (to != null) view = view.headMap(to, true);
        return view;
    }

    private static <V> KeyValueIterator<String, V> iterator(Map<String, V> map) {
        List<KeyValue<String, V>> list = new ArrayList<>();
        map.forEach((k, v) -> list.add(KeyValue.pair(k, v)));
        return new KeyValueIterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < list.size();
            }

            @Override
            public KeyValue<String, V> next() {
                if (!hasNext()) throw new NoSuchElementException();
                return list.get(next++);
            }

            @Override
            public String peekNextKey() {
                if (!hasNext()) throw new NoSuchElementException();
                return list.get(next).key;
            }

            @Override
            public void close() {
            }
        };
    }
}
