package io.facestream.api.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.ConsoleSessions;
import io.facestream.api.JsonBodies;
import io.facestream.api.Routes;
import io.facestream.api.Scope;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The web console at {@code /}: static pages (plain HTML, CSS and ES modules under {@code resources/console/},
 * no build step) that call only the HTTP API, and the sign-in that turns an API key into the session cookie of
 * {@link ConsoleSessions}. The pages hold no data, so they are open; {@code /} sends a browser without a valid
 * session to {@code /signin} when authentication is required.
 */
public final class ConsoleModule implements ApiModule {
    public static final String SESSION_PATH = "/api/console/session";
    private static final String RESOURCES = "console/";
    private static final Pattern ASSET_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(js|css|html|svg)");
    /** Longer than any key this server generates or a person types; bounds what is hashed. */
    private static final int MAX_KEY_LENGTH = 512;

    /** What the page learns at sign-in: who, what it may do, until when, and the token its writes carry. */
    public record SessionView(String name, List<String> scopes, Instant expiresAt, String csrfToken) {
        static SessionView of(ConsoleSessions.Session session) {
            return new SessionView(session.name(), session.scopes().stream().map(Scope::wireName).sorted().toList(),
                    session.expiresAt(), session.csrfToken());
        }
    }

    public record SignIn(String apiKey) {}

    @Override
    public void register(Routes routes) {
        ConsoleSessions sessions = routes.sessions();
        routes.get("/", ctx -> {
            if (sessions.needsSignIn(ctx)) {
                ctx.redirect("/signin");
            } else {
                page(ctx, "index.html");
            }
        }).open().hidden("the console's page: HTML, not an API; it holds no data (open so it can redirect to sign-in)");
        routes.get("/signin", ctx -> page(ctx, "signin.html"))
                .open().hidden("the console's sign-in page: HTML, not an API");
        routes.get("/console/{file}", this::asset)
                .open().hidden("the console's scripts and styles: files, not an API");

        routes.post(SESSION_PATH, ctx -> {
            JsonNode body = JsonBodies.object(ctx);
            String key = JsonBodies.text(body, "api_key", MAX_KEY_LENGTH)
                    .filter(k -> !k.isBlank())
                    .orElseThrow(() -> ApiException.validation("api_key: required"));
            ctx.json(SessionView.of(sessions.signIn(ctx, key.trim())));
        }).open() // it is the sign-in: the key is in the body
                .summary("Sign the web console in: an API key becomes a signed, expiring session cookie")
                .description("Sets the HttpOnly, SameSite=Strict cookie " + ConsoleSessions.COOKIE + " naming the key's "
                        + "principal and scopes (never the internal scope). The cookie authenticates GET routes, media "
                        + "and the WebSockets; a write with it must also send the returned csrf_token as "
                        + ConsoleSessions.CSRF_HEADER + ". Routes marked key-only (/metrics, /internal) refuse it.")
                .tags("console")
                .jsonBody(SignIn.class, "The API key")
                .responds(200, "Signed in", SessionView.class)
                .responds(401, "No such key")
                .responds(422, "api_key missing");
        routes.get(SESSION_PATH, ctx -> ctx.header("Cache-Control", "no-store").json(SessionView.of(sessions.current(ctx)
                        .orElseThrow(() -> new ApiException(io.facestream.api.ErrorKind.UNAUTHENTICATED, "Not signed in.")))))
                .open() // answers from the cookie alone
                .summary("The console's current session (its principal, scopes and CSRF token)")
                .tags("console")
                .responds(200, "Signed in", SessionView.class)
                .responds(401, "Not signed in");
        routes.delete(SESSION_PATH, ctx -> {
            sessions.signOut(ctx);
            ctx.status(204);
        }).open() // clearing one's own cookie needs no credential
                .summary("Sign the console out: clears the session cookie")
                .tags("console")
                .responds(204, "Cookie cleared");
    }

    private static void page(Context ctx, String name) throws IOException {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType("text/html; charset=utf-8").result(read(name));
    }

    private void asset(Context ctx) throws IOException {
        String name = ctx.pathParam("file");
        if (!ASSET_NAME.matcher(name).matches()) {
            throw ApiException.notFound("No console file " + name);
        }
        byte[] bytes = read(name);
        String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css"
                : name.endsWith(".svg") ? "image/svg+xml" : "text/html";
        ctx.header("Cache-Control", "no-cache").header("X-Content-Type-Options", "nosniff")
                .contentType(type + "; charset=utf-8").result(bytes);
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = ConsoleModule.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw ApiException.notFound("No console file " + name);
            }
            return in.readAllBytes();
        }
    }
}
