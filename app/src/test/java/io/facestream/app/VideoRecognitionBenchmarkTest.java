package io.facestream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.app.bench.VideoRecognitionBenchmark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The video recognition bench end to end on its sharpest video (faces about 50 px, where every side finds them): our
 * models frame by frame, face-api.js in Node on the same decoded frames, and our pipeline on an embedded broker. The
 * figures belong to BENCHMARKS.md; this checks that each side really read the video and that ours tells the POI from
 * the stranger there, as it must before its figures on harder videos mean anything.
 */
class VideoRecognitionBenchmarkTest {
    @Test
    void everySideReadsTheVideoAndOursTellsThePoiFromTheStranger() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        VideoRecognitionBenchmark.Result result = VideoRecognitionBenchmark.run(new PrintStream(text, true, StandardCharsets.UTF_8),
                Path.of("target/bench-recognition-test").toAbsolutePath(), List.of(VideoRecognitionBenchmark.SCENES.getFirst()));
        String printed = text.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(result.peerRan()).as(printed).isTrue();
        assertThat(result.frames()).extracting(VideoRecognitionBenchmark.FrameRow::side).containsOnly("facestream",
                "face-api.js (confidence 0.5)", "face-api.js (confidence 0.2)").hasSize(6);
        assertThat(result.frames()).as("each side finds both faces in most frames").allSatisfy(r -> assertThat(r.found()).isGreaterThan(40));
        assertThat(result.frames()).filteredOn(r -> r.side().equals("facestream")).extracting(r -> r.person() + " " + r.matched())
                .containsExactly("POI 50", "stranger 0");
        assertThat(result.pipeline()).hasSize(2);
        assertThat(result.pipeline().get(0)).as("the POI's track: a POI sighting and an alert").matches("\\| .* \\| POI \\| 0-49 POI 0\\.\\d\\d \\| 0\\.\\d\\d \\|");
        assertThat(result.pipeline().get(1)).as("the stranger's: an automatic identity, no alert").contains("IDENTITY").endsWith("| none |");
    }
}
