package io.facestream.blobs;

import java.util.regex.Pattern;

/**
 * The one definition of a blob key: {@code kind/id}, where the id is a record id (letters, digits,
 * {@code . _ : -}, no {@code ..}). A valid key names exactly one blob and can be checked without touching a
 * store, so a key taken from a URL can never reach outside it.
 */
public final class BlobKeys {
    /** Longest id a key may carry. */
    public static final int MAX_ID_LENGTH = 200;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._:-]{0," + (MAX_ID_LENGTH - 1) + "}");

    /** The key of {@code id} under {@code kind}; fails on an id that is not a record id. */
    public static String of(BlobKind kind, String id) {
        validateId(id);
        return kind.dir() + "/" + id;
    }

    /** The key of an analysed frame that had faces, as ingest stores it: {@code frame/<source>:<frame>}. */
    public static String frame(String sourceId, long frameNumber) {
        return of(BlobKind.FRAME, frameId(sourceId, frameNumber));
    }

    /** The id part of {@link #frame}. */
    public static String frameId(String sourceId, long frameNumber) {
        return sourceId + ":" + frameNumber;
    }

    /** The kind of a valid key; the message says what is wrong with an invalid one. */
    public static BlobKind validate(String key) {
        int slash = key == null ? -1 : key.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("a blob key is kind/id");
        BlobKind kind = BlobKind.fromDir(key.substring(0, slash));
        validateId(key.substring(slash + 1));
        return kind;
    }

    /** True for a valid key of this kind. */
    public static boolean isKey(BlobKind kind, String key) {
        try {
            return validate(key) == kind;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void validateId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.contains(".."))
            throw new IllegalArgumentException("a blob id is 1-" + MAX_ID_LENGTH + " of letters, digits and . _ : - (no '..'), got '" + id + "'");
    }

    private BlobKeys() {
    }
}
