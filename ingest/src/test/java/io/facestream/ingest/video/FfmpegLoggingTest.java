package io.facestream.ingest.video;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FfmpegLoggingTest {

    @Test
    void ffmpegMessagesQuotingACameraUrlAreMasked() {
        // as FFmpeg words a failed open
        assertThat(FfmpegLogging.masked("[in#0 @ 0x55d] Error opening input: rtsp://admin:hunter2@10.0.0.5:554/s: Connection refused\n"))
                .isEqualTo("[in#0 @ 0x55d] Error opening input: rtsp://***@10.0.0.5:554/s: Connection refused");
        assertThat(FfmpegLogging.masked(null)).isEmpty();
    }
}
