package io.facestream.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * One configured API key. Only the SHA-256 of the secret is kept, so a heap dump or a logged config
 * object does not give the key away, and the check compares fixed-length hashes in constant time.
 */
public record ApiKey(String name, byte[] sha256, Set<Scope> scopes) {
    public ApiKey {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an API key needs a name (it names the principal in logs)");
        }
        if (sha256 == null || sha256.length != 32) {
            throw new IllegalArgumentException("API key '" + name + "': a SHA-256 hash is 32 bytes");
        }
        if (scopes == null || scopes.isEmpty()) {
            throw new IllegalArgumentException("API key '" + name + "' has no scope");
        }
        sha256 = sha256.clone();
        scopes = Set.copyOf(EnumSet.copyOf(scopes));
    }

    /** A key given in clear; only its hash is kept. */
    public static ApiKey ofSecret(String name, String secret, Set<Scope> scopes) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("API key '" + name + "' is empty");
        }
        return new ApiKey(name, sha256(secret), scopes);
    }

    /** A key given as the hex SHA-256 of its secret (e.g. {@code printf %s "$KEY" | sha256sum}). */
    public static ApiKey ofSha256Hex(String name, String hex, Set<Scope> scopes) {
        try {
            return new ApiKey(name, HexFormat.of().parseHex(hex.trim()), scopes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("API key '" + name + "': not a hex SHA-256 hash", e);
        }
    }

    /**
     * Parses one key of the configuration: {@code name:scope[+scope...]:sha256:<64 hex>} or
     * {@code name:scope[+scope...]:<secret in clear>}, e.g. {@code ops:admin:sha256:9f86d0...} or
     * {@code dashboard:read+identity-level:s3cret}.
     */
    public static ApiKey parse(String spec) {
        String[] parts = spec.trim().split(":", 3);
        if (parts.length < 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isEmpty()) {
            throw new IllegalArgumentException(
                    "an API key is name:scope[+scope]:secret or name:scope[+scope]:sha256:<hex>, got '"
                            + parts[0] + ":...'");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String scope : parts[1].split("\\+")) {
            scopes.add(Scope.parse(scope));
        }
        return parts[2].startsWith("sha256:")
                ? ofSha256Hex(parts[0].trim(), parts[2].substring("sha256:".length()), scopes)
                : ofSecret(parts[0].trim(), parts[2], scopes);
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Constant-time comparison against the hash of a presented key. */
    boolean matches(byte[] presentedSha256) {
        return MessageDigest.isEqual(sha256, presentedSha256);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ApiKey key && name.equals(key.name) && Arrays.equals(sha256, key.sha256)
                && scopes.equals(key.scopes);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return "ApiKey[" + name + ", scopes=" + scopes + "]";
    }
}
