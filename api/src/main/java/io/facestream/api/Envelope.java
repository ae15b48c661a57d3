package io.facestream.api;

/** Seed 004's response envelope: {@code {"success", "data", "error": {"code", "message"}}}. */
public record Envelope<T>(boolean success, T data, Error error) {
    public record Error(String code, String message) {}

    public static <T> Envelope<T> ok(T data) {
        return new Envelope<>(true, data, null);
    }

    public static Envelope<Void> failure(String code, String message) {
        return new Envelope<>(false, null, new Error(code, message));
    }
}
