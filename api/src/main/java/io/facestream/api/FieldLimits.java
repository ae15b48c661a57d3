package io.facestream.api;

import java.util.Map;

/**
 * The documented length limits of free-text fields, in characters (Unicode code points), each checked before
 * any model runs or anything is written. A longer value is answered 422 ({@link ErrorKind#FIELD_TOO_LONG}) in
 * the route's error shape, rather than reaching Kafka and failing there on the record size.
 */
public final class FieldLimits {
    /** A person's name (seed 004's register). */
    public static final int NAME = 200;
    /** A person's relationship to the user (seed 004). */
    public static final int RELATIONSHIP = 100;
    /** A POI's notes (seed 001). */
    public static final int NOTES = 2000;
    /** An operator's note on acknowledging an alert. */
    public static final int ACK_NOTE = 500;
    /** Entries in a metadata object (seed 004). */
    public static final int METADATA_ENTRIES = 50;
    /** A metadata key. */
    public static final int METADATA_KEY = 100;
    /** A metadata value, as text (a nested value counts as its JSON). */
    public static final int METADATA_VALUE = 1000;
    /** The metadata field as sent: checked before it is parsed. */
    public static final int METADATA_JSON = METADATA_ENTRIES * (METADATA_KEY + METADATA_VALUE + 8);

    private FieldLimits() {}

    /** {@code value} when it has at most {@code max} characters (null passes); 422 otherwise. */
    public static String check(String field, String value, int max) {
        if (value != null && value.length() > max && value.codePointCount(0, value.length()) > max) {
            throw new ApiException(ErrorKind.FIELD_TOO_LONG, "Field '" + field + "' is too long: "
                    + value.codePointCount(0, value.length()) + " characters, over the limit of " + max + ".");
        }
        return value;
    }

    /** Metadata within {@link #METADATA_ENTRIES} entries, each key and value within its limit; 422 otherwise. */
    public static Map<String, String> checkMetadata(String field, Map<String, String> metadata) {
        if (metadata.size() > METADATA_ENTRIES) {
            throw new ApiException(ErrorKind.FIELD_TOO_LONG, "Field '" + field + "' has " + metadata.size()
                    + " entries, over the limit of " + METADATA_ENTRIES + ".");
        }
        metadata.forEach((key, value) -> {
            check(field + " key", key, METADATA_KEY);
            check(field + "." + (key.length() > 40 ? key.substring(0, 40) + "..." : key), value, METADATA_VALUE);
        });
        return metadata;
    }

    /** The limits as OpenAPI descriptions say them. */
    public static String describe(int max) {
        return "at most " + max + " characters";
    }
}
