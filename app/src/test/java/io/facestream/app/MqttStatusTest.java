package io.facestream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.testkit.Mosquitto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** /api/v1/status's mqtt_connected follows a real MQTT connection: true with the broker up, false once it is gone. */
class MqttStatusTest {

    @Test
    void mqttConnectedFollowsTheBroker(@TempDir Path dataDir) throws Exception {
        Mosquitto broker = Mosquitto.start();
        try (Standalone standalone = Standalone.start(TestStandalone.config(dataDir, 0, Map.of("mqtt.url", broker.url(),
                "mqtt.topic.prefix", "status-test")))) {
            assertThat(standalone.endpoints().get("integrations")).contains("MQTT " + broker.url());
            String key = Files.readString(dataDir.resolve("api-admin-key")).strip();
            awaitField(standalone, key, "mqtt_connected", true);
            assertThat(status(standalone, key).get("kafka_connected").asBoolean()).isTrue();
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + standalone.apiPort() + "/metrics"))
                    .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("facestream_integrations_delivered_total 0.0", "facestream_integrations_failed_total 0.0");
            broker.close();
            awaitField(standalone, key, "mqtt_connected", false);
        } finally {
            broker.close();
        }
    }

    private static void awaitField(Standalone standalone, String key, String field, boolean expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode status = status(standalone, key);
        while (status.path(field).asBoolean(!expected) != expected) {
            assertThat(System.nanoTime()).as("%s never became %s: %s", field, expected, status).isLessThan(deadline);
            Thread.sleep(100);
            status = status(standalone, key);
        }
    }

    private static JsonNode status(Standalone standalone, String key) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + standalone.apiPort() + "/api/v1/status")).header("X-API-Key", key).build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body());
    }
}
