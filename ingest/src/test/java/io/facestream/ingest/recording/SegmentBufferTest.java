package io.facestream.ingest.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.video.RtspServer;
import io.facestream.ingest.video.SceneVideoWriter;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rolling segment buffer and the clip cutter against a live RTSP camera (ffmpeg publishing into
 * rtsp-server-perl): segments are written by FFmpeg's segment muxer with the camera's own codec (no re-encode),
 * old ones leave with the retention, a clip covers the asked span and decodes in ffprobe, and a repointed camera
 * starts from an empty buffer.
 */
class SegmentBufferTest {
    @TempDir
    static Path dir;
    static RtspServer camera;

    @BeforeAll
    static void start() throws Exception {
        BufferedImage square = new BufferedImage(80, 80, BufferedImage.TYPE_INT_RGB);
        var g = square.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, 80, 80);
        g.dispose();
        Path video = dir.resolve("street.mp4");
        SceneVideoWriter.write(video, 320, 180, 10, 40, List.of(new SceneVideoWriter.Sprite(square, 0, 39, 0, 50, 240, 50, 80, 80)));
        camera = new RtspServer(video).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (camera != null) camera.close();
    }

    SourceSpec spec() {
        return SourceSpec.of(camera.url()).withRtspTransport("udp");
    }

    @Test
    void segmentsAreWrittenWithoutReEncodingKeptForTheRetentionAndCutIntoAPlayableClip() throws Exception {
        Path segments = dir.resolve("segments/cam-a");
        long began = System.currentTimeMillis();
        // retention 8 s: the clip below reaches 4.5 s back, and the segment holding its start began up to 2 s before that
        try (SegmentBuffer buffer = new SegmentBuffer("cam-a", spec(), segments, Duration.ofSeconds(8), 50_000_000).start()) {
            Thread.sleep(11_000);
            System.out.printf("segment recorder (ffmpeg -c copy, 320x180 at 10 fps over RTSP/UDP): %d ms of CPU in its first 11 s "
                    + "(shared 2-core machine)%n", buffer.recorderCpu().map(Duration::toMillis).orElse(-1L));
            List<SegmentBuffer.Segment> held = SegmentBuffer.segments(segments);
            System.out.println("segments held after 11 s with an 8 s retention: " + held.size() + ", " + buffer.sizeBytes() + " bytes");
            assertThat(held).hasSizeBetween(2, 6);
            assertThat(held.getFirst().startMillis()).isGreaterThanOrEqualTo(System.currentTimeMillis() - 8_000 - 1_000);
            assertThat(held.getFirst().startMillis()).isGreaterThan(began);
            // the camera's own codec: stream-copied, not re-encoded
            assertThat(probe(held.get(held.size() - 2).path(), "stream=codec_name,width,height")).contains("codec_name=mpeg4", "width=320", "height=180");

            long to = System.currentTimeMillis() - 2_500, from = to - 2_000;
            long cutStarted = System.nanoTime();
            ClipCutter.Clip clip = new ClipCutter(dir.resolve("work")).cut(segments, from, to, "clip-a").orElseThrow();
            System.out.printf("clip cut (copy, remux, thumbnail) in %d ms%n", (System.nanoTime() - cutStarted) / 1_000_000);
            Path mp4 = Files.write(dir.resolve("clip-a.mp4"), clip.mp4());
            double probed = Double.parseDouble(probe(mp4, "format=duration").replaceAll("(?s).*duration=([0-9.]+).*", "$1"));
            System.out.printf("clip of a 2 s span: %.2f s, %d bytes, thumbnail %d bytes%n", probed, clip.mp4().length, clip.thumbnailJpeg().length);
            assertThat(probed).isGreaterThanOrEqualTo(2.0).isLessThan(8.0);
            assertThat(clip.startMillis()).isLessThanOrEqualTo(from);
            assertThat(clip.endMillis()).isGreaterThanOrEqualTo(to - 200);
            assertThat(probe(mp4, "stream=codec_name")).contains("codec_name=mpeg4");
            assertThat(clip.thumbnailJpeg()).startsWith((byte) 0xFF, (byte) 0xD8);
            // a span the buffer no longer (or never) held has no clip
            assertThat(new ClipCutter(dir.resolve("work")).cut(segments, began - 60_000, began - 30_000, "clip-b")).isEmpty();
        }
        // the buffer of a camera pointed elsewhere starts empty
        assertThat(SegmentBuffer.segments(segments)).isNotEmpty();
        SourceSpec elsewhere = SourceSpec.of(camera.url().replace("/live", "/other")).withRtspTransport("udp");
        try (SegmentBuffer repointed = new SegmentBuffer("cam-a", elsewhere, segments, Duration.ofSeconds(6), 50_000_000)) {
            assertThat(SegmentBuffer.segments(segments)).isEmpty();
            assertThat(Files.readString(segments.resolve(".source"), StandardCharsets.US_ASCII)).doesNotContain("rtsp");
        }
    }

    @Test
    void theByteCapRemovesTheOldestSegments() throws Exception {
        Path segments = dir.resolve("segments/cam-b");
        try (SegmentBuffer buffer = new SegmentBuffer("cam-b", spec(), segments, Duration.ofSeconds(60), 1).start()) {
            Thread.sleep(7_000);
            // a cap below one segment: the segment being written is kept, and at most the one before it until the
            // next sweep (once a second)
            List<SegmentBuffer.Segment> held = SegmentBuffer.segments(segments);
            assertThat(held).hasSizeBetween(1, 2);
            assertThat(held.getFirst().startMillis()).isGreaterThan(System.currentTimeMillis() - 5_000);
        }
    }

    @Test
    void theExpiredSegmentsOfBuffersNoWorkerKeepsAreRemovedWithTheirDirectory() throws Exception {
        Path root = dir.resolve("abandoned");
        long now = System.currentTimeMillis() / 1000;
        Path gone = Files.createDirectories(root.resolve("cam-deleted")), kept = Files.createDirectories(root.resolve("cam-live")),
                fresh = Files.createDirectories(root.resolve("cam-recent"));
        Files.writeString(gone.resolve(".source"), "x");
        Files.write(gone.resolve((now - 600) + ".ts"), new byte[10]);
        Files.write(kept.resolve((now - 600) + ".ts"), new byte[10]);
        Files.write(fresh.resolve((now - 600) + ".ts"), new byte[10]);
        Files.write(fresh.resolve((now - 5) + ".ts"), new byte[10]);
        assertThat(SegmentBuffer.sweepAbandoned(root, Duration.ofSeconds(60), java.util.Set.of("cam-live"))).isEqualTo(2);
        assertThat(gone).doesNotExist();
        // an active buffer sweeps itself
        assertThat(SegmentBuffer.segments(kept)).hasSize(1);
        assertThat(SegmentBuffer.segments(fresh)).extracting(SegmentBuffer.Segment::startMillis).containsExactly((now - 5) * 1000);
    }

    static String probe(Path file, String entries) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", entries, "-of", "default=nw=1", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
