package io.facestream.ingest.worker;

import io.facestream.ingest.source.SampledFrame;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.video.RtspServer;
import io.facestream.ingest.testing.TestClips;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

class CameraWorkerTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void goesOfflineWhenTheStreamGoesAwayAndComesBackWithoutARestart(@TempDir Path dir) throws Exception {
        Path clip = TestClips.redSquare(dir, "clip.mp4", 320, 240, 50);
        List<WorkerStatus> beats = new CopyOnWriteArrayList<>();
        List<Long> numbers = new CopyOnWriteArrayList<>();
        int framesWhileOnline;
        try (RtspServer camera = new RtspServer(clip).start()) {
            SourceSpec spec = SourceSpec.of(camera.url().replace("rtsp://", "rtsp://viewer:s3cret@"))
                    .withRtspTransport("udp").withReadTimeout(READ_TIMEOUT).withSampleFps(5);
            try (CameraWorker worker = new CameraWorker("cam-1", spec, (SampledFrame f) -> numbers.add(f.frameNumber()),
                    beats::add, Duration.ofMillis(250), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1))).start()) {
                await(beats, b -> b.state() == WorkerStatus.State.ONLINE && b.measuredFps() > 0, Duration.ofSeconds(15));

                camera.stop();
                long stoppedAt = System.nanoTime();
                await(beats, b -> b.state() == WorkerStatus.State.OFFLINE, READ_TIMEOUT.plusSeconds(6));
                assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(READ_TIMEOUT.plusSeconds(6));
                framesWhileOnline = numbers.size();

                camera.start();
                beats.clear();
                await(beats, b -> b.state() == WorkerStatus.State.ONLINE, Duration.ofSeconds(20));
                assertThat(numbers.size()).isGreaterThan(framesWhileOnline);
            }
            assertThat(beats.getLast().state()).isEqualTo(WorkerStatus.State.STOPPED);
            // a camera's frame numbers never repeat: consecutive within a connection, past every earlier one after a
            // reconnect, and after the product's restart (a new worker for the same camera)
            List<Long> first = numbers.subList(0, framesWhileOnline), second = numbers.subList(framesWhileOnline, numbers.size());
            assertThat(first).isSorted().doesNotHaveDuplicates();
            assertThat(first.getLast() - first.getFirst()).isEqualTo(first.size() - 1);
            assertThat(second).isSorted().doesNotHaveDuplicates();
            assertThat(second.getFirst()).isGreaterThan(first.getLast());
            long lastBefore = numbers.getLast();
            List<Long> restarted = new CopyOnWriteArrayList<>();
            try (CameraWorker again = new CameraWorker("cam-1", spec, (SampledFrame f) -> restarted.add(f.frameNumber()),
                    b -> { }, Duration.ofMillis(250), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1))).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (restarted.isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
            }
            assertThat(restarted).isNotEmpty();
            assertThat(restarted.getFirst()).isGreaterThan(lastBefore);
        }
        assertThat(beats).allSatisfy(b -> assertThat(String.valueOf(b.lastError())).doesNotContain("s3cret"));
    }

    @Test
    void handlerFailuresAreErrorsNotDisconnects(@TempDir Path dir) throws Exception {
        Path clip = TestClips.redSquare(dir, "clip.mp4", 320, 240, 50);
        List<WorkerStatus> beats = new CopyOnWriteArrayList<>();
        try (RtspServer camera = new RtspServer(clip).start();
             CameraWorker worker = new CameraWorker("cam-2", SourceSpec.of(camera.url()).withRtspTransport("udp").withReadTimeout(READ_TIMEOUT),
                     f -> { throw new IllegalStateException("detector exploded"); },
                     beats::add, Duration.ofMillis(200), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1))).start()) {
            WorkerStatus error = await(beats, b -> b.state() == WorkerStatus.State.ERROR, Duration.ofSeconds(15));
            assertThat(error.lastError()).contains("detector exploded");
        }
    }

    @Test
    void backoffDoublesUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] waits = new long[6];
        for (int i = 0; i < waits.length; i++) waits[i] = backoff.next().toMillis();
        assertThat(waits[0]).isBetween(80L, 100L);
        assertThat(waits[1]).isBetween(160L, 200L);
        assertThat(waits[2]).isBetween(320L, 400L);
        assertThat(waits[5]).isBetween(800L, 1000L);
        backoff.reset();
        assertThat(backoff.next().toMillis()).isBetween(80L, 100L);
    }

    private static WorkerStatus await(List<WorkerStatus> beats, Predicate<WorkerStatus> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (WorkerStatus b : beats) if (wanted.test(b)) return b;
            Thread.sleep(50);
        }
        throw new AssertionError("no heartbeat matched within " + timeout + "; saw " + beats);
    }
}
