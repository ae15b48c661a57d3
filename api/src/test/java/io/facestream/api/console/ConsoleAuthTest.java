package io.facestream.api.console;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.INTERNAL_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.get;
import static io.facestream.api.ApiTestSupport.json;
import static io.facestream.api.ApiTestSupport.request;
import static io.facestream.api.ApiTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiModule;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.ConsoleSessions;
import io.facestream.api.Scope;
import io.facestream.api.SessionKey;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's sign-in cookie over real HTTP: where it is accepted, where refused, and CSRF. */
class ConsoleAuthTest {
    private static final ApiModule KEY_ONLY_ROUTES = routes -> {
        routes.get("/api/test/key-only", ctx -> ctx.result("ok")).keyOnly();
        routes.get("/internal/test", ctx -> ctx.result("ok")).scope(Scope.INTERNAL);
    };

    private static ApiServer server;
    private static ApiServer devServer;
    private static ApiServer ssoServer;

    @BeforeAll
    static void start() {
        server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())),
                List.of(ApiTestSupport.TEST_ROUTES, KEY_ONLY_ROUTES, new ConsoleModule()));
        devServer = ApiServer.start(ApiTestSupport.config(AuthConfig.disabled()), List.of(new ConsoleModule()));
        ssoServer = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())
                .withSso("X-Email", "X-User", java.util.EnumSet.of(Scope.READ))), List.of(new ConsoleModule()));
    }

    @AfterAll
    static void stop() {
        server.close();
        devServer.close();
        ssoServer.close();
    }

    @Test
    void pagesRedirectToSignInWithoutAValidSession() {
        HttpResponse<String> none = get(server, "/");
        assertThat(none.statusCode()).isEqualTo(302);
        assertThat(none.headers().firstValue("Location")).hasValue("/signin");
        assertThat(get(server, "/", "Cookie", ConsoleSessions.COOKIE + "=v1.garbage").statusCode()).isEqualTo(302);
        HttpResponse<String> signin = get(server, "/signin");
        assertThat(signin.statusCode()).isEqualTo(200);
        assertThat(signin.body()).contains("id=\"api-key\"");

        HttpResponse<String> page = get(server, "/", "Cookie", signIn(ADMIN_KEY).cookie());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/console/app.js");
        assertThat(get(server, "/console/app.js").headers().firstValue("Content-Type").orElseThrow())
                .startsWith("text/javascript");
        assertThat(get(server, "/console/..%2Fapplication.properties").statusCode()).isEqualTo(404);
        assertThat(get(devServer, "/").statusCode()).as("auth off: no sign-in").isEqualTo(200);
        assertThat(get(ssoServer, "/", "X-Email", "ann@example.org").statusCode()).as("behind the SSO gateway")
                .isEqualTo(200);
        assertThat(get(ssoServer, "/").statusCode()).isEqualTo(302);
    }

    @Test
    void signInSetsAnHttpOnlyStrictExpiringCookieNamingThePrincipal() {
        HttpResponse<String> response = postJson("/api/console/session", "{\"api_key\": \"" + ADMIN_KEY + "\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(ConsoleSessions.COOKIE + "=v1.").contains("HttpOnly", "SameSite=Strict",
                "Path=/", "Max-Age=43200").doesNotContain(ADMIN_KEY);
        JsonNode body = json(response);
        assertThat(body.get("name").asText()).isEqualTo("ops");
        assertThat(body.get("scopes").toString()).isEqualTo("[\"admin\"]");
        assertThat(body.get("csrf_token").asText()).hasSizeGreaterThan(20);

        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        JsonNode me = json(get(server, "/api/test/me", "Cookie", cookie));
        assertThat(me.get("name").asText()).isEqualTo("ops");
        assertThat(me.get("via").asText()).isEqualTo("SESSION_COOKIE");
        assertThat(json(get(server, "/api/console/session", "Cookie", cookie)).get("csrf_token").asText())
                .isEqualTo(body.get("csrf_token").asText());
    }

    @Test
    void wrongMissingOrInternalKeysDoNotSignIn() {
        HttpResponse<String> wrong = postJson("/api/console/session", "{\"api_key\": \"not-a-key\"}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).get("detail").asText()).isEqualTo("Invalid API key.");
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(postJson("/api/console/session", "{}").statusCode()).isEqualTo(422);
        assertThat(postJson("/api/console/session", "{\"api_key\": \"" + "k".repeat(600) + "\"}").statusCode())
                .isEqualTo(422);
        HttpResponse<String> internal = postJson("/api/console/session", "{\"api_key\": \"" + INTERNAL_KEY + "\"}");
        assertThat(internal.statusCode()).isEqualTo(403);
        assertThat(internal.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(get(server, "/api/console/session").statusCode()).isEqualTo(401);
    }

    @Test
    void theCookieIsRefusedOnRoutesThatNeedAnApiKey() {
        String cookie = signIn(ADMIN_KEY).cookie();
        for (String path : List.of("/metrics", "/api/test/key-only", "/internal/test")) {
            HttpResponse<String> response = get(server, path, "Cookie", cookie);
            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(json(response).get("detail").asText()).as(path).contains("needs an API key");
        }
        assertThat(get(server, "/metrics", "X-API-Key", ADMIN_KEY).statusCode()).isEqualTo(200);

        // and the OpenAPI document says so, route by route
        JsonNode paths = json(get(server, "/openapi.json", "X-API-Key", READ_KEY)).get("paths");
        assertThat(paths.get("/api/test/items").get("get").get("security").toString()).contains("consoleSession");
        assertThat(paths.get("/metrics").get("get").get("security").toString()).doesNotContain("consoleSession");
    }

    @Test
    void aCookieWriteNeedsTheSessionsCsrfTokenAndTheSameOrigin() {
        Session admin = signIn(ADMIN_KEY);
        Session other = signIn(ADMIN_KEY);
        // a forged cross-site form post: the browser would attach the cookie, but not the header
        assertThat(postWith(admin.cookie()).statusCode()).isEqualTo(403);
        assertThat(json(postWith(admin.cookie())).get("detail").asText()).contains(ConsoleSessions.CSRF_HEADER);
        assertThat(postWith(admin.cookie(), ConsoleSessions.CSRF_HEADER, other.csrf()).statusCode())
                .as("another session's token").isEqualTo(403);
        assertThat(postWith(admin.cookie(), ConsoleSessions.CSRF_HEADER, admin.csrf(), "Origin", "http://evil.example")
                .statusCode()).as("another origin").isEqualTo(403);
        assertThat(postWith(admin.cookie(), ConsoleSessions.CSRF_HEADER, admin.csrf()).statusCode()).isEqualTo(201);
        assertThat(postWith(admin.cookie(), ConsoleSessions.CSRF_HEADER, admin.csrf(),
                "Origin", "http://127.0.0.1:" + server.port()).statusCode()).isEqualTo(201);

        Session reader = signIn(READ_KEY);
        assertThat(get(server, "/api/test/items", "Cookie", reader.cookie()).statusCode()).isEqualTo(200);
        assertThat(postWith(reader.cookie(), ConsoleSessions.CSRF_HEADER, reader.csrf()).statusCode())
                .as("the key's scopes travel with the cookie").isEqualTo(403);
    }

    @Test
    void aTamperedOrClearedCookieIsNotASession() {
        Session reader = signIn(READ_KEY);
        String token = reader.cookie().substring(reader.cookie().indexOf('=') + 1);
        String[] parts = token.split("\\.");
        parts[2] = "admin"; // claim more scopes under the same signature
        String forged = ConsoleSessions.COOKIE + "=" + String.join(".", parts);
        assertThat(get(server, "/api/test/items", "Cookie", forged).statusCode()).isEqualTo(401);
        parts = token.split("\\.");
        parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString("ops".getBytes());
        assertThat(get(server, "/api/test/items", "Cookie", ConsoleSessions.COOKIE + "=" + String.join(".", parts))
                .statusCode()).isEqualTo(401);

        HttpResponse<String> out = send(request(server, "/api/console/session", "Cookie", reader.cookie())
                .DELETE().build());
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow())
                .startsWith(ConsoleSessions.COOKIE + "=;").contains("Max-Age=0");
    }

    @Test
    void theCookieOpensWebSocketsFromTheSameOriginOnly() throws Exception {
        String cookie = signIn(READ_KEY).cookie();
        CompletableFuture<String> echoed = new CompletableFuture<>();
        WebSocket ws = ApiTestSupport.CLIENT.newWebSocketBuilder().header("Cookie", cookie)
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/api/test/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        echoed.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("hi", true);
        assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("echo:hi");
        ws.abort();
        assertThatThrownBy(() -> ApiTestSupport.CLIENT.newWebSocketBuilder().header("Cookie", cookie)
                .header("Origin", "http://evil.example")
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/api/test/ws"), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS)).hasStackTraceContaining("status code 403");
    }

    @Test
    void instancesConfiguredWithOneSessionKeyAcceptEachOthersCookiesAndOthersDoNot() {
        String secret = "4f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c";
        AuthConfig shared = AuthConfig.withKeys(ApiTestSupport.keys()).withSessionKey(SessionKey.of(secret));
        try (ApiServer first = ApiServer.start(ApiTestSupport.config(shared), List.of(ApiTestSupport.TEST_ROUTES, new ConsoleModule()));
             ApiServer second = ApiServer.start(ApiTestSupport.config(shared), List.of(ApiTestSupport.TEST_ROUTES, new ConsoleModule()));
             ApiServer otherKey = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())
                     .withSessionKey(SessionKey.of(secret.replace('4', '5')))), List.of(new ConsoleModule()))) {
            Session session = signIn(first, ADMIN_KEY);
            // the second instance takes the first one's cookie for reads and, with its CSRF token, for writes
            HttpResponse<String> there = get(second, "/api/console/session", "Cookie", session.cookie());
            assertThat(there.statusCode()).as(there.body()).isEqualTo(200);
            assertThat(json(there).get("csrf_token").asText()).isEqualTo(session.csrf());
            assertThat(send(request(second, "/api/test/items", "Cookie", session.cookie(), ConsoleSessions.CSRF_HEADER, session.csrf())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(201);
            // an instance with another key, or with the per-process default, does not
            assertThat(get(otherKey, "/api/console/session", "Cookie", session.cookie()).statusCode()).isEqualTo(401);
            assertThat(get(server, "/api/console/session", "Cookie", session.cookie()).statusCode()).isEqualTo(401);
            assertThat(get(server, "/", "Cookie", session.cookie()).statusCode()).isEqualTo(302);
        }
        assertThat(SessionKey.of(secret).toString()).doesNotContain(secret);
        assertThatThrownBy(() -> SessionKey.of("too-short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 characters");
    }

    private record Session(String cookie, String csrf) {}

    private static Session signIn(String key) {
        return signIn(server, key);
    }

    private static Session signIn(ApiServer at, String key) {
        HttpResponse<String> response = send(request(at, "/api/console/session", "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"api_key\": \"" + key + "\"}")).build());
        assertThat(response.statusCode()).isEqualTo(200);
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        return new Session(setCookie.substring(0, setCookie.indexOf(';')), json(response).get("csrf_token").asText());
    }

    private static HttpResponse<String> postJson(String path, String body) {
        return send(request(server, path, "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> postWith(String cookie, String... headers) {
        HttpRequest.Builder builder = request(server, "/api/test/items", "Cookie", cookie);
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return send(builder.POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    }
}
