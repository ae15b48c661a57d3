package io.facestream.blobs;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every blob store does, whatever keeps the bytes; each store's test opens its own over one storage. */
abstract class BlobStoreContract {

    /** A store over this test's one storage (a directory, a bucket): two calls give two processes' views of it. */
    abstract BlobStore open(BlobStore.Policy policy, Clock clock) throws Exception;

    BlobStore open() throws Exception {
        return open(new BlobStore.Policy(Map.of(), 0), Clock.systemUTC());
    }

    @Test
    void storesReplacesAndDeletes() throws Exception {
        try (BlobStore store = open()) {
            String key = store.put(BlobKind.FRAME, "cam-1:000042", new byte[]{1, 2, 3});
            assertThat(key).isEqualTo("frame/cam-1:000042");
            assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
            store.put(BlobKind.FRAME, "cam-1:000042", new byte[]{9});
            assertThat(store.get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(9));
            assertThat(store.sizeBytes()).isEqualTo(1);
            assertThat(store.delete(key)).isTrue();
            assertThat(store.get(key)).isEmpty();
            assertThat(store.delete(key)).isFalse();
            assertThat(store.put(BlobKind.PROFILE, "empty", new byte[0])).isEqualTo("profile/empty");
            assertThat(store.get("profile/empty")).hasValueSatisfying(b -> assertThat(b).isEmpty());
        }
    }

    @Test
    void whatOneProcessWritesAnotherReadsAndDeletes() throws Exception {
        try (BlobStore ingest = open(); BlobStore api = open()) {
            String key = ingest.put(BlobKind.FRAME, "file-abc:17", "jpeg bytes".getBytes());
            assertThat(api.get(key)).hasValueSatisfying(b -> assertThat(new String(b)).isEqualTo("jpeg bytes"));
            assertThat(api.delete(key)).isTrue();
            assertThat(ingest.get(key)).isEmpty();
        }
    }

    @Test
    void keysThatCouldEscapeAreRejected() throws Exception {
        try (BlobStore store = open()) {
            for (String key : new String[]{"frame/../../secret.txt", "frame/..", "../secret.txt", "frame/a/b", "frame/",
                    "frame/%2e%2e", "secret.txt", "nokind/abc", "/etc/passwd", "frame/.hidden", "frame/a\u0000b", "frame/a?b"}) {
                assertThatThrownBy(() -> store.get(key)).as(key).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.delete(key)).as(key).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> store.put(BlobKind.FRAME, "../x", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aBlobOverTheSizeLimitIsNeitherWrittenNorRead() throws Exception {
        try (BlobStore small = open(new BlobStore.Policy(Map.of(), 0, 1000), Clock.systemUTC()); BlobStore large = open()) {
            assertThatThrownBy(() -> small.put(BlobKind.CLIP, "big", new byte[1001]))
                    .isInstanceOf(BlobStore.BlobTooLargeException.class).hasMessageContaining("clip/big is 1001 bytes, over the store's limit of 1000");
            assertThat(large.get("clip/big")).as("nothing was stored").isEmpty();
            assertThat(small.put(BlobKind.CLIP, "fits", new byte[1000])).isEqualTo("clip/fits");
            // written by a process with a larger limit: this one will not read it into memory
            large.put(BlobKind.CLIP, "big", new byte[5000]);
            assertThatThrownBy(() -> small.get("clip/big")).isInstanceOf(BlobStore.BlobTooLargeException.class);
            assertThat(small.get("clip/fits")).hasValueSatisfying(b -> assertThat(b).hasSize(1000));
        }
    }

    @Test
    void sweepRemovesExpiredKindsOnly() throws Exception {
        Instant later = Instant.now().plus(Duration.ofHours(2));
        try (BlobStore writer = open();
             BlobStore sweeper = open(new BlobStore.Policy(Map.of(BlobKind.FRAME, Duration.ofHours(1)), 0), Clock.fixed(later, ZoneOffset.UTC))) {
            String frame = writer.put(BlobKind.FRAME, "cam:1", new byte[100]);
            String thumb = writer.put(BlobKind.THUMBNAIL, "t1", new byte[50]);
            BlobStore.SweepResult result = sweeper.sweep();
            assertThat(result.removedFiles()).isEqualTo(1);
            assertThat(result.removedBytes()).isEqualTo(100);
            assertThat(result.remainingBytes()).isEqualTo(50);
            assertThat(writer.get(frame)).isEmpty();
            assertThat(writer.get(thumb)).isPresent();
        }
    }
}
