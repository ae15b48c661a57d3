package io.facestream.api;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Authentication settings (API.md, "Auth").
 *
 * @param required      fail closed (the default); false only for local development, and the server says so
 *                      loudly at start
 * @param keys          the API keys, presented as {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}
 * @param ssoEnabled    trust {@code ssoEmailHeader} as proof of a gateway-authenticated user; only safe behind a
 *                      gateway that strips client copies of the header
 * @param ssoEmailHeader the trusted header carrying the user's e-mail (seed 002: {@code X-Email})
 * @param ssoUserHeader  the trusted header carrying the user's display name, optional
 * @param ssoScopes      what an SSO user may do (seed 002 gives gateway users everything: admin)
 * @param sessionKey     the key the console's session cookies are signed with, shared by the instances behind one
 *                       address so any of them accepts a browser's cookie; null: a random key per process (a restart
 *                       signs every browser out)
 */
public record AuthConfig(boolean required, List<ApiKey> keys, boolean ssoEnabled, String ssoEmailHeader,
        String ssoUserHeader, Set<Scope> ssoScopes, SessionKey sessionKey) {

    public static final String DEFAULT_SSO_EMAIL_HEADER = "X-Email";
    public static final String DEFAULT_SSO_USER_HEADER = "X-User";

    public AuthConfig {
        keys = List.copyOf(keys);
        if (ssoEmailHeader == null || ssoEmailHeader.isBlank()) {
            throw new IllegalArgumentException("the SSO e-mail header needs a name");
        }
        ssoScopes = Set.copyOf(ssoScopes);
        sessionKey = sessionKey == null ? SessionKey.random() : sessionKey;
        Set<String> names = new HashSet<>();
        for (ApiKey key : keys) {
            if (!names.add(key.name())) {
                throw new IllegalArgumentException("two API keys are named '" + key.name() + "'");
            }
        }
    }

    /** Fail closed, the given keys, SSO off. */
    public static AuthConfig withKeys(List<ApiKey> keys) {
        return new AuthConfig(true, keys, false, DEFAULT_SSO_EMAIL_HEADER, DEFAULT_SSO_USER_HEADER,
                EnumSet.of(Scope.ADMIN), null);
    }

    /** Local development: no credential needed (a wrong one is still refused). */
    public static AuthConfig disabled() {
        return new AuthConfig(false, List.of(), false, DEFAULT_SSO_EMAIL_HEADER, DEFAULT_SSO_USER_HEADER,
                EnumSet.of(Scope.ADMIN), null);
    }

    /** The same settings with the trusted SSO header switched on. */
    public AuthConfig withSso(String emailHeader, String userHeader, Set<Scope> scopes) {
        return new AuthConfig(required, keys, true, emailHeader, userHeader, scopes, sessionKey);
    }

    /** The same settings with the console's cookies signed by {@code key} (see {@link SessionKey#of}). */
    public AuthConfig withSessionKey(SessionKey key) {
        return new AuthConfig(required, keys, ssoEnabled, ssoEmailHeader, ssoUserHeader, ssoScopes, key);
    }

    /** Parses a comma-separated list of {@link ApiKey#parse} specs; blank gives no key. */
    public static List<ApiKey> parseKeys(String specs) {
        List<ApiKey> keys = new ArrayList<>();
        if (specs != null) {
            for (String spec : specs.split(",")) {
                if (!spec.isBlank()) {
                    keys.add(ApiKey.parse(spec));
                }
            }
        }
        return keys;
    }
}
