package io.facestream.api;

/**
 * An error a client can act on. Throw it from any handler: the server answers with the status and body
 * shape of the route's {@link ErrorFamily}, and the message is shown to the client as it is, so it must
 * say what to fix and must not carry internals.
 */
public class ApiException extends RuntimeException {
    private final ErrorKind kind;

    public ApiException(ErrorKind kind, String message) {
        super(message, null, false, false); // a client error needs no stack trace
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static ApiException notFound(String message) {
        return new ApiException(ErrorKind.NOT_FOUND, message);
    }

    public static ApiException validation(String message) {
        return new ApiException(ErrorKind.VALIDATION, message);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(ErrorKind.BAD_REQUEST, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(ErrorKind.CONFLICT, message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(ErrorKind.SERVICE_UNAVAILABLE, message);
    }
}
