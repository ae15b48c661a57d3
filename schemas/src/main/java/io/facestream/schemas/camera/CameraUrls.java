package io.facestream.schemas.camera;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A camera's URL is a secret ({@code Camera.url}): it may carry a user and password, or a token in its query.
 * The one masking rule for everything that shows it or quotes it (API responses, logs, worker errors):
 * {@code rtsp://user:pass@host/s} reads {@code rtsp://***@host/s} (seed 002's spelling; the host stays, so
 * operators can tell cameras apart), and secret-looking query parameters read {@code password=***}.
 */
public final class CameraUrls {
    /** What a masked secret reads as; a URL sent back with it is an echo of a masked one, not a new URL. */
    public static final String MASK = "***";
    /**
     * userinfo of a URL ({@code scheme://user:pass@}), up to the last '@' before the path, since a password
     * may hold an '@' of its own.
     */
    private static final Pattern USERINFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s]*@");
    private static final Pattern SECRET_PARAM = Pattern.compile(
            "([?&;](?:password|passwd|pass|pwd|token|access_token|auth|key|apikey|api_key|secret|signature|sig)=)[^&;#\\s]*",
            Pattern.CASE_INSENSITIVE);

    private CameraUrls() {
    }

    /** {@code text} (a URL, or a message quoting one) with every credential masked; null stays null. */
    public static String mask(String text) {
        if (text == null) return null;
        String masked = USERINFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + "@"));
        return SECRET_PARAM.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
    }

    /**
     * True for a URL a client sent back as it read it (blank, or carrying the mask): an update with it keeps the
     * stored URL rather than replacing the secret with its masked form.
     */
    public static boolean isEcho(String url) {
        return url == null || url.isBlank() || url.contains(MASK);
    }
}
