package io.facestream.api;

/**
 * How the seed a path belongs to spells an error. Every error the service answers, from auth to an
 * uncaught exception, is rendered by the family of the route (or, for an unmatched path, of the path).
 */
public enum ErrorFamily {
    /**
     * Seeds 001 (/api/v1 POI, search, cameras, alerts), 002 (/api, /health) and 003 (/api/faces) are FastAPI
     * services: {@code {"detail": "..."}}, 422 for a missing or invalid field. Also the service's own pages.
     */
    DETAIL,
    /**
     * Seed 000 (/api/v1/identities, /api/v1/identity/..., and /api/v1/files, its replayed files) answers {@code {"success": true, ...}}; its errors
     * are {@code {"success": false, "error": "..."}}, and a missing field is 400 as its table says.
     */
    SUCCESS_FLAG,
    /**
     * Seed 004 (/api/v1/register, /api/v1/ws): {@code {"success": false, "data": null, "error": {"code",
     * "message"}}}; a non-image and a faceless image are 400 INVALID_IMAGE and 400 NO_FACE_DETECTED.
     */
    ENVELOPE;

    public record DetailError(String detail) {}

    public record FlagError(boolean success, String error) {}

    /** The family of a path, used where a route does not name its own. */
    public static ErrorFamily forPath(String path) {
        if (path.equals("/api/v1/register") || path.equals("/api/v1/ws") || path.startsWith("/api/v1/ws/")) {
            return ENVELOPE;
        }
        if (path.equals("/api/v1/identities") || path.startsWith("/api/v1/identities/")
                || path.equals("/api/v1/identity") || path.startsWith("/api/v1/identity/") || path.equals("/api/v1/files")) {
            return SUCCESS_FLAG;
        }
        return DETAIL;
    }

    public int status(ErrorKind kind) {
        return switch (this) {
            case DETAIL -> kind.status();
            case SUCCESS_FLAG -> kind == ErrorKind.VALIDATION ? 400 : kind.status();
            case ENVELOPE -> switch (kind) {
                case VALIDATION, UNSUPPORTED_MEDIA_TYPE, NO_FACE_DETECTED -> 400;
                default -> kind.status();
            };
        };
    }

    public String code(ErrorKind kind) {
        return this == ENVELOPE && kind == ErrorKind.UNSUPPORTED_MEDIA_TYPE ? "INVALID_IMAGE" : kind.code();
    }

    public Object body(ErrorKind kind, String message) {
        return switch (this) {
            case DETAIL -> new DetailError(message);
            case SUCCESS_FLAG -> new FlagError(false, message);
            case ENVELOPE -> Envelope.failure(code(kind), message);
        };
    }
}
