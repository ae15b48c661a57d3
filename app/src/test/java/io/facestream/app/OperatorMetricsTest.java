package io.facestream.app;

import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** /metrics after a replay: per-source frame counts, the replay's own figures, latency histograms, lag, vector count. */
class OperatorMetricsTest {

    @Test
    void aReplayShowsInTheMetrics(@TempDir Path dir) throws Exception {
        Path clip = TestStandalone.oneFaceClip(dir.resolve("hall.mp4"), 50, 320, 320);
        try (Standalone standalone = Standalone.start(TestStandalone.config(dir.resolve("data"), 0))) {
            String key = Files.readString(dir.resolve("data").resolve("api-admin-key")).strip();
            Replayer.Result result = standalone.ingest().replayer().replay(new Replayer.Request(clip, "metrics-1", "hall", ReplaySpeed.MAX,
                    5, null, Instant.now().minusSeconds(60), 2), (a, b, c) -> { });
            assertThat(result.frames()).isEqualTo(10);

            String metrics = "";
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                metrics = metrics(standalone, key);
                if (value(metrics, "facestream_replay_status{file=\"metrics-1\",status=\"completed\"}") == 1
                        && value(metrics, "facestream_vectors_faces") > 0) break;
                Thread.sleep(500);
            }
            assertThat(value(metrics, "facestream_source_frames_read_total{camera=\"hall\",kind=\"file\"}")).isEqualTo(10);
            assertThat(value(metrics, "facestream_source_frames_analysed_total{camera=\"hall\",kind=\"file\"}")).isEqualTo(10);
            assertThat(value(metrics, "facestream_source_frames_dropped_total{camera=\"hall\",kind=\"file\"}")).isZero();
            assertThat(value(metrics, "facestream_replay_frames_processed{file=\"metrics-1\"}")).isEqualTo(10);
            assertThat(value(metrics, "facestream_replay_frames_declared{file=\"metrics-1\"}")).isEqualTo(50);
            assertThat(value(metrics, "facestream_replay_faces{file=\"metrics-1\"}")).isEqualTo(10);
            assertThat(value(metrics, "facestream_replay_progress{file=\"metrics-1\"}")).isEqualTo(1);
            assertThat(value(metrics, "facestream_replay_status{file=\"metrics-1\",status=\"completed\"}")).isEqualTo(1);
            assertThat(value(metrics, "facestream_replay_status{file=\"metrics-1\",status=\"processing\"}")).isZero();
            assertThat(value(metrics, "facestream_vectors_faces")).isPositive();
            assertThat(value(metrics, "facestream_detection_latency_seconds_count")).isGreaterThanOrEqualTo(10);
            assertThat(metrics).contains("facestream_detection_latency_seconds_bucket{le=");
            assertThat(value(metrics, "facestream_embedding_batch_latency_seconds_count")).isPositive();
            assertThat(metrics).contains("facestream_alert_latency_seconds_bucket{le=", "facestream_consumer_lag_records{topic=\"facestream.face-crops\"}");
            // our series carry only bounded, restart-stable labels
            // every series the Grafana dashboard charts is one the product exposes (the camera-only ones: StandaloneCameraTest)
            Matcher charted = Pattern.compile("(facestream_\\w+|http_server_requests_seconds_count)").matcher(
                    Files.readString(Path.of("..", "docker", "grafana-dashboard.json")));
            while (charted.find()) {
                String name = charted.group(1);
                if (List.of("facestream_camera_fps", "facestream_camera_reconnects_total").contains(name)) continue;
                assertThat(metrics).as("the dashboard's %s", name).containsPattern("(?m)^" + name + "[{ ]");
            }
            Matcher labels = Pattern.compile("(?m)^facestream_\\w+\\{([^}]*)\\}").matcher(metrics);
            while (labels.find()) {
                for (String label : labels.group(1).split(",(?=\\w+=)")) {
                    assertThat(label.substring(0, label.indexOf('='))).isIn("camera", "kind", "file", "status", "topic", "le");
                }
            }
        }
    }

    private static String metrics(Standalone standalone, String key) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + standalone.apiPort() + "/metrics"))
                .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sample's value, -1 when absent. */
    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
