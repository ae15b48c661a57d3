package io.facestream.api;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The HMAC-SHA256 key that signs the console's session cookies ({@link ConsoleSessions}). Configured, it is shared by
 * every instance behind one address, so a cookie one signed is accepted by the others and survives restarts; drawn at
 * random, it lives and dies with the process. Its bytes never appear in {@link #toString()}.
 */
public final class SessionKey {
    /** 256 bits: as long as the HMAC-SHA256 output, as RFC 2104 recommends; a shorter secret is refused. */
    public static final int MIN_LENGTH = 32;

    private final byte[] bytes;
    private final boolean configured;

    private SessionKey(byte[] bytes, boolean configured) {
        this.bytes = bytes;
        this.configured = configured;
    }

    /** A configured secret of at least {@value #MIN_LENGTH} characters (for example {@code openssl rand -hex 32}). */
    public static SessionKey of(String secret) {
        if (secret == null || secret.strip().length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the console session key must be at least " + MIN_LENGTH
                    + " characters (for example: openssl rand -hex 32)");
        }
        return new SessionKey(secret.strip().getBytes(StandardCharsets.UTF_8), true);
    }

    /** A key of this process alone. */
    public static SessionKey random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new SessionKey(bytes, false);
    }

    /** Whether it came from the configuration (shared) rather than drawn for this process. */
    public boolean configured() {
        return configured;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return configured ? "SessionKey[configured]" : "SessionKey[random per process]";
    }
}
