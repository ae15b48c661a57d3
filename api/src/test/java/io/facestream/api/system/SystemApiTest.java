package io.facestream.api.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.testing.ApiFixture;
import io.facestream.models.store.ModelSpec;
import io.facestream.vectors.VectorStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SystemApiTest {

    @Test
    void describesTheRunningInstanceToAnAuthenticatedCaller(@TempDir Path dir) throws Exception {
        try (ApiFixture fixture = ApiFixture.start(dir, backend -> List.of(new SystemModule(backend, ApiServer.version())))) {
            HttpResponse<String> response = ApiTestSupport.get(fixture.server, "/api/system", "X-API-Key", ApiTestSupport.READ_KEY);
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = ApiTestSupport.json(response);
            assertThat(body.get("version").asText()).isEqualTo(ApiServer.version());
            assertThat(body.get("runtime").asText()).startsWith("Java " + Runtime.version().feature());
            assertThat(body.at("/user/via").asText()).isEqualTo("api_key");
            assertThat(body.at("/backend/embedder").asText())
                    .isEqualTo(ApiFixture.analyzer().config().catalog().model(ModelSpec.Role.EMBEDDER).id());
            assertThat(body.at("/backend/device").asText()).isEqualTo("cpu");
            assertThat(body.get("models")).hasSize(3);
            assertThat(body.at("/face_index/count").asLong()).isEqualTo(fixture.backend.vectors().count(VectorStore.FACES));
            assertThat(body.at("/kafka/connected").asBoolean()).isTrue();
            assertThat(body.get("workers").isArray()).isTrue();

            assertThat(ApiTestSupport.get(fixture.server, "/api/system").statusCode()).isEqualTo(401);

            // the metrics summary: from the registry /metrics exposes, with a facestream meter as the app registers them
            io.micrometer.core.instrument.Gauge.builder("facestream.camera.fps", () -> 4.5).tag("camera", "gate")
                    .register(fixture.server.meterRegistry());
            HttpResponse<String> metrics = ApiTestSupport.get(fixture.server, "/api/system/metrics", "X-API-Key", ApiTestSupport.READ_KEY);
            assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
            JsonNode figures = ApiTestSupport.json(metrics).get("figures");
            assertThat(figure(figures, "process.uptime").get("value").asDouble()).isPositive();
            assertThat(figure(figures, "jvm.memory.used").get("value").asDouble()).isPositive();
            JsonNode ok = figure(figures, "http.server.requests");
            assertThat(ok.at("/tags/status").asText()).isEqualTo("2xx");
            assertThat(ok.get("count").asLong()).isPositive();
            JsonNode fps = figure(figures, "facestream.camera.fps");
            assertThat(fps.at("/tags/camera").asText()).isEqualTo("gate");
            assertThat(fps.get("value").asDouble()).isEqualTo(4.5);
            assertThat(ApiTestSupport.json(metrics).get("truncated").asBoolean()).isFalse();
            assertThat(ApiTestSupport.get(fixture.server, "/api/system/metrics").statusCode()).isEqualTo(401);
        }
    }

    private static JsonNode figure(JsonNode figures, String name) {
        for (JsonNode f : figures) if (f.get("name").asText().equals(name)) return f;
        throw new AssertionError("no figure " + name + " in " + figures);
    }
}
