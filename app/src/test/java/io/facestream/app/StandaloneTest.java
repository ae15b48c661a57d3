package io.facestream.app;

import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StandaloneTest {

    @Test
    void startsEveryPartAndARestartKeepsTheData(@TempDir Path dataDir) throws Exception {
        String bootstrap;
        int schemaId;
        try (Standalone standalone = Standalone.start(TestStandalone.config(dataDir, 0))) {
            bootstrap = standalone.bootstrapServers();
            assertThat(standalone.endpoints()).containsKeys("kafka", "schema registry", "ingest", "pipeline", "api");
            String key = Files.readString(dataDir.resolve("api-admin-key")).strip();
            var metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + standalone.apiPort() + "/metrics")).header("X-API-Key", key).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("facestream_embedding_crops_total", "facestream_embedding_model_seconds_total",
                    "facestream_detection_frames_total", "facestream_detection_model_seconds_total",
                    "kafka_stream_", "jvm_memory_used_bytes");
            schemaId = new RestSchemaRegistryClient(standalone.registryUrl()).register("check-value", Heartbeat.getClassSchema());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("survives-restart", 1, (short) 1))).all().get();
            }
        }
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (Standalone standalone = Standalone.start(TestStandalone.config(dataDir, port));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, standalone.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get()).contains("survives-restart", Topics.FRAMES, Topics.POI_ALERTS, Topics.SCHEMAS);
            assertThat(new RestSchemaRegistryClient(standalone.registryUrl()).latest("check-value").id()).isEqualTo(schemaId);
        }
    }
}
