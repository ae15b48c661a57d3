package io.facestream.models.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One file the store can resolve: either a path inside an npm package at a pinned version, or a local file;
 * in both cases with the sha256 it must have.
 *
 * @param id         a name for messages and for {@link ModelStore#resolveAll}'s result
 * @param npmPackage package name (may be scoped, e.g. {@code @vladmandic/face-api}); null for a local file
 * @param version    exact package version
 * @param path       path inside the package, relative to its root (no leading {@code package/})
 * @param localFile  a file on disk used instead of a package; null for a packaged file
 * @param sha256     lower-case hex digest the file must have
 */
public record FileRef(String id, String npmPackage, String version, String path, Path localFile, String sha256) {
    public FileRef {
        Objects.requireNonNull(id, "id");
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG,
                    id + ": sha256 must be 64 hex digits, got " + sha256);
        }
        sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
        if (localFile == null && (npmPackage == null || version == null || path == null)) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG,
                    id + ": needs either a local file or package, version and path");
        }
    }

    public static FileRef packaged(String id, String npmPackage, String version, String path, String sha256) {
        return new FileRef(id, npmPackage, version, path, null, sha256);
    }

    public static FileRef local(String id, Path file, String sha256) {
        return new FileRef(id, null, null, null, file, sha256);
    }

    public String packageSpec() {
        return npmPackage + "@" + version;
    }

    /** Where this file is described, for messages. */
    public String origin() {
        return localFile != null ? localFile.toString() : packageSpec() + ":" + path;
    }
}
