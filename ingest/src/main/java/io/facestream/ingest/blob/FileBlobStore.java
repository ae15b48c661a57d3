package io.facestream.ingest.blob;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blobs as files under {@code root/<kind>/<id>}. Ids are record ids (letters, digits,
 * {@code . _ : -}), so a key names exactly one file and can be validated without
 * touching the disk. Retention per kind, then a total size cap that removes the oldest
 * first.
 */
public final class FileBlobStore implements BlobStore {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._:-]{0,199}");

    /**
     * @param retention how long each kind is kept (absent: kept until the size cap needs room)
     * @param maxBytes  total size cap; 0 for none
     */
    public record Policy(Map<BlobKind, Duration> retention, long maxBytes) {
        public Policy {
            retention = retention.isEmpty() ? Map.of() : new EnumMap<>(retention);
        }
    }

    private final Path root;
    private final Policy policy;
    private final Clock clock;

    public FileBlobStore(Path root, Policy policy, Clock clock) throws IOException {
        this.root = Files.createDirectories(root).toRealPath();
        this.policy = policy;
        this.clock = clock;
    }

    public FileBlobStore(Path root, Policy policy) throws IOException {
        this(root, policy, Clock.systemUTC());
    }

    /** Parses and validates a key; the message says what is wrong with it. */
    public static void validateKey(String key) {
        int slash = key == null ? -1 : key.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("a blob key is kind/id");
        BlobKind.fromDir(key.substring(0, slash));
        validateId(key.substring(slash + 1));
    }

    private static void validateId(String id) {
        if (!ID.matcher(id).matches() || id.contains(".."))
            throw new IllegalArgumentException("a blob id is 1-200 of letters, digits and . _ : - (no '..'), got '" + id + "'");
    }

    private Path path(String key) {
        validateKey(key);
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("blob key escapes the store: " + key);
        return p;
    }

    @Override
    public String put(BlobKind kind, String id, byte[] bytes) throws IOException {
        validateId(id);
        String key = kind.dir() + "/" + id;
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
        try {
            Files.write(temp, bytes);
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
        try {
            return Optional.of(Files.readAllBytes(path(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        return Files.deleteIfExists(path(key));
    }

    private record Entry(Path path, BlobKind kind, long size, long modifiedMillis) {
    }

    private List<Entry> entries() throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (BlobKind kind : BlobKind.values()) {
            Path dir = root.resolve(kind.dir());
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (p.getFileName().toString().startsWith(".")) continue;
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        entries.add(new Entry(p, kind, a.size(), a.lastModifiedTime().toMillis()));
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
        long now = clock.millis();
        int removed = 0;
        long removedBytes = 0, total = 0;
        List<Entry> kept = new ArrayList<>();
        for (Entry e : entries()) {
            Duration keep = policy.retention().get(e.kind());
            if (keep != null && now - e.modifiedMillis() > keep.toMillis()) {
                if (Files.deleteIfExists(e.path())) { removed++; removedBytes += e.size(); }
            } else {
                kept.add(e);
                total += e.size();
            }
        }
        if (policy.maxBytes() > 0 && total > policy.maxBytes()) {
            kept.sort(Comparator.comparingLong(Entry::modifiedMillis));
            for (Entry e : kept) {
                if (total <= policy.maxBytes()) break;
                if (Files.deleteIfExists(e.path())) { removed++; removedBytes += e.size(); total -= e.size(); }
            }
        }
        return new SweepResult(removed, removedBytes, total);
    }

    @Override
    public long sizeBytes() throws IOException {
        return entries().stream().mapToLong(Entry::size).sum();
    }
}
