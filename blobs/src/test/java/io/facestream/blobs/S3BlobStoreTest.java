package io.facestream.blobs;

import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.testkit.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The S3 store against a real S3-compatible server: S3Proxy on its file-system backend, as its own process. */
class S3BlobStoreTest extends BlobStoreContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    @TempDir
    static Path dir;
    static S3Proxy s3;
    String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = S3Proxy.start(dir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (s3 != null) s3.close();
    }

    @BeforeEach
    void newBucket() throws Exception {
        bucket = "blobs-" + BUCKETS.incrementAndGet();
        s3.bucket(bucket);
    }

    static S3BlobStore.Settings settings(String endpoint, String bucket, String prefix, String secret, Duration timeout, int attempts) {
        return new S3BlobStore.Settings(URI.create(endpoint), "us-east-1", bucket, prefix, S3Proxy.ACCESS_KEY, secret, true, timeout, attempts);
    }

    @Override
    BlobStore open(BlobStore.Policy policy, Clock clock) throws Exception {
        return S3BlobStore.open(settings(s3.endpoint(), bucket, "deployment-a", S3Proxy.SECRET_KEY, Duration.ofSeconds(10), 3), policy, clock);
    }

    @Test
    void keysLiveUnderThePrefixAndObjectsOutsideItAreNeverSwept() throws Exception {
        try (BlobStore store = open(new BlobStore.Policy(Map.of(), 1), Clock.systemUTC());
             BlobStore other = S3BlobStore.open(settings(s3.endpoint(), bucket, "", S3Proxy.SECRET_KEY, Duration.ofSeconds(10), 1),
                     new BlobStore.Policy(Map.of(), 0))) {
            store.put(BlobKind.FRAME, "cam:1", new byte[10]);
            assertThat(other.get("frame/cam:1")).as("the store wrote under its prefix").isEmpty();
            other.put(BlobKind.FRAME, "cam:1", new byte[20]); // another deployment's blob, outside the prefix
            assertThat(store.sweep().removedFiles()).as("the cap removes only its own blobs").isEqualTo(1);
            assertThat(other.get("frame/cam:1")).hasValueSatisfying(b -> assertThat(b).hasSize(20));
        }
    }

    @Test
    void openingSaysWhatIsWrongWithTheBucket() {
        assertThatThrownBy(() -> S3BlobStore.open(settings(s3.endpoint(), "no-such-bucket", "", S3Proxy.SECRET_KEY, Duration.ofSeconds(5), 1),
                new BlobStore.Policy(Map.of(), 0)))
                .hasMessageContaining("cannot open the blob store: S3 bucket no-such-bucket at " + s3.endpoint() + " answered HTTP 404")
                .hasMessageContaining("no such bucket").hasMessageContaining("the store never creates one");
        assertThatThrownBy(() -> S3BlobStore.open(settings(s3.endpoint(), bucket, "", "wrong-secret", Duration.ofSeconds(5), 1),
                new BlobStore.Policy(Map.of(), 0)))
                .hasMessageContaining("answered HTTP 403").hasMessageContaining("access denied").hasMessageNotContaining("wrong-secret");
    }

    @Test
    void anUnreachableServerFailsWithinTheTimeoutAndAttempts() throws Exception {
        int closed = EmbeddedKafkaBroker.freePort("127.0.0.1");
        long started = System.nanoTime();
        assertThatThrownBy(() -> S3BlobStore.open(settings("http://127.0.0.1:" + closed, bucket, "", S3Proxy.SECRET_KEY, Duration.ofSeconds(2), 2),
                new BlobStore.Policy(Map.of(), 0)))
                .hasMessageContaining("S3 bucket " + bucket + " at http://127.0.0.1:" + closed + " is unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

        // a server that accepts and never answers: every call ends at its timeout, retries included
        try (BlobStore store = open(); ServerSocket silent = new ServerSocket(0)) {
            List<Socket> held = new ArrayList<>();
            Thread accepting = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (Exception closedNow) {
                    // the test is over
                }
            });
            S3BlobStore.Settings slow = settings("http://127.0.0.1:" + silent.getLocalPort(), bucket, "", S3Proxy.SECRET_KEY, Duration.ofSeconds(1), 2);
            started = System.nanoTime();
            assertThatThrownBy(() -> S3BlobStore.open(slow, new BlobStore.Policy(Map.of(), 0))).hasMessageContaining("cannot open the blob store");
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).as("two attempts of one second, and the backoff between").isBetween(Duration.ofMillis(1900), Duration.ofSeconds(8));
            accepting.interrupt();
            for (Socket s : held) s.close();
            assertThat(store.put(BlobKind.FRAME, "still:1", new byte[1])).isEqualTo("frame/still:1");
        }
    }

    @Test
    void theBucketHoldsTheBytesAsObjects() throws Exception {
        try (BlobStore store = open()) {
            store.put(BlobKind.THUMBNAIL, "t:1", "crop".getBytes());
        }
        // S3Proxy's file-system backend: one file per object under the bucket's directory
        assertThat(Files.readString(dir.resolve("buckets").resolve(bucket).resolve("deployment-a/thumbnail/t:1"))).isEqualTo("crop");
    }
}
