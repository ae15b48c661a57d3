package io.facestream.api;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The web console's sign-in, without server-side sessions (the server keeps none): an API key presented once
 * becomes a signed, expiring cookie that names the key's principal and scopes. The token is
 * {@code v1.<expires epoch s>.<scopes>.<base64url name>.<base64url nonce>.<base64url HMAC-SHA256>}, signed with
 * the {@link SessionKey}: by default drawn at random per process, so a restart signs every browser out; configured
 * ({@code api.console.session.key}), shared by the instances behind one address, so any of them accepts the cookie.
 * The token names the key's principal and scopes, not the key: a key removed from the configuration keeps its
 * sessions until they expire or the session key changes.
 *
 * <p>CSRF: the cookie is HttpOnly and SameSite=Strict, and every cookie-authenticated write must also carry
 * {@value #CSRF_HEADER}, a second HMAC of the token which the page learns from the sign-in answer (a cross-site
 * page can neither read it nor make a browser send a custom header without CORS, which this server never
 * allows). A request whose {@code Origin} names another host is refused whatever its method.
 */
public final class ConsoleSessions {
    public static final String COOKIE = "facestream_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    static final Duration LIFETIME = Duration.ofHours(12);
    private static final int MAX_TOKEN_LENGTH = 1024;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();

    private final byte[] signingKey;
    private final Authenticator authenticator;

    ConsoleSessions(Authenticator authenticator, SessionKey key) {
        this.authenticator = authenticator;
        this.signingKey = key.bytes();
    }

    /**
     * Whether a browser must sign in before it sees the console: auth is required (api.auth.required) and the
     * request has neither a valid session cookie nor the trusted SSO header of a gateway-authenticated user.
     */
    public boolean needsSignIn(Context ctx) {
        return authenticator.required() && !authenticator.ssoUser(ctx) && current(ctx).isEmpty();
    }

    /** A signed-in browser: who, what it may do, until when, and the CSRF token its writes carry. */
    public record Session(String name, Set<Scope> scopes, Instant expiresAt, String csrfToken) {}

    /**
     * Checks {@code apiKey} like a header key, then sets the session cookie. The instances' internal scope is
     * never given to a browser; a key with nothing else is refused (403).
     */
    public Session signIn(Context ctx, String apiKey) {
        Principal principal = authenticator.principalForKey(ctx, apiKey);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        principal.scopes().stream().filter(scope -> scope != Scope.INTERNAL).forEach(scopes::add);
        if (scopes.isEmpty()) {
            throw new ApiException(ErrorKind.FORBIDDEN, "This key cannot sign in to the console.");
        }
        Instant expires = Instant.now().plus(LIFETIME).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        String payload = "v1." + expires.getEpochSecond() + "."
                + scopes.stream().map(Scope::wireName).sorted().collect(Collectors.joining("+")) + "."
                + B64.encodeToString(principal.name().getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(nonce);
        String token = payload + "." + B64.encodeToString(hmac("session:" + payload));
        ctx.header("Set-Cookie", cookie(ctx, token, LIFETIME.toSeconds()));
        ctx.header("Cache-Control", "no-store");
        return new Session(principal.name(), scopes, expires, csrfFor(token));
    }

    /** Clears the cookie (the token itself stays valid until it expires: nothing is kept to revoke it). */
    public void signOut(Context ctx) {
        ctx.header("Set-Cookie", cookie(ctx, "", 0));
    }

    /** The session the request's cookie proves, if any and still valid. */
    public Optional<Session> current(Context ctx) {
        String token = ctx.cookie(COOKIE);
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        int lastDot = token.lastIndexOf('.');
        if (lastDot < 0) {
            return Optional.empty();
        }
        String payload = token.substring(0, lastDot);
        byte[] signature;
        try {
            signature = B64_DECODE.decode(token.substring(lastDot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(signature, hmac("session:" + payload))) {
            return Optional.empty();
        }
        String[] parts = payload.split("\\.", -1);
        if (parts.length != 5 || !parts[0].equals("v1")) {
            return Optional.empty();
        }
        Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[1]));
        if (!Instant.now().isBefore(expires)) {
            return Optional.empty();
        }
        Set<Scope> scopes = Arrays.stream(parts[2].split("\\+")).map(Scope::parse)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Scope.class)));
        String name = new String(B64_DECODE.decode(parts[3]), StandardCharsets.UTF_8);
        return Optional.of(new Session(name, scopes, expires, csrfFor(token)));
    }

    /**
     * The principal of a cookie-authenticated request to {@code route}, or empty when no valid cookie came. Refuses
     * the cookie on routes that need an API key, a write without the session's CSRF token, and a request from
     * another origin.
     */
    Optional<Principal> authenticate(Context ctx, RouteSpec route) {
        Optional<Session> session = current(ctx);
        if (session.isEmpty()) {
            return Optional.empty();
        }
        if (!route.acceptsSessionCookie()) {
            throw new ApiException(ErrorKind.UNAUTHENTICATED,
                    "This route needs an API key; the console's session cookie is not accepted here.");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !sameOrigin(origin, ctx.header("Host"))) {
            throw new ApiException(ErrorKind.FORBIDDEN, "Cross-origin request refused.");
        }
        boolean write = !route.method().equals("GET") && !route.method().equals("WS");
        if (write) {
            String presented = ctx.header(CSRF_HEADER);
            if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                    session.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(ErrorKind.FORBIDDEN,
                        "A write signed in by cookie needs the session's " + CSRF_HEADER + " header.");
            }
        }
        return Optional.of(new Principal(session.get().name(), null, Principal.Via.SESSION_COOKIE,
                session.get().scopes()));
    }

    private static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        int scheme = origin.indexOf("://");
        return scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    private String csrfFor(String token) {
        return B64.encodeToString(hmac("csrf:" + token));
    }

    private static String cookie(Context ctx, String value, long maxAgeSeconds) {
        boolean https = "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (https ? "; Secure" : "");
    }

    private byte[] hmac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
