package io.facestream.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Blobs as files under {@code root/<kind>/<id>}: a valid key ({@link BlobKeys}) names exactly one file.
 * Retention per kind, then a total size cap that removes the oldest first.
 *
 * <p>The shared-directory store: every process of a deployment that opens the same directory (a volume or a
 * network file system mounted on each host) reads what the others wrote, and may sweep it (removing a file
 * another sweep already removed is harmless). A put writes a hidden temporary file in the blob's own directory
 * and renames it over the blob, which is atomic within one directory on local file systems and NFS, so a reader
 * sees the old bytes or the new ones, never part of them. On a POSIX file system the directories it creates are
 * {@code rwxrwx---} and its blobs {@code rw-r-----}: the processes must share a group (the owner's), nobody
 * else reads them.
 */
public final class FileBlobStore implements BlobStore {
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxrwx---");
    private static final Set<PosixFilePermission> BLOB_MODE = PosixFilePermissions.fromString("rw-r-----");
    private static final String TEMP_PREFIX = ".put-";
    /** A temporary file this old was left by a writer that died between write and rename. */
    private static final Duration ABANDONED_TEMP = Duration.ofHours(1);

    private final Path root;
    private final Policy policy;
    private final Clock clock;
    private final boolean posix;

    public FileBlobStore(Path root, Policy policy, Clock clock) throws IOException {
        this.posix = createDirectories(root);
        this.root = root.toRealPath();
        this.policy = policy;
        this.clock = clock;
    }

    public FileBlobStore(Path root, Policy policy) throws IOException {
        this(root, policy, Clock.systemUTC());
    }

    /** Creates {@code dir} and its missing parents with the shared directory mode; true where the file system is POSIX. */
    private static boolean createDirectories(Path dir) throws IOException {
        Path existing = dir.toAbsolutePath();
        List<Path> missing = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            missing.addFirst(existing);
            existing = existing.getParent();
        }
        Files.createDirectories(dir);
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) for (Path p : missing) Files.setPosixFilePermissions(p, DIRECTORY_MODE);
        return posix;
    }

    private Path path(String key) {
        BlobKeys.validate(key);
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("blob key escapes the store: " + key);
        return p;
    }

    @Override
    public String put(BlobKind kind, String id, byte[] bytes) throws IOException {
        String key = BlobKeys.of(kind, id);
        policy.checkSize(key, bytes.length);
        Path target = path(key);
        if (!Files.isDirectory(target.getParent())) createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), TEMP_PREFIX, ".tmp");
        try {
            Files.write(temp, bytes);
            if (posix) Files.setPosixFilePermissions(temp, BLOB_MODE);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return key;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        try (InputStream in = Files.newInputStream(path(key))) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, policy.maxObjectBytes() + 1));
            policy.checkSize(key, bytes.length);
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        return Files.deleteIfExists(path(key));
    }

    private List<Sweep.Entry> entries(List<Path> abandoned) throws IOException {
        List<Sweep.Entry> entries = new ArrayList<>();
        long now = clock.millis();
        for (BlobKind kind : BlobKind.values()) {
            Path dir = root.resolve(kind.dir());
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String name = p.getFileName().toString();
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        if (!name.startsWith(".")) {
                            entries.add(new Sweep.Entry(kind.dir() + "/" + name, kind, a.size(), a.lastModifiedTime().toMillis()));
                        } else if (abandoned != null && name.startsWith(TEMP_PREFIX)
                                && now - a.lastModifiedTime().toMillis() > ABANDONED_TEMP.toMillis()) {
                            abandoned.add(p);
                        }
                    } catch (NoSuchFileException raced) {
                        // removed meanwhile
                    }
                }
            }
        }
        return entries;
    }

    @Override
    public synchronized SweepResult sweep() throws IOException {
        List<Path> abandoned = new ArrayList<>();
        Sweep.Plan plan = Sweep.plan(entries(abandoned), policy, clock.millis());
        int removed = 0;
        long removedBytes = 0;
        for (Sweep.Entry e : plan.remove()) {
            if (Files.deleteIfExists(root.resolve(e.key()))) {
                removed++;
                removedBytes += e.size();
            }
        }
        for (Path p : abandoned) Files.deleteIfExists(p);
        return new SweepResult(removed, removedBytes, plan.remainingBytes());
    }

    @Override
    public long sizeBytes() throws IOException {
        return entries(null).stream().mapToLong(Sweep.Entry::size).sum();
    }
}
