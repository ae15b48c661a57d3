package io.facestream.vectors;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
  * Which points an operation applies to: every condition must hold (AND).
  *
  * <ul>
  *   <li>a time range on the long payload field {@value #TIMESTAMP} (epoch millis), both bounds
  *       inclusive, either may be open (null); a point without that field never matches a range;
  *   <li>keyword conditions: the string payload field equals one of the given values (a field the
  *       point lacks never matches). {@link #sourceIn} is the one on {@value #SOURCE_ID}.
  * </ul>
  *
  * Immutable; each method returns a copy with one more condition ({@link #whereIn} on a field that
  * already has a condition replaces it).
  */
public record VectorFilter(Long fromMillis, Long toMillis, Map<String, Set<String>> keywords) {

    public static final String TIMESTAMP = "timestamp";
    public static final String SOURCE_ID = "source_id";

    private static final VectorFilter ALL = new VectorFilter(null, null, Map.of());

    public VectorFilter {
        if (fromMillis != null && toMillis != null && fromMillis > toMillis) {
            throw new IllegalArgumentException("time range from " + fromMillis + " is after to " + toMillis);
        }
        keywords = Map.copyOf(keywords);
        keywords.forEach((field, values) -> {
            if (values.isEmpty()) throw new IllegalArgumentException("keyword condition on '" + field + "' has no values");
        });
    }

    /** Matches every point. */
    public static VectorFilter all() {
        return ALL;
    }

    public boolean matchesAll() {
        return fromMillis == null && toMillis == null && keywords.isEmpty();
    }

    public boolean hasTimeRange() {
        return fromMillis != null || toMillis != null;
    }

    /** {@value #TIMESTAMP} within [fromInclusive, toInclusive]; null leaves that side open. */
    public VectorFilter timeRange(Long fromInclusive, Long toInclusive) {
        return new VectorFilter(fromInclusive, toInclusive, keywords);
    }

    public VectorFilter sourceIn(String... sourceIds) {
        return whereIn(SOURCE_ID, List.of(sourceIds));
    }

    public VectorFilter whereEquals(String field, String value) {
        return whereIn(field, List.of(value));
    }

    public VectorFilter whereIn(String field, Collection<String> values) {
        var copy = new LinkedHashMap<>(keywords);
        copy.put(field, Set.copyOf(values));
        return new VectorFilter(fromMillis, toMillis, copy);
    }
}
