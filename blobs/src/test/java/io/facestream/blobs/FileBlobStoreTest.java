package io.facestream.blobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path dir;

    @Override
    BlobStore open(BlobStore.Policy policy, Clock clock) throws Exception {
        return new FileBlobStore(dir.resolve("shared"), policy, clock);
    }

    @Test
    void keysNeverReachOutsideTheDirectory() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "nope");
        FileBlobStore store = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
        assertThatThrownBy(() -> store.get("frame/../../secret.txt")).isInstanceOf(IllegalArgumentException.class);
        assertThat(secret).hasContent("nope");
    }

    @Test
    void sharedDirectoriesAreGroupWritableAndBlobsGroupReadableOnly() throws Exception {
        try (BlobStore store = new FileBlobStore(dir.resolve("new/shared"), new BlobStore.Policy(Map.of(), 0))) {
            store.put(BlobKind.FRAME, "cam:1", new byte[]{1});
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new")))).isEqualTo("rwxrwx---");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/shared")))).isEqualTo("rwxrwx---");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/shared/frame")))).isEqualTo("rwxrwx---");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/shared/frame/cam:1")))).isEqualTo("rw-r-----");
        }
    }

    @Test
    void aReaderSeesAWholeBlobWhileAnotherProcessReplacesIt() throws Exception {
        try (BlobStore writer = open(); BlobStore reader = open()) {
            byte[][] versions = {filled(200_000, (byte) 1), filled(300_000, (byte) 2)};
            String key = writer.put(BlobKind.CLIP, "c", versions[0]);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread replacing = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) writer.put(BlobKind.CLIP, "c", versions[i % 2]);
                } catch (Throwable t) {
                    failed.set(t);
                } finally {
                    done.set(true);
                }
            });
            int reads = 0;
            while (!done.get()) {
                byte[] read = reader.get(key).orElseThrow();
                assertThat(read).satisfiesAnyOf(
                        b -> assertThat(b).isEqualTo(versions[0]), b -> assertThat(b).isEqualTo(versions[1]));
                reads++;
            }
            replacing.join();
            assertThat(failed.get()).isNull();
            assertThat(reads).isPositive();
            try (var files = Files.list(dir.resolve("shared/clip"))) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left").containsExactly("c");
            }
        }
    }

    @Test
    void sweepAppliesRetentionThenTheSizeCapOldestFirstAndClearsAbandonedWrites() throws Exception {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        Path root = dir.resolve("sweep");
        FileBlobStore store = new FileBlobStore(root, new FileBlobStore.Policy(Map.of(BlobKind.FRAME, Duration.ofHours(1)), 250),
                Clock.fixed(now, ZoneOffset.UTC));
        String oldFrame = store.put(BlobKind.FRAME, "old", new byte[100]);
        String newFrame = store.put(BlobKind.FRAME, "new", new byte[100]);
        String thumbA = store.put(BlobKind.THUMBNAIL, "a", new byte[100]);
        String thumbB = store.put(BlobKind.THUMBNAIL, "b", new byte[100]);
        age(root.resolve(oldFrame), now.minus(Duration.ofHours(2)));
        age(root.resolve(newFrame), now.minusSeconds(60));
        age(root.resolve(thumbA), now.minus(Duration.ofDays(30)));
        age(root.resolve(thumbB), now.minus(Duration.ofDays(1)));
        Path abandoned = Files.write(root.resolve("frame/.put-123.tmp"), new byte[10]); // a writer died mid-put
        age(abandoned, now.minus(Duration.ofHours(3)));
        Path writing = Files.write(root.resolve("frame/.put-456.tmp"), new byte[10]); // a put under way
        age(writing, now.minusSeconds(1));

        BlobStore.SweepResult result = store.sweep();
        assertThat(result.removedFiles()).isEqualTo(2); // the expired frame, then the oldest thumbnail for the cap
        assertThat(result.remainingBytes()).isEqualTo(200);
        assertThat(store.get(oldFrame)).isEmpty();
        assertThat(store.get(thumbA)).isEmpty();
        assertThat(store.get(newFrame)).isPresent();
        assertThat(store.get(thumbB)).isPresent();
        assertThat(store.sizeBytes()).isEqualTo(200);
        assertThat(abandoned).doesNotExist();
        assertThat(writing).exists();
    }

    private static byte[] filled(int size, byte value) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, value);
        return b;
    }

    private static void age(Path file, Instant when) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(when));
    }
}
