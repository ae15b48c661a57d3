package io.facestream.api;

import io.javalin.http.Context;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who made a request: the name of the API key, the SSO user, or the anonymous developer of
 * {@code auth.required=false}. Handlers read it with {@link #of(Context)} (seed 002's /api/system reports it).
 */
public record Principal(String name, String email, Via via, Set<Scope> scopes) {
    /** How the request authenticated. */
    public enum Via { API_KEY, SSO_HEADER, SESSION_COOKIE, ANONYMOUS }

    static final String ATTRIBUTE = "facestream.principal";

    public Principal {
        scopes = Set.copyOf(scopes);
    }

    static Principal anonymous() {
        return new Principal("anonymous", null, Via.ANONYMOUS, EnumSet.allOf(Scope.class));
    }

    public boolean has(Scope required) {
        return scopes.stream().anyMatch(scope -> scope.satisfies(required));
    }

    /** The request's principal; null on an open route such as /health. */
    public static Principal of(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }
}
