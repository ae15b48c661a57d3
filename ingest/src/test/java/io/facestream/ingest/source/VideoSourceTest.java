package io.facestream.ingest.source;

import io.facestream.ingest.testing.TestClips;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class VideoSourceTest {
    private static final long BASE = 1_700_000_000_000L;

    static Path clip(Path dir, String name, int width, int height, int frames) throws Exception {
        return TestClips.redSquare(dir, name, width, height, frames);
    }

    static List<SampledFrame> readAll(SourceSpec spec) throws Exception {
        List<SampledFrame> frames = new ArrayList<>();
        try (VideoSource source = VideoSource.open(spec, BASE)) {
            for (Optional<SampledFrame> f = source.next(); f.isPresent(); f = source.next()) frames.add(f.get());
        }
        return frames;
    }

    @Test
    void samplesByMediaTimeAndStampsBaseTimePlusMediaTime(@TempDir Path dir) throws Exception {
        Path file = clip(dir, "clip.mp4", 640, 360, 90);
        try (VideoSource source = VideoSource.open(SourceSpec.of(file.toString()), BASE)) {
            assertThat(source.frameRate()).isCloseTo(30, within(0.01));
            assertThat(source.durationMillis()).isBetween(2900L, 3100L);
        }
        List<SampledFrame> every = readAll(SourceSpec.of(file.toString()));
        assertThat(every).hasSize(90);

        List<SampledFrame> sampled = readAll(SourceSpec.of(file.toString()).withSampleFps(10));
        assertThat(sampled).hasSize(30);
        assertThat(sampled.stream().map(SampledFrame::frameNumber).limit(4)).containsExactly(0L, 3L, 6L, 9L);
        for (SampledFrame f : sampled) {
            assertThat(f.timestampMillis()).isEqualTo(BASE + f.mediaTimeMicros() / 1000);
            assertThat(f.mediaTimeMicros()).isCloseTo(f.frameNumber() * 1_000_000 / 30, within(1000L));
        }
    }

    @Test
    void pixelsArePackedRgbAndTheCapScalesDownKeepingAspect(@TempDir Path dir) throws Exception {
        Path file = clip(dir, "hd.mp4", 1280, 720, 5);
        SampledFrame full = readAll(SourceSpec.of(file.toString())).getFirst();
        assertThat(full.width()).isEqualTo(1280);
        assertThat(full.rgb()).hasSize(1280 * 720 * 3);
        int i = (180 * 1280 + 320) * 3; // centre of the red square
        assertThat(full.rgb()[i] & 0xff).isGreaterThan(200);
        assertThat(full.rgb()[i + 1] & 0xff).isLessThan(60);
        assertThat(full.rgb()[i + 2] & 0xff).isLessThan(60);

        SampledFrame capped = readAll(SourceSpec.of(file.toString()).withMaxSize(640, 640)).getFirst();
        assertThat(capped.width()).isEqualTo(640);
        assertThat(capped.height()).isEqualTo(360);
        assertThat(capped.sourceWidth()).isEqualTo(1280);
        assertThat(capped.rgb()).hasSize(640 * 360 * 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mkv", "avi", "mov", "webm"})
    void readsTheUsualContainers(String ext, @TempDir Path dir) throws Exception {
        assertThat(readAll(SourceSpec.of(clip(dir, "clip." + ext, 320, 240, 15).toString()))).hasSize(15);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mp4", "mkv", "avi", "mov", "webm"})
    void anUploadInTheUsualContainersProbesAsVideo(String ext, @TempDir Path dir) throws Exception {
        VideoSource.probeUpload(clip(dir, "clip." + ext, 320, 240, 5));
    }

    @Test
    void anUploadThatNamesOtherFilesOrIsNoVideoIsRefusedByTheProbe(@TempDir Path dir) throws Exception {
        clip(dir, "secret.mp4", 320, 240, 15);
        Path playlist = Files.writeString(dir.resolve("list.m3u8"),
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.5,\nsecret.mp4\n#EXT-X-ENDLIST\n");
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile secret.mp4\n");
        for (Path list : List.of(playlist, concat)) {
            // opened as any file is, FFmpeg follows the list to the file it names: what an upload must not make it do
            assertThat(readAll(SourceSpec.of(list.toString()))).as(list.toString()).isNotEmpty();
            assertThatThrownBy(() -> VideoSource.probeUpload(list)).as(list.toString())
                    .isInstanceOfSatisfying(VideoSourceException.class, e -> {
                        assertThat(e.reason()).isEqualTo(VideoSourceException.Reason.NOT_VIDEO);
                        assertThat(e.getMessage()).startsWith("FFmpeg finds no video in it").doesNotContain(dir.toString());
                    });
        }
        Path text = Files.writeString(dir.resolve("notes.mp4"), "not a video\n".repeat(50));
        assertThatThrownBy(() -> VideoSource.probeUpload(text)).isInstanceOfSatisfying(VideoSourceException.class,
                e -> assertThat(e.reason()).isEqualTo(VideoSourceException.Reason.NOT_VIDEO));
    }

    @Test
    void badFilesGiveTypedErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> VideoSource.open(SourceSpec.of(dir.resolve("missing.mp4").toString()), BASE))
                .isInstanceOfSatisfying(VideoSourceException.class, e -> assertThat(e.reason()).isEqualTo(VideoSourceException.Reason.NOT_FOUND));

        Path text = Files.writeString(dir.resolve("notes.mp4"), "this is not a video\n".repeat(50));
        assertThatThrownBy(() -> VideoSource.open(SourceSpec.of(text.toString()), BASE))
                .isInstanceOfSatisfying(VideoSourceException.class, e -> assertThat(e.reason()).isIn(
                        VideoSourceException.Reason.UNREADABLE, VideoSourceException.Reason.NOT_VIDEO));

        byte[] good = Files.readAllBytes(clip(dir, "good.mp4", 320, 240, 30));
        Path truncated = Files.write(dir.resolve("truncated.mp4"), Arrays.copyOf(good, good.length / 2));
        assertThatThrownBy(() -> readAll(SourceSpec.of(truncated.toString())))
                .isInstanceOfSatisfying(VideoSourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(VideoSourceException.Reason.UNREADABLE);
                    assertThat(e.getMessage()).contains("truncated.mp4");
                });

        // Damaged frame data is concealed by FFmpeg and still read; a damaged index is not.
        byte[] corrupt = good.clone();
        int moov = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).lastIndexOf("moov");
        assertThat(moov).isPositive();
        for (int i = moov; i < Math.min(corrupt.length, moov + 400); i++) corrupt[i] = (byte) (i * 37);
        Path mangled = Files.write(dir.resolve("corrupt.mp4"), corrupt);
        assertThatThrownBy(() -> readAll(SourceSpec.of(mangled.toString())))
                .isInstanceOfSatisfying(VideoSourceException.class, e -> assertThat(e.reason()).isEqualTo(VideoSourceException.Reason.UNREADABLE));
    }

    @Test
    void secretsNeverReachMessages() {
        assertThat(SourceSpec.redact("rtsp://admin:hunter2@10.0.0.5:554/stream")).isEqualTo("rtsp://***@10.0.0.5:554/stream");
        assertThat(SourceSpec.redact("rtsp://10.0.0.5/stream")).isEqualTo("rtsp://10.0.0.5/stream");
        assertThat(SourceSpec.of("rtsp://a:b@h/s").kind()).isEqualTo(SourceSpec.Kind.RTSP);
        assertThat(SourceSpec.of("https://h/s.m3u8").live()).isTrue();
        assertThat(SourceSpec.of("/videos/a.mp4").live()).isFalse();
    }
}
