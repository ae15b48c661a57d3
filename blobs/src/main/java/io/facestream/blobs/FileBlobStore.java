package io.facestream.blobs;

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
import java.util.stream.Stream;

/**
 * Blobs as files under {@code root/<kind>/<id>}: a valid key ({@link BlobKeys}) names exactly one file.
 * Retention per kind, then a total size cap that removes the oldest first. Every process of a deployment
 * that points at the same directory reads what the others wrote.
 */
public final class FileBlobStore implements BlobStore {

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

    private Path path(String key) {
        BlobKeys.validate(key);
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("blob key escapes the store: " + key);
        return p;
    }

    @Override
    public String put(BlobKind kind, String id, byte[] bytes) throws IOException {
        String key = BlobKeys.of(kind, id);
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
