package io.facestream.api.index;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.RouteSpec;
import io.facestream.api.Scope;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 000's routes as declared, without a pipeline behind them: every one needs the identity-level scope, a read key
 * is refused in seed 000's shape before any handler runs, and the OpenAPI document describes the bodies.
 */
class IndexRoutesTest {
    static ApiServer server;

    @BeforeAll
    static void start() {
        // the routes refuse before they read: no backend is reached in these tests
        server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())), List.of(new IndexModule(null)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyRouteNeedsTheIdentityLevelScope() {
        List<RouteSpec> routes = server.routes().stream().filter(r -> r.path().startsWith("/api/v1/identit")).toList();
        assertThat(routes).extracting(r -> r.method() + " " + r.path()).containsExactlyInAnyOrder(
                "GET /api/v1/identities", "GET /api/v1/identities/search", "POST /api/v1/identity/upload",
                "GET /api/v1/identity/{identity_uuid}", "DELETE /api/v1/identity/{identity_uuid}",
                "GET /api/v1/identity/{identity_uuid}/files", "GET /api/v1/identity/{identity_uuid}/faces",
                "GET /api/v1/identity/{identity_uuid}/chunks", "POST /api/v1/identity/{identity_uuid}/bind",
                "POST /api/v1/identity/{identity_uuid}/unbind", "POST /api/v1/identity/{identity_uuid}/profile-image",
                "GET /api/v1/identity/{identity_uuid}/profile-image");
        assertThat(routes).allMatch(r -> r.scope() == Scope.IDENTITY_LEVEL);
        for (String path : List.of("/api/v1/identities", "/api/v1/identity/x/chunks", "/api/v1/identity/x/profile-image")) {
            var refused = ApiTestSupport.get(server, path, "X-API-Key", ApiTestSupport.READ_KEY);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(ApiTestSupport.json(refused).get("success").asBoolean()).isFalse();
        }
        var write = ApiTestSupport.post(server, "/api/v1/identity/x/bind", "X-API-Key", ApiTestSupport.READ_KEY);
        assertThat(write.statusCode()).isEqualTo(403);
    }

    @Test
    void theOpenApiDocumentDescribesSeed000sBodies() {
        JsonNode doc = ApiTestSupport.json(ApiTestSupport.get(server, "/openapi.json", "X-API-Key", ApiTestSupport.ADMIN_KEY));
        JsonNode identity = doc.at("/components/schemas/IdentityRecord/properties");
        assertThat(identity.has("identity_uuid")).isTrue();
        assertThat(identity.has("tmdb_id")).isTrue();
        assertThat(identity.get("metadata").size()).as("metadata is any JSON object, not a JsonNode's getters: " + identity.get("metadata"))
                .isLessThan(5);
        assertThat(doc.at("/paths/~1api~1v1~1identity~1{identity_uuid}~1chunks/get/x-required-scope").asText()).isEqualTo("identity-level");
        assertThat(doc.at("/paths/~1api~1v1~1identity~1{identity_uuid}~1profile-image/post/responses").has("415")).isTrue();
    }
}
