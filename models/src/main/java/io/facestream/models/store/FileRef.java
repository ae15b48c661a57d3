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
 * @param conversion for a file the store makes from other files of its package (null for a file the package
 *                   holds): the converter's name and the package files it reads, each with its sha256
 */
public record FileRef(String id, String npmPackage, String version, String path, Path localFile, String sha256,
        Conversion conversion) {
    /** How a converted file is made: {@code from} names the converter, {@code inputs} maps package paths to sha256. */
    public record Conversion(String from, java.util.Map<String, String> inputs) {
        public Conversion {
            Objects.requireNonNull(from, "conversion.from");
            inputs = java.util.Map.copyOf(Objects.requireNonNull(inputs, "conversion.inputs"));
        }
    }

    public FileRef {
        Objects.requireNonNull(id, "id");
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG,
                    id + ": sha256 must be 64 hex digits, got " + sha256);
        }
        sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
        if (conversion != null && localFile != null) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG, id + ": a converted file comes from a package");
        }
        if (localFile == null && (npmPackage == null || version == null || path == null)) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG,
                    id + ": needs either a local file or package, version and path");
        }
    }

    public static FileRef packaged(String id, String npmPackage, String version, String path, String sha256) {
        return new FileRef(id, npmPackage, version, path, null, sha256, null);
    }

    /** A file the store makes with converter {@code from} out of the package's {@code inputs}, then checks by sha256. */
    public static FileRef converted(String id, String npmPackage, String version, String path, String sha256, Conversion conversion) {
        return new FileRef(id, npmPackage, version, path, null, sha256, Objects.requireNonNull(conversion, "conversion"));
    }

    /** The package files a conversion reads, as references of their own. */
    public java.util.List<FileRef> conversionInputs() {
        return conversion == null ? java.util.List.of() : conversion.inputs().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .map(e -> packaged(id + ":" + e.getKey(), npmPackage, version, e.getKey(), e.getValue())).toList();
    }

    public static FileRef local(String id, Path file, String sha256) {
        return new FileRef(id, null, null, null, file, sha256, null);
    }

    public String packageSpec() {
        return npmPackage + "@" + version;
    }

    /** Where this file is described, for messages. */
    public String origin() {
        return localFile != null ? localFile.toString() : packageSpec() + ":" + path;
    }
}
