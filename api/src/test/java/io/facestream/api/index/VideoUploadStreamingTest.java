package io.facestream.api.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.source.VideoSourceException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large upload is streamed to disk, not held in memory: 256 MiB sent without a length, received, probed with the
 * real FFmpeg probe (the bytes are no video: 415) and removed. Prints the rate and the heap the server grew by while
 * it streamed (BENCHMARKS.md, "Video upload"); the replay is never reached here (the probe refuses the bytes first)
 * and is measured by the replay's own benchmarks.
 */
class VideoUploadStreamingTest {
    /** Large enough to see the file grow on disk as it arrives; 1 GiB gave the same figures (BENCHMARKS.md) at 4x CI's cost. */
    static final long SIZE = 256L * 1024 * 1024;

    @Test
    void aLargeUploadStreamsToDiskAndIsRemovedWhenItIsNoVideo(@TempDir Path dir) throws Exception {
        Path uploads = dir.resolve("uploads");
        VideoReplays probeOnly = new VideoReplays() {
            @Override
            public void probe(Path video) throws NotAVideo {
                try {
                    VideoSource.probeUpload(video);
                } catch (VideoSourceException e) {
                    throw new NotAVideo(e.getMessage());
                }
            }

            @Override
            public void replay(Path video, String fileId, String cameraId) {
                throw new AssertionError("not reached: the probe refuses these bytes");
            }
        };
        try (VideoUploadModule module = new VideoUploadModule(probeOnly, new VideoUploadModule.Settings(uploads, 2L << 30, 1));
             ApiServer server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())), List.of(module))) {
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            long baseline = runtime.totalMemory() - runtime.freeMemory();
            AtomicLong peak = new AtomicLong(baseline);
            AtomicLong largestFile = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    peak.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
                    try (var files = Files.walk(uploads)) {
                        files.filter(Files::isRegularFile).forEach(f -> {
                            try {
                                largestFile.accumulateAndGet(Files.size(f), Math::max);
                            } catch (java.io.IOException gone) {
                                // removed meanwhile
                            }
                        });
                    } catch (Exception gone) {
                        // the directory is being removed
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long started = System.nanoTime();
            HttpResponse<String> response = ApiTestSupport.CLIENT.send(chunked(server, SIZE), HttpResponse.BodyHandlers.ofString());
            double seconds = (System.nanoTime() - started) / 1e9;
            sampling.set(false);
            sampler.join();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(415);
            try (var left = Files.list(uploads)) {
                assertThat(left.toList()).isEmpty();
            }
            // the file grew on disk as it arrived
            assertThat(largestFile.get()).isGreaterThan(SIZE / 4);
            System.out.printf("video upload: %d MiB in %.2f s (%.0f MiB/s) received, probed and refused; largest file seen on disk "
                    + "%d MiB; heap grew by at most %d MiB over %d MiB before (client and server in one JVM)%n", SIZE >> 20, seconds,
                    (SIZE >> 20) / seconds, largestFile.get() >> 20, (peak.get() - baseline) >> 20, baseline >> 20);
        }
    }

    private static HttpRequest chunked(ApiServer server, long size) {
        String boundary = "facestream-streaming-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
                + "Content-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] block = new byte[64 * 1024];
        InputStream body = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(Math.min(len, block.length), left);
                System.arraycopy(block, 0, b, off, n);
                left -= n;
                return n;
            }
        };
        return ApiTestSupport.request(server, "/api/v1/files", "X-API-Key", ApiTestSupport.ADMIN_KEY)
                .timeout(java.time.Duration.ofMinutes(5))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(Collections.enumeration(List.of(
                        new ByteArrayInputStream(head), body, new ByteArrayInputStream(tail))))))
                .build();
    }
}
