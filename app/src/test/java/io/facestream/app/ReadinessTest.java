package io.facestream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ready means queryable: from the API's first answer, /health/ready (and /health under api.health.readiness)
 * answers 503 while the pipeline is not RUNNING, and once it answers 200 the views answer queries.
 */
class ReadinessTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void readyOnlyOnceTheViewsAnswer(@TempDir Path dataDir) throws Exception {
        try (Standalone standalone = Standalone.start(TestStandalone.config(dataDir, 0, Map.of("api.health.readiness", "true")))) {
            String key = Files.readString(dataDir.resolve("api-admin-key")).strip();
            KafkaStreams streams = standalone.backend().streams();
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            HttpResponse<String> ready;
            while (true) {
                KafkaStreams.State before = streams.state();
                ready = get(standalone, "/health/ready", null);
                HttpResponse<String> health = get(standalone, "/health", null);
                KafkaStreams.State after = streams.state();
                seen.add(before + "->" + ready.statusCode() + "/" + health.statusCode());
                if (before != KafkaStreams.State.RUNNING && after != KafkaStreams.State.RUNNING) {
                    assertThat(ready.statusCode()).as("ready while the pipeline was %s", before).isEqualTo(503);
                    assertThat(json(ready).get("status").asText()).isEqualTo("not_ready");
                    assertThat(json(ready).get("reason").asText()).contains("pipeline");
                    assertThat(health.statusCode()).isEqualTo(503);
                }
                // /health keeps the seed's shape whatever its status code
                assertThat(json(health).has("status")).isTrue();
                assertThat(json(health).has("workers")).isTrue();
                if (ready.statusCode() == 200) break;
                assertThat(System.nanoTime()).as("never ready: %s", seen).isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(json(ready).get("status").asText()).isEqualTo("ready");
            // ready means the views answer: no 503 "starting or rebalancing" on the first queries
            for (String path : List.of("/api/v1/alerts", "/api/v1/cameras", "/api/v1/status")) {
                assertThat(get(standalone, path, key).statusCode()).as(path).isEqualTo(200);
            }
            assertThat(get(standalone, "/health", null).statusCode()).isEqualTo(200);
            assertThat(standalone.awaitReady(Duration.ZERO, reason -> { })).isTrue();
        }
    }

    private HttpResponse<String> get(Standalone standalone, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + standalone.apiPort() + path));
        if (key != null) request.header("X-API-Key", key);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return new ObjectMapper().readTree(response.body());
    }
}
