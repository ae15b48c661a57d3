package io.facestream.api;

import java.util.Arrays;
import java.util.Locale;

/**
 * What an API key may do. A route needs one scope; {@link #ADMIN} satisfies every route but the instances'
 * own ({@link #INTERNAL}), any other scope only itself, so a {@code read} key can neither write nor reach
 * seed 000's identity routes nor export whole views.
 */
public enum Scope {
    /** Writes and everything else. */
    ADMIN("admin"),
    /** GET routes of seeds 001 to 004 and the service's own pages (/metrics, /openapi.json, /docs). */
    READ("read"),
    /** Seed 000's scope: every /api/v1/identities and /api/v1/identity/... route, reads and writes. */
    IDENTITY_LEVEL("identity-level"),
    /**
     * What instances of one cluster ask each other for (/internal/views/...: whole views, face crops and
     * embeddings included). Only the internal key has it; not even an admin key, which a person holds.
     */
    INTERNAL("internal");

    private final String wireName;

    Scope(String wireName) {
        this.wireName = wireName;
    }

    /** The name in configuration, in the OpenAPI document and in error messages. */
    public String wireName() {
        return wireName;
    }

    public boolean satisfies(Scope required) {
        return this == required || (this == ADMIN && required != INTERNAL);
    }

    public static Scope parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(scope -> scope.wireName.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown API scope '" + name + "'; known: "
                        + Arrays.stream(values()).map(Scope::wireName).toList()));
    }

    @Override
    public String toString() {
        return wireName;
    }
}
