package io.facestream.api;

import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a request's credentials into a {@link Principal}, or refuses it (API.md, "Auth"). In the order of
 * seed 002: the trusted SSO header when enabled, then an API key as {@code Authorization: Bearer} or
 * {@code X-API-Key}, then the web console's session cookie ({@link ConsoleSessions}) where the route accepts it.
 * Keys are compared by SHA-256 in constant time, against every configured key, so
 * neither the key nor which key matched leaks through timing.
 */
final class Authenticator {
    static final String MISSING_MESSAGE = "Authentication required.";
    static final String INVALID_MESSAGE = "Invalid API key.";
    static final String API_KEY_HEADER = "X-API-Key";

    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    private final AuthConfig config;
    private final List<ApiKey> keys;
    private final ConsoleSessions sessions;

    Authenticator(AuthConfig config) {
        this.config = config;
        this.keys = config.keys();
        this.sessions = new ConsoleSessions(this, config.sessionKey());
    }

    boolean required() {
        return config.required();
    }

    /** Whether the trusted SSO header, when enabled, names a user on this request. */
    boolean ssoUser(Context ctx) {
        if (!config.ssoEnabled()) {
            return false;
        }
        String email = ctx.header(config.ssoEmailHeader());
        return email != null && !email.isBlank();
    }

    ConsoleSessions sessions() {
        return sessions;
    }

    /** Warns at start where the settings leave the API open, or closed to everyone. */
    void logStartupWarnings() {
        if (!config.required()) {
            LOG.warn("""

                    ************************************************************************
                    *  AUTHENTICATION IS OFF (auth.required=false): anyone who can reach   *
                    *  this port can read and change everything. Local development only.  *
                    ************************************************************************""");
        } else if (keys.isEmpty() && !config.ssoEnabled()) {
            LOG.warn("auth.required=true with no API key and SSO off: every route but GET /health answers 401");
        }
        if (config.ssoEnabled()) {
            LOG.warn("Trusting the {} header as an authenticated user: only safe behind a gateway that removes"
                    + " client-supplied copies of it", config.ssoEmailHeader());
        }
    }

    Principal authenticate(Context ctx, RouteSpec route) {
        if (config.ssoEnabled()) {
            String email = ctx.header(config.ssoEmailHeader());
            if (email != null && !email.isBlank()) {
                String user = config.ssoUserHeader() == null ? null : ctx.header(config.ssoUserHeader());
                return new Principal(user == null || user.isBlank() ? email.trim() : user.trim(), email.trim(),
                        Principal.Via.SSO_HEADER, config.ssoScopes());
            }
        }
        String presented = presentedKey(ctx);
        if (presented == null) {
            Optional<Principal> fromCookie = sessions.authenticate(ctx, route);
            if (fromCookie.isPresent()) {
                return fromCookie.get();
            }
            if (!config.required()) {
                return Principal.anonymous();
            }
            throw new ApiException(ErrorKind.UNAUTHENTICATED, MISSING_MESSAGE);
        }
        return principalForKey(ctx, presented);
    }

    /** The principal of an API key, however it was presented; 401 when no configured key matches. */
    Principal principalForKey(Context ctx, String presented) {
        byte[] presentedHash = ApiKey.sha256(presented);
        ApiKey matched = null;
        for (ApiKey key : keys) { // no early exit: every request costs the same
            if (key.matches(presentedHash)) {
                matched = key;
            }
        }
        if (matched == null) {
            LOG.info("Refused a wrong API key for {} {} from {}", ctx.method(), ctx.path(), ctx.ip());
            throw new ApiException(ErrorKind.INVALID_CREDENTIALS, INVALID_MESSAGE);
        }
        return new Principal(matched.name(), null, Principal.Via.API_KEY, matched.scopes());
    }

    static void authorize(Principal principal, Scope required) {
        if (!principal.has(required)) {
            throw new ApiException(ErrorKind.FORBIDDEN,
                    "This credential lacks the '" + required.wireName() + "' scope this route needs.");
        }
    }

    /** The key of {@code Authorization: Bearer <key>}, else of {@code X-API-Key}; null when neither is given. */
    private static String presentedKey(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            String trimmed = authorization.trim();
            if (trimmed.length() > 7 && trimmed.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                String token = trimmed.substring(7).trim();
                if (!token.isEmpty()) {
                    return token;
                }
            }
        }
        String apiKey = ctx.header(API_KEY_HEADER);
        return apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
    }
}
