package io.facestream.ingest.source;

import io.facestream.ingest.video.RtspServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RtspSourceTest {

    @Test
    void readsALiveStreamAndNoticesWhenItGoesAway(@TempDir Path dir) throws Exception {
        Path clip = VideoSourceTest.clip(dir, "clip.mp4", 640, 360, 60);
        try (RtspServer server = new RtspServer(clip).start()) {
            SourceSpec spec = SourceSpec.of(server.url()).withRtspTransport("udp").withReadTimeout(Duration.ofSeconds(2)).withSampleFps(5);
            try (VideoSource source = VideoSource.open(spec, 0)) {
                long before = System.currentTimeMillis();
                SampledFrame first = source.next().orElseThrow();
                assertThat(first.width()).isEqualTo(640);
                // Live frames carry capture wall-clock time, not media time.
                assertThat(first.timestampMillis()).isBetween(before, System.currentTimeMillis());
                for (int i = 0; i < 5; i++) assertThat(source.next()).isPresent();

                server.stop();
                long stopped = System.nanoTime();
                Optional<SampledFrame> after = Optional.empty();
                VideoSourceException failure = null;
                try {
                    // Buffered frames may still arrive; then the stream ends or the read times out.
                    do after = source.next(); while (after.isPresent() && System.nanoTime() - stopped < 10_000_000_000L);
                } catch (VideoSourceException e) {
                    failure = e;
                }
                assertThat(after).as("a stopped stream does not go on forever").isEmpty();
                assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(8));
                if (failure != null) assertThat(failure.reason()).isIn(VideoSourceException.Reason.TIMEOUT, VideoSourceException.Reason.UNREACHABLE);
            }
        }
    }

    /**
     * Two cameras served on one machine at once (two test JVMs, or a test with two cameras) each reach their own
     * viewer: rtsp-server-perl would put both servers' RTP on the same ports unless each is given its own.
     */
    @Test
    void twoServersAtOnceEachDeliverTheirOwnVideo(@TempDir Path dir) throws Exception {
        Path wide = VideoSourceTest.clip(dir, "wide.mp4", 640, 360, 60);
        Path small = VideoSourceTest.clip(dir, "small.mp4", 320, 240, 60);
        try (RtspServer first = new RtspServer(wide).start(); RtspServer second = new RtspServer(small).start()) {
            for (int round = 0; round < 2; round++) {
                assertThat(firstWidth(second)).isEqualTo(320);
                assertThat(firstWidth(first)).isEqualTo(640);
            }
        }
    }

    private static int firstWidth(RtspServer server) throws Exception {
        SourceSpec spec = SourceSpec.of(server.url()).withRtspTransport("udp").withReadTimeout(Duration.ofSeconds(5)).withSampleFps(5);
        try (VideoSource source = VideoSource.open(spec, 0)) {
            return source.next().orElseThrow().width();
        }
    }

    @Test
    void anUnreachableCameraIsATypedError() throws Exception {
        try (RtspServer notStarted = new RtspServer(Path.of("unused.mp4"))) {
            SourceSpec spec = SourceSpec.of(notStarted.url()).withRtspTransport("udp").withReadTimeout(Duration.ofSeconds(1));
            long start = System.nanoTime();
            try (VideoSource ignored = VideoSource.open(spec, 0)) {
                throw new AssertionError("opened a camera nobody serves");
            } catch (VideoSourceException e) {
                assertThat(e.reason()).isIn(VideoSourceException.Reason.UNREACHABLE, VideoSourceException.Reason.TIMEOUT);
                assertThat(e.getMessage()).contains("127.0.0.1");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
