package io.facestream.ingest.subtitles;

import io.facestream.ingest.video.SceneVideoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubtitleReaderTest {
    static final String SRT = """
            1
            00:00:00,500 --> 00:00:01,750
            Good <i>evening</i>.

            2
            00:00:02,000 --> 00:00:03,250
            Two lines,
            one cue.
            """;

    @Test
    void readsSrtAndWebVttSidecars(@TempDir Path dir) throws Exception {
        Path srt = Files.writeString(dir.resolve("clip.srt"), SRT);
        assertThat(SubtitleReader.read(srt)).containsExactly(
                new Cue(500, 1750, "Good evening."),
                new Cue(2000, 3250, "Two lines,\none cue."));

        Path vtt = Files.writeString(dir.resolve("talk.vtt"), """
                WEBVTT

                00:00:01.000 --> 00:00:02.500
                <v Anna>Hello there

                00:00:03.000 --> 00:00:04.000
                Bye
                """);
        assertThat(SubtitleReader.read(vtt)).extracting(Cue::startMillis, Cue::endMillis)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1000L, 2500L), org.assertj.core.groups.Tuple.tuple(3000L, 4000L));
        assertThat(SubtitleReader.read(vtt).get(1).text()).isEqualTo("Bye");
    }

    @Test
    void findsTheSidecarByBaseName(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("clip.mp4");
        assertThat(SubtitleReader.findSidecar(video)).isEmpty();
        Files.writeString(dir.resolve("clip.vtt"), "WEBVTT\n");
        assertThat(SubtitleReader.findSidecar(video)).contains(dir.resolve("clip.vtt"));
    }

    @Test
    void readsAnEmbeddedTextStream(@TempDir Path dir) throws Exception {
        Path video = dir.resolve("clip.mp4");
        SceneVideoWriter.write(video, 320, 240, 25, 100, List.of());
        Path srt = Files.writeString(dir.resolve("subs.srt"), SRT);
        Path mkv = dir.resolve("with-subs.mkv");
        // ffmpeg (the CLI, installed by the test command) muxes the subtitle stream in.
        Process mux = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", video.toString(), "-i", srt.toString(),
                "-map", "0", "-map", "1", "-c", "copy", "-c:s", "srt", mkv.toString()).redirectErrorStream(true).start();
        assertThat(mux.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(mux.exitValue()).as(new String(mux.getInputStream().readAllBytes())).isZero();

        assertThat(SubtitleReader.read(mkv)).extracting(Cue::text).containsExactly("Good evening.", "Two lines,\none cue.");
        assertThat(SubtitleReader.read(video)).isEmpty();
    }

    @Test
    void unreadableFilesAreIoErrors(@TempDir Path dir) {
        assertThatThrownBy(() -> SubtitleReader.read(dir.resolve("missing.srt"))).hasMessageContaining("cannot open");
    }

    @Test
    void assTextKeepsOnlyTheText() {
        assertThat(SubtitleReader.assText("0,0,Default,,0,0,0,,{\\i1}Hi{\\i0}, you\\Nthere")).isEqualTo("Hi, you\nthere");
    }
}
