package io.facestream.api;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.IDENTITY_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.get;
import static io.facestream.api.ApiTestSupport.json;
import static io.facestream.api.ApiTestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The auth matrix of API.md against a started server, over real HTTP. */
class ApiAuthTest {
    private static ApiServer server;
    private static ApiServer ssoServer;
    private static ApiServer devServer;

    @BeforeAll
    static void start() {
        server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())),
                List.of(ApiTestSupport.TEST_ROUTES));
        ssoServer = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())
                        .withSso("X-Email", "X-User", EnumSet.of(Scope.READ))),
                List.of(ApiTestSupport.TEST_ROUTES));
        devServer = ApiServer.start(ApiTestSupport.config(AuthConfig.disabled()), List.of(ApiTestSupport.TEST_ROUTES));
    }

    @AfterAll
    static void stop() {
        server.close();
        ssoServer.close();
        devServer.close();
    }

    @Test
    void noCredentialIs401WithChallengeAndMessage() {
        HttpResponse<String> response = get(server, "/api/test/items");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(json(response).get("detail").asText()).isEqualTo("Authentication required.");
    }

    @Test
    void wrongKeyIs401InvalidApiKeyInBothSpellings() {
        for (String[] header : List.of(new String[] {"Authorization", "Bearer not-a-key"},
                new String[] {"X-API-Key", "not-a-key"})) {
            HttpResponse<String> response = get(server, "/api/test/items", header);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(response).get("detail").asText()).isEqualTo("Invalid API key.");
        }
    }

    @Test
    void bearerAndXApiKeyBothAuthenticate() {
        HttpResponse<String> bearer = get(server, "/api/test/items", "Authorization", "Bearer " + READ_KEY);
        HttpResponse<String> apiKey = get(server, "/api/test/items", "X-API-Key", READ_KEY);
        HttpResponse<String> lowerCaseScheme = get(server, "/api/test/items", "Authorization", "bearer " + READ_KEY);
        assertThat(List.of(bearer.statusCode(), apiKey.statusCode(), lowerCaseScheme.statusCode()))
                .containsOnly(200);
        assertThat(json(bearer).get("item_name").asText()).isEqualTo("first");
        assertThat(json(get(server, "/api/test/me", "X-API-Key", READ_KEY)).get("name").asText())
                .isEqualTo("dashboard");
    }

    @Test
    void nonBearerAuthorizationCountsAsNoCredential() {
        HttpResponse<String> response = get(server, "/api/test/items", "Authorization", "Basic dXNlcjpwYXNz");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).get("detail").asText()).isEqualTo("Authentication required.");
    }

    @Test
    void readKeyOnAdminRouteIs403AndAdminKeyPasses() {
        HttpResponse<String> refused = post(server, "/api/test/items", "X-API-Key", READ_KEY);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(json(refused).get("detail").asText()).contains("'admin' scope");
        assertThat(post(server, "/api/test/items", "X-API-Key", ADMIN_KEY).statusCode()).isEqualTo(201);
    }

    @Test
    void identityLevelScopeGuardsSeed000PathsInThatSeedsShape() {
        HttpResponse<String> refused = get(server, "/api/v1/identities", "X-API-Key", READ_KEY);
        assertThat(refused.statusCode()).isEqualTo(403);
        JsonNode body = json(refused);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("error").asText()).contains("'identity-level' scope");
        assertThat(get(server, "/api/v1/identities", "X-API-Key", IDENTITY_KEY).statusCode()).isEqualTo(200);
        assertThat(get(server, "/api/v1/identities", "X-API-Key", ADMIN_KEY).statusCode()).isEqualTo(200);
        // ...and the identity-level key reaches nothing else.
        assertThat(get(server, "/api/test/items", "X-API-Key", IDENTITY_KEY).statusCode()).isEqualTo(403);
    }

    @Test
    void seed004PathsAnswerAuthErrorsInTheEnvelope() {
        HttpResponse<String> response = post(server, "/api/v1/register");
        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode body = json(response);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("data").isNull()).isTrue();
        assertThat(body.get("error").get("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(body.get("error").get("message").asText()).isEqualTo("Authentication required.");
    }

    @Test
    void ssoHeaderIsIgnoredWhenDisabled() {
        HttpResponse<String> response = get(server, "/api/test/items", "X-Email", "mallory@example.com");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).get("detail").asText()).isEqualTo("Authentication required.");
    }

    @Test
    void ssoHeaderIsHonouredWhenEnabledWithItsScopes() {
        HttpResponse<String> me = get(ssoServer, "/api/test/me", "X-Email", "alice@example.com", "X-User", "Alice");
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(json(me).get("email").asText()).isEqualTo("alice@example.com");
        assertThat(json(me).get("name").asText()).isEqualTo("Alice");
        assertThat(json(me).get("via").asText()).isEqualTo("SSO_HEADER");
        // The configured SSO scopes are read only here.
        assertThat(post(ssoServer, "/api/test/items", "X-Email", "alice@example.com").statusCode()).isEqualTo(403);
        // Keys still work beside SSO.
        assertThat(post(ssoServer, "/api/test/items", "X-API-Key", ADMIN_KEY).statusCode()).isEqualTo(201);
        assertThat(get(ssoServer, "/api/test/items").statusCode()).isEqualTo(401);
    }

    @Test
    void healthIsOpen() {
        HttpResponse<String> response = get(server, "/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void serviceRoutesNeedACredential() {
        for (String path : List.of("/metrics", "/openapi.json", "/docs")) {
            assertThat(get(server, path).statusCode()).as(path).isEqualTo(401);
            assertThat(get(server, path, "X-API-Key", READ_KEY).statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void authOffAdmitsAnonymousButStillRefusesAWrongKey() {
        HttpResponse<String> me = get(devServer, "/api/test/me");
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(json(me).get("via").asText()).isEqualTo("ANONYMOUS");
        assertThat(post(devServer, "/api/test/items").statusCode()).isEqualTo(201);
        assertThat(get(devServer, "/api/test/items", "X-API-Key", "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void webSocketUpgradeIsAuthenticated() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/api/test/ws");
        assertThatThrownBy(() -> ApiTestSupport.CLIENT.newWebSocketBuilder()
                .buildAsync(uri, new WebSocket.Listener() {}).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(401));

        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket socket = ApiTestSupport.CLIENT.newWebSocketBuilder().header("X-API-Key", READ_KEY)
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("hi", true);
        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo:hi");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }

    @Test
    void apiKeySpecsParse() {
        ApiKey key = ApiKey.parse("ops:admin+identity-level:sha256:" + "ab".repeat(32));
        assertThat(key.name()).isEqualTo("ops");
        assertThat(key.scopes()).containsExactlyInAnyOrder(Scope.ADMIN, Scope.IDENTITY_LEVEL);
        assertThat(ApiKey.parse("dash:read:s3cret:with:colons").matches(ApiKey.sha256("s3cret:with:colons"))).isTrue();
        assertThat(AuthConfig.parseKeys(" a:read:x , b:admin:y ")).extracting(ApiKey::name).containsExactly("a", "b");
        assertThatThrownBy(() -> ApiKey.parse("ops:root:x")).hasMessageContaining("unknown API scope");
        assertThatThrownBy(() -> ApiKey.parse("ops:admin")).hasMessageContaining("name:scope");
        assertThat(key.toString()).doesNotContain("ab".repeat(4));
    }
}
