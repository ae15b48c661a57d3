package io.facestream.blobs;

import java.util.Locale;

/** What a blob is; each kind has its own retention. */
public enum BlobKind {
    FRAME, CROP, THUMBNAIL, CLIP, PROFILE;

    public String dir() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind whose directory (key prefix) this is. */
    public static BlobKind fromDir(String dir) {
        for (BlobKind k : values()) if (k.dir().equals(dir)) return k;
        throw new IllegalArgumentException("unknown blob kind '" + dir + "'");
    }
}
