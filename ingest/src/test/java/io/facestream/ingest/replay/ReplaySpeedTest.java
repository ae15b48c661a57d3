package io.facestream.ingest.replay;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplaySpeedTest {

    @Test
    void parsesTheSpeedsAPersonTypes() {
        assertThat(ReplaySpeed.parse("max").unpaced()).isTrue();
        assertThat(ReplaySpeed.parse("realtime").factor()).isEqualTo(1);
        assertThat(ReplaySpeed.parse("4").factor()).isEqualTo(4);
        assertThat(ReplaySpeed.parse("0.5x").factor()).isEqualTo(0.5);
        assertThatThrownBy(() -> ReplaySpeed.parse("fast")).hasMessageContaining("max, realtime or a positive factor");
        assertThatThrownBy(() -> ReplaySpeed.parse("0")).hasMessageContaining("positive factor");
    }

    @Test
    void pacesByMediaTime() throws Exception {
        ReplaySpeed.Pacer pacer = new ReplaySpeed.Pacer(new ReplaySpeed(2));
        long start = System.nanoTime();
        pacer.awaitMediaTime(0);
        pacer.awaitMediaTime(400_000); // 0.4 s of media at 2x: 0.2 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(190), Duration.ofMillis(400));
    }

    @Test
    void plainLinesWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressReporter progress = new ProgressReporter(new PrintStream(bytes, true), false, "clip.mp4", Duration.ZERO);
        progress.update(50, 100, 3);
        progress.finish(100, 100, 7);
        String[] lines = bytes.toString().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("clip.mp4: 50/100 frames, 3 faces,").contains("ETA");
        assertThat(lines[1]).startsWith("clip.mp4: 100/100 frames, 7 faces,").doesNotContain("ETA").doesNotContain("\r");
    }

    @Test
    void aBarOnATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressReporter progress = new ProgressReporter(new PrintStream(bytes, true), true, "clip", Duration.ZERO);
        progress.finish(5, 10, 1);
        assertThat(bytes.toString()).startsWith("\rclip [###############...............]  50% 5/10 frames").endsWith("\n");
        assertThat(ProgressReporter.clock(3725)).isEqualTo("1:02:05");
    }
}
