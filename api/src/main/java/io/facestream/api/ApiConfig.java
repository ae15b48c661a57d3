package io.facestream.api;

/**
 * Settings of the API service.
 *
 * @param host    interface to bind ("0.0.0.0" for all)
 * @param port    port to bind; 0 picks a free one (tests), see {@link ApiServer#port()}
 * @param auth    who may call what
 * @param uploads limits on uploaded images
 * @param limits  what one client, and all together, may hold (connections, request rate, image analysis)
 */
public record ApiConfig(String host, int port, AuthConfig auth, UploadLimits uploads, ServerLimits limits) {
    public static final int DEFAULT_PORT = 8000;

    public ApiConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 0-65535");
        }
        if (host == null || host.isBlank() || auth == null || uploads == null || limits == null) {
            throw new IllegalArgumentException("host, auth, uploads and limits are required");
        }
    }

    /** With the default {@link ServerLimits}. */
    public ApiConfig(String host, int port, AuthConfig auth, UploadLimits uploads) {
        this(host, port, auth, uploads, ServerLimits.defaults());
    }

    /** All interfaces, port 8000 (the seeds' port), the given auth, default upload limits. */
    public static ApiConfig of(AuthConfig auth) {
        return new ApiConfig("0.0.0.0", DEFAULT_PORT, auth, UploadLimits.defaults());
    }

    public ApiConfig withHost(String newHost) {
        return new ApiConfig(newHost, port, auth, uploads, limits);
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(host, newPort, auth, uploads, limits);
    }

    public ApiConfig withAuth(AuthConfig newAuth) {
        return new ApiConfig(host, port, newAuth, uploads, limits);
    }

    public ApiConfig withUploads(UploadLimits newUploads) {
        return new ApiConfig(host, port, auth, newUploads, limits);
    }

    public ApiConfig withLimits(ServerLimits newLimits) {
        return new ApiConfig(host, port, auth, uploads, newLimits);
    }
}
