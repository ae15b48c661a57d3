package io.facestream.blobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBlobStoreTest {

    @Test
    void storesReplacesAndDeletes(@TempDir Path dir) throws Exception {
        FileBlobStore store = new FileBlobStore(dir, new FileBlobStore.Policy(Map.of(), 0));
        String key = store.put(BlobKind.FRAME, "cam-1:000042", new byte[]{1, 2, 3});
        assertThat(key).isEqualTo("frame/cam-1:000042");
        assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
        store.put(BlobKind.FRAME, "cam-1:000042", new byte[]{9});
        assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(9));
        assertThat(store.delete(key)).isTrue();
        assertThat(store.get(key)).isEmpty();
        assertThat(store.delete(key)).isFalse();
    }

    @Test
    void keysThatCouldEscapeAreRejected(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "nope");
        FileBlobStore store = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
        for (String key : new String[]{"frame/../../secret.txt", "frame/..", "../secret.txt", "frame/a/b", "frame/",
                "frame/%2e%2e", "secret.txt", "nokind/abc", "/etc/passwd", "frame/.hidden", "frame/a\u0000b"}) {
            assertThatThrownBy(() -> store.get(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(secret).hasContent("nope");
    }

    @Test
    void sweepAppliesRetentionThenTheSizeCapOldestFirst(@TempDir Path dir) throws Exception {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        FileBlobStore store = new FileBlobStore(dir, new FileBlobStore.Policy(Map.of(BlobKind.FRAME, Duration.ofHours(1)), 250),
                Clock.fixed(now, ZoneOffset.UTC));
        String oldFrame = store.put(BlobKind.FRAME, "old", new byte[100]);
        String newFrame = store.put(BlobKind.FRAME, "new", new byte[100]);
        String thumbA = store.put(BlobKind.THUMBNAIL, "a", new byte[100]);
        String thumbB = store.put(BlobKind.THUMBNAIL, "b", new byte[100]);
        age(dir, oldFrame, now.minus(Duration.ofHours(2)));
        age(dir, newFrame, now.minusSeconds(60));
        age(dir, thumbA, now.minus(Duration.ofDays(30)));
        age(dir, thumbB, now.minus(Duration.ofDays(1)));

        FileBlobStore.SweepResult result = store.sweep();
        assertThat(result.removedFiles()).isEqualTo(2); // the expired frame, then the oldest thumbnail for the cap
        assertThat(result.remainingBytes()).isEqualTo(200);
        assertThat(store.get(oldFrame)).isEmpty();
        assertThat(store.get(thumbA)).isEmpty();
        assertThat(store.get(newFrame)).isPresent();
        assertThat(store.get(thumbB)).isPresent();
        assertThat(store.sizeBytes()).isEqualTo(200);
    }

    private static void age(Path root, String key, Instant when) throws Exception {
        Files.setLastModifiedTime(root.resolve(key), FileTime.from(when));
    }
}
