package io.facestream.api;

/**
 * What went wrong, independent of how a seed spells it. {@link ErrorFamily} turns a kind into the status and
 * body of the seed a path belongs to; {@link #status()} and {@link #code()} are the defaults.
 */
public enum ErrorKind {
    /** No credential presented (401, "Authentication required."). */
    UNAUTHENTICATED(401, "UNAUTHORIZED"),
    /** A credential presented and wrong (401, "Invalid API key."). */
    INVALID_CREDENTIALS(401, "UNAUTHORIZED"),
    /** A valid credential without the route's scope. */
    FORBIDDEN(403, "FORBIDDEN"),
    NOT_FOUND(404, "NOT_FOUND"),
    METHOD_NOT_ALLOWED(405, "METHOD_NOT_ALLOWED"),
    /** Malformed request syntax (unparseable JSON, a bad Range header). */
    BAD_REQUEST(400, "BAD_REQUEST"),
    /** A missing or invalid field; 422 as FastAPI answers at seeds 001-003, 400 where a seed says so. */
    VALIDATION(422, "VALIDATION_ERROR"),
    /** A request body that arrived under the minimum data rate ({@link ServerLimits#minRequestDataRate}). */
    REQUEST_TIMEOUT(408, "REQUEST_TIMEOUT"),
    CONFLICT(409, "CONFLICT"),
    /** A text field over its documented length ({@link FieldLimits}): 422 in every seed's shape. */
    FIELD_TOO_LONG(422, "VALIDATION_ERROR"),
    /** Bytes over the upload limit. */
    PAYLOAD_TOO_LARGE(413, "PAYLOAD_TOO_LARGE"),
    /** An image whose header announces more pixels than the limit (seed 002: 413). */
    IMAGE_TOO_LARGE(413, "IMAGE_TOO_LARGE"),
    /** Not JPEG or PNG, judged from the bytes (seed 002, seed 000: 415; seed 004: 400 INVALID_IMAGE). */
    UNSUPPORTED_MEDIA_TYPE(415, "UNSUPPORTED_MEDIA_TYPE"),
    /** An empty, truncated or corrupt image. */
    INVALID_IMAGE(400, "INVALID_IMAGE"),
    /** An image without a face (seed 002: 422; seed 004: 400 NO_FACE_DETECTED). */
    NO_FACE_DETECTED(422, "NO_FACE_DETECTED"),
    /** Over a client's request rate (with Retry-After). */
    TOO_MANY_REQUESTS(429, "RATE_LIMITED"),
    /** A dependency is down (recognizer, Kafka), or the server is too busy for now (with Retry-After). */
    SERVICE_UNAVAILABLE(503, "SERVICE_UNAVAILABLE"),
    /** Not enough free disk for an upload, beside what the server keeps free for itself. */
    INSUFFICIENT_STORAGE(507, "INSUFFICIENT_STORAGE"),
    INTERNAL(500, "INTERNAL_ERROR");

    private final int status;
    private final String code;

    ErrorKind(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The kind a bare HTTP status stands for, for errors raised by Javalin itself. */
    static ErrorKind forStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHENTICATED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 408 -> REQUEST_TIMEOUT;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 422 -> VALIDATION;
            case 429 -> TOO_MANY_REQUESTS;
            case 503 -> SERVICE_UNAVAILABLE;
            default -> status >= 500 ? INTERNAL : BAD_REQUEST;
        };
    }
}
