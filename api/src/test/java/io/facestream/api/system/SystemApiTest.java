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
        }
    }
}
