package io.facestream.ingest.source;

import io.facestream.schemas.camera.CameraUrls;

import java.time.Duration;
import java.util.Locale;

/**
 * What to open and how to sample it.
 *
 * @param url           a file path, {@code file:}, {@code rtsp:}/{@code rtsps:} or {@code http(s):} URL (MJPEG, HLS, progressive)
 * @param rtspTransport "tcp" (default: survives lossy networks) or "udp"
 * @param readTimeout   a read that blocks longer than this fails, so a hung stream is noticed
 * @param sampleFps     frames per second handed on; 0 hands on every decoded frame
 * @param maxWidth      frames wider than this are scaled down (aspect kept) before detection; 0 for no cap
 * @param maxHeight     frames taller than this are scaled down (aspect kept); 0 for no cap
 */
public record SourceSpec(String url, String rtspTransport, Duration readTimeout, double sampleFps, int maxWidth, int maxHeight) {

    public enum Kind { FILE, RTSP, HTTP }

    public SourceSpec {
        if (url == null || url.isBlank()) throw new IllegalArgumentException("a source needs a URL or file path");
        if (!rtspTransport.equals("tcp") && !rtspTransport.equals("udp"))
            throw new IllegalArgumentException("rtsp transport must be tcp or udp, got '" + rtspTransport + "'");
        if (sampleFps < 0) throw new IllegalArgumentException("sample fps must be >= 0, got " + sampleFps);
        if (maxWidth < 0 || maxHeight < 0) throw new IllegalArgumentException("resolution caps must be >= 0");
    }

    public static SourceSpec of(String url) {
        return new SourceSpec(url, "tcp", Duration.ofSeconds(10), 0, 0, 0);
    }

    public SourceSpec withSampleFps(double fps) {
        return new SourceSpec(url, rtspTransport, readTimeout, fps, maxWidth, maxHeight);
    }

    public SourceSpec withMaxSize(int width, int height) {
        return new SourceSpec(url, rtspTransport, readTimeout, sampleFps, width, height);
    }

    public SourceSpec withReadTimeout(Duration timeout) {
        return new SourceSpec(url, rtspTransport, timeout, sampleFps, maxWidth, maxHeight);
    }

    public SourceSpec withRtspTransport(String transport) {
        return new SourceSpec(url, transport, readTimeout, sampleFps, maxWidth, maxHeight);
    }


    public Kind kind() {
        String scheme = scheme();
        return switch (scheme) {
            case "rtsp", "rtsps" -> Kind.RTSP;
            case "http", "https" -> Kind.HTTP;
            default -> Kind.FILE;
        };
    }

    /** Live sources are stamped with capture wall-clock time; files with base time + media time. */
    public boolean live() {
        return kind() != Kind.FILE;
    }

    private String scheme() {
        int colon = url.indexOf(':');
        // A one-letter scheme is a Windows drive, a missing one a plain path.
        if (colon <= 1) return "file";
        return url.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    /** The URL with any user:password removed, for logs and API responses. */
    public String redactedUrl() {
        return redact(url);
    }

    /** Credentials masked by the one camera-URL rule ({@link CameraUrls#mask}). */
    public static String redact(String url) {
        return CameraUrls.mask(url);
    }
}
