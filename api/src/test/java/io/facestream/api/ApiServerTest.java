package io.facestream.api;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.get;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Errors, health, the OpenAPI document, the docs page and metrics of a started server. */
class ApiServerTest {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                .module(ApiTestSupport.TEST_ROUTES)
                .healthCheck("kafka", () -> HealthCheck.Result.up(Map.of("brokers", 1)))
                .workers(() -> List.of(Map.of("camera_id", "cam-1", "state", "running")))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void uncaughtExceptionIs500WithAnIdAndNoInternals() {
        HttpResponse<String> response = get(server, "/api/test/boom", "X-API-Key", READ_KEY);
        assertThat(response.statusCode()).isEqualTo(500);
        String errorId = response.headers().firstValue("X-Error-Id").orElseThrow();
        JsonNode body = json(response);
        assertThat(body.size()).isEqualTo(1);
        assertThat(body.get("detail").asText()).isEqualTo("Internal server error (error id " + errorId + ").");
        assertThat(response.body()).doesNotContain("secret", "hunter2", "IllegalStateException", "at io.");
    }

    @Test
    void unmatchedPathsAre404InTheirSeedsShape() {
        HttpResponse<String> detail = get(server, "/api/nothing-here", "X-API-Key", READ_KEY);
        assertThat(detail.statusCode()).isEqualTo(404);
        assertThat(json(detail).get("detail").asText()).isEqualTo("Not Found");
        HttpResponse<String> flag = get(server, "/api/v1/identity/abc/nothing", "X-API-Key", READ_KEY);
        assertThat(flag.statusCode()).isEqualTo(404);
        assertThat(json(flag).get("success").asBoolean()).isFalse();
    }

    @Test
    void invalidParameterIsAValidationError() {
        HttpResponse<String> response = get(server, "/api/test/validate?limit=abc", "X-API-Key", READ_KEY);
        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(json(response).get("detail").asText()).startsWith("limit:");
        assertThat(json(get(server, "/api/test/validate?limit=5", "X-API-Key", READ_KEY)).get("limit").asInt())
                .isEqualTo(5);
    }

    @Test
    void healthReportsSeed002FieldsAndChecks() {
        HttpResponse<String> response = get(server, "/health");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("ok");
        assertThat(body.get("version").asText()).isNotBlank().doesNotContain("${");
        assertThat(body.has("gpu")).isTrue();
        assertThat(body.get("workers").get(0).get("camera_id").asText()).isEqualTo("cam-1");
        assertThat(body.get("checks").get("kafka").get("status").asText()).isEqualTo("up");
        assertThat(body.get("checks").get("kafka").get("details").get("brokers").asInt()).isEqualTo(1);
    }

    @Test
    void healthIs503WhenACheckIsDownAndHidesWhyACheckThrew() {
        try (ApiServer failing = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(List.of())))
                .healthCheck("kafka", () -> HealthCheck.Result.down("no broker answers"))
                .healthCheck("pipeline", () -> {
                    throw new IllegalStateException("password=hunter2");
                })
                .healthCheck("store", () -> HealthCheck.Result.degraded("slow"))
                .gpuUsage(() -> new GpuUsage(512, 8192))
                .start()) {
            HttpResponse<String> response = get(failing, "/health");
            assertThat(response.statusCode()).isEqualTo(503);
            JsonNode body = json(response);
            assertThat(body.get("status").asText()).isEqualTo("down");
            assertThat(body.get("checks").get("kafka").get("details").get("reason").asText())
                    .isEqualTo("no broker answers");
            assertThat(body.get("checks").get("pipeline").get("status").asText()).isEqualTo("down");
            assertThat(body.get("checks").get("store").get("status").asText()).isEqualTo("degraded");
            assertThat(body.get("gpu").get("used_mb").asInt()).isEqualTo(512);
            assertThat(body.get("gpu").get("total_mb").asInt()).isEqualTo(8192);
            assertThat(response.body()).doesNotContain("hunter2");
        }
    }

    @Test
    void openApiDocumentListsRegisteredRoutesWithTheirScopes() {
        HttpResponse<String> response = get(server, "/openapi.json", "X-API-Key", READ_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode doc = json(response);
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        JsonNode paths = doc.get("paths");
        // Every registered, non-hidden route is documented.
        for (RouteSpec route : server.routes()) {
            String method = route.method().equals("WS") ? "get" : route.method().toLowerCase();
            JsonNode path = paths.get(OpenApiDocument.openApiPath(route.path()));
            if (route.hidden()) {
                assertThat(path).as(route.path()).isNull();
            } else {
                assertThat(path.get(method)).as(route.method() + " " + route.path()).isNotNull();
            }
        }
        JsonNode list = paths.get("/api/test/items").get("get");
        assertThat(list.get("x-required-scope").asText()).isEqualTo("read");
        assertThat(list.get("security").get(0).get("apiKey").get(0).asText()).isEqualTo("read");
        assertThat(list.get("security").get(1).get("bearer").get(0).asText()).isEqualTo("read");
        assertThat(list.get("responses").has("401")).isTrue();
        assertThat(paths.get("/api/test/items").get("post").get("x-required-scope").asText()).isEqualTo("admin");
        assertThat(paths.get("/api/v1/identities").get("get").get("x-required-scope").asText())
                .isEqualTo("identity-level");
        JsonNode health = paths.get("/health").get("get");
        assertThat(health.get("security")).isEmpty();
        assertThat(health.has("x-required-scope")).isFalse();
        // Response schemas come from the registered records, in the seeds' snake_case.
        assertThat(doc.get("components").get("schemas").get("Item").get("properties").fieldNames())
                .toIterable().containsExactlyInAnyOrder("item_name", "item_count");
        // Upload errors are documented with the statuses of the route's seed.
        JsonNode register = paths.get("/api/v1/register").get("post");
        assertThat(register.get("responses").get("400").get("content").get("application/json").get("schema")
                .get("$ref").asText()).isEqualTo("#/components/schemas/EnvelopeError");
        assertThat(register.get("requestBody").get("content").get("multipart/form-data").get("schema")
                .get("required")).extracting(JsonNode::asText).containsExactly("name", "image");
        assertThat(register.get("requestBody").get("content").get("multipart/form-data").get("schema")
                .get("properties").get("name").get("type").asText()).isEqualTo("string");
        assertThat(paths.get("/api/test/upload").get("post").get("responses").fieldNames()).toIterable()
                .contains("413", "415", "400", "422");
        assertThat(doc.get("components").get("securitySchemes").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("apiKey", "bearer", "consoleSession");
    }

    @Test
    void docsPageServesSwaggerUi() {
        HttpResponse<String> page = get(server, "/docs", "X-API-Key", READ_KEY);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/docs/assets/swagger-ui-bundle.js", "/openapi.json");
        HttpResponse<String> bundle = get(server, "/docs/assets/swagger-ui-bundle.js", "X-API-Key", READ_KEY);
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(bundle.body()).contains("SwaggerUIBundle");
        assertThat(get(server, "/docs/assets/nope.js", "X-API-Key", READ_KEY).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsShowHttpRequestsPerRouteTemplateAndJvm() {
        get(server, "/api/test/items", "X-API-Key", READ_KEY);
        get(server, "/api/test/items");
        HttpResponse<String> response = get(server, "/metrics", "X-API-Key", READ_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        List<String> lines = response.body().lines().toList();
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("http_server_requests_seconds_count{")
                .contains("uri=\"/api/test/items\"", "status=\"200\"", "method=\"GET\""));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("http_server_requests_seconds_count{")
                .contains("uri=\"/api/test/items\"", "status=\"401\""));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("http_server_requests_seconds_bucket{")
                .contains("uri=\"/api/test/items\"", "le="));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("jvm_memory_used_bytes"));
        // Modules and other components add their own meters to the same registry.
        server.meterRegistry().counter("facestream.test.events").increment();
        assertThat(get(server, "/metrics", "X-API-Key", READ_KEY).body()).contains("facestream_test_events_total 1.0");
    }

    @Test
    void aRouteRegisteredTwiceIsRefused() {
        assertThatThrownBy(() -> ApiServer.start(ApiTestSupport.config(AuthConfig.disabled()), List.of(
                routes -> routes.get("/x", ctx -> { }), routes -> routes.get("/x", ctx -> { }))))
                .hasMessageContaining("GET /x is registered twice");
    }
}
