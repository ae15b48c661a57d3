package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code facestream api}: the API role alone, against a cluster and registry that run elsewhere; a video uploaded to it replayed. */
class ApiRoleTest {

    @Test
    void servesTheApiAgainstAnExternalClusterAndRegistry(@TempDir Path dir) throws Exception {
        try (Standalone cluster = Standalone.start(TestStandalone.config(dir.resolve("cluster"), 0))) {
            Config apiOnly = Config.load(null, Map.of(), Map.of(
                    "data.dir", dir.resolve("api").toString(),
                    "kafka.bootstrap.servers", cluster.bootstrapServers(),
                    "registry.url", cluster.registryUrl(),
                    "topologies.application.id", "api-role-test",
                    "api.port", "0"));
            try (Standalone api = Standalone.startApiRole(apiOnly)) {
                assertThat(api.endpoints()).containsKeys("kafka", "schema registry", "pipeline", "api").doesNotContainKey("ingest");
                assertThat(api.endpoints().get("kafka")).contains("(external)");
                String key = Files.readString(dir.resolve("api").resolve("api-admin-key")).strip();
                HttpClient http = HttpClient.newHttpClient();
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + api.apiPort() + "/api/v1/status"))
                        .header("Authorization", "Bearer " + key).build();
                HttpResponse<String> status = http.send(request, HttpResponse.BodyHandlers.ofString());
                // the pipeline joins its group after start: the status says so until it runs
                for (long deadline = System.nanoTime() + 60_000_000_000L; !status.body().contains("\"status\":\"running\"")
                        && System.nanoTime() < deadline; Thread.sleep(200)) {
                    status = http.send(request, HttpResponse.BodyHandlers.ofString());
                }
                assertThat(status.statusCode()).isEqualTo(200);
                assertThat(status.body()).contains("\"status\":\"running\"", "\"mqtt_connected\":false", "\"kafka_connected\":true");

                // a video uploaded to this API role (no ingest role in it) is replayed by the replay the app wired in
                byte[] clip = Files.readAllBytes(TestStandalone.oneFaceClip(dir.resolve("upload.mp4"), 50, 200, 260));
                String boundary = "api-role-upload";
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.mp4\"\r\n"
                        + "Content-Type: video/mp4\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                body.writeBytes(clip);
                body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api.apiPort() + "/api/v1/files"))
                        .header("Authorization", "Bearer " + key).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                var json = new com.fasterxml.jackson.databind.ObjectMapper();
                String fileId = json.readTree(accepted.body()).get("file_uuid").asText();
                HttpRequest files = HttpRequest.newBuilder(URI.create("http://localhost:" + api.apiPort() + "/api/v1/files"))
                        .header("Authorization", "Bearer " + key).build();
                com.fasterxml.jackson.databind.JsonNode file = null;
                for (long deadline = System.nanoTime() + 120_000_000_000L; System.nanoTime() < deadline; Thread.sleep(500)) {
                    file = null;
                    for (var f : json.readTree(http.send(files, HttpResponse.BodyHandlers.ofString()).body()).get("data")) {
                        if (f.get("file_uuid").asText().equals(fileId)) file = f;
                    }
                    if (file != null && file.get("status").asText().equals("completed")) break;
                }
                assertThat(file).as("the uploaded file at /api/v1/files").isNotNull();
                assertThat(file.get("status").asText()).isEqualTo("completed");
                assertThat(file.get("name").asText()).isEqualTo("upload.mp4");
                assertThat(file.get("faces_detected").asLong()).isPositive();
                assertThat(dir.resolve("api").resolve("uploads")).isEmptyDirectory();
            }
        }
    }

    @Test
    void waitsForAnUnreachableClusterThenSaysWhatItWaitedFor(@TempDir Path dir) throws Exception {
        int closed = EmbeddedKafkaBroker.freePort("127.0.0.1");
        Config config = Config.load(null, Map.of(), Map.of("data.dir", dir.toString(),
                "kafka.bootstrap.servers", "127.0.0.1:" + closed, "registry.url", "http://127.0.0.1:" + closed,
                "startup.wait.seconds", "3", "api.port", "0"));
        long started = System.nanoTime();
        assertThatThrownBy(() -> Standalone.startApiRole(config)).isInstanceOf(IllegalStateException.class)
                .hasMessage("gave up waiting for Kafka at 127.0.0.1:" + closed + " after 3 s: Kafka at 127.0.0.1:" + closed
                        + " unreachable: connection refused (tried a TCP connection to 127.0.0.1:" + closed + ")");
        assertThat(System.nanoTime() - started).as("it retried for the configured wait").isGreaterThan(3_000_000_000L);
    }

    @Test
    void refusesToRunWithoutAnExternalCluster(@TempDir Path dir) {
        assertThatThrownBy(() -> Standalone.startApiRole(TestStandalone.config(dir, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka.bootstrap.servers and registry.url");
    }

    @Test
    void refusesBadVectorStoreSettingsBeforeStartingAnything(@TempDir Path dir) {
        Path dataDir = dir.resolve("data");
        Map<String, java.util.List<String>> bad = Map.of(
                "vectors.segments.per.tier", java.util.List.of("1", "1001", "many"),
                "vectors.hnsw.connections", java.util.List.of("1", "513"),
                "vectors.hnsw.beam", java.util.List.of("0", "3201"),
                "vectors.search.candidates", java.util.List.of("0", "-5"),
                "vectors.search.threads", java.util.List.of("-1", "257"));
        bad.forEach((key, values) -> {
            for (String value : values) {
                assertThatThrownBy(() -> Standalone.start(TestStandalone.config(dataDir, 0, Map.of(key, value))))
                        .as(key + " = " + value).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key);
                assertThat(dataDir).as("refused before a broker or a store wrote anything").doesNotExist();
            }
        });
    }

    @Test
    void theEmbeddedVectorStoreTakesItsSettingsFromTheirKeys(@TempDir Path dir) {
        // the setting BENCHMARKS.md's "Search at scale" gives for a million faces
        var config = TestStandalone.config(dir, 0, Map.of("vectors.hnsw.connections", "32", "vectors.hnsw.beam", "200",
                "vectors.segments.per.tier", "30", "vectors.search.candidates", "800", "vectors.search.threads", "3"));
        var store = Standalone.embeddedVectors(config, dir.resolve("vectors"));
        assertThat(store.graph()).isEqualTo(new io.facestream.vectors.EmbeddedVectorStore.Graph(32, 200, 30));
        assertThat(store.annCandidates()).isEqualTo(800);
        assertThat(store.searchThreads()).isEqualTo(3);
        assertThat(store.directory()).isEqualTo(dir.resolve("vectors"));
        assertThat(store.commitInterval()).isEqualTo(java.time.Duration.ofSeconds(1));

        var defaults = Standalone.embeddedVectors(TestStandalone.config(dir, 0), dir.resolve("vectors"));
        assertThat(defaults.graph()).isEqualTo(new io.facestream.vectors.EmbeddedVectorStore.Graph(16, 100, 30));
        assertThat(defaults.annCandidates()).isEqualTo(200);
        assertThat(defaults.searchThreads()).as("0: one per core").isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
