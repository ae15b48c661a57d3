package io.facestream.integrations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

/**
 * POSTs each event as JSON to one URL, signed, with retries. The signature is GitHub's and Stripe's scheme:
 * {@code X-Facestream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>}, so
 * a receiver checks both the body and its age (rejecting replays). 5xx, 408, 429 and network errors are retried
 * with exponential backoff and jitter (Failsafe); any other 4xx is the receiver refusing the event, not retried.
 */
public final class WebhookSink {
    public static final String SIGNATURE_HEADER = "X-Facestream-Signature";
    public static final String EVENT_HEADER = "X-Facestream-Event";

    /**
     * @param secret      the shared HMAC key; required (an unsigned webhook would accept anyone's alerts)
     * @param maxAttempts tries per event before it is given up (logged) and the next one goes
     */
    public record Settings(URI url, String secret, int maxAttempts, Duration firstBackoff, Duration maxBackoff, Duration timeout) {
        public Settings {
            if (url == null || !(url.getScheme() != null && url.getScheme().matches("https?")))
                throw new IllegalArgumentException("a webhook URL is http(s)://..., got " + url);
            if (secret == null || secret.length() < 16)
                throw new IllegalArgumentException("a webhook needs a secret of at least 16 characters to sign its bodies");
            if (maxAttempts < 1) throw new IllegalArgumentException("webhook attempts must be at least 1");
        }

        public static Settings of(URI url, String secret) {
            return new Settings(url, secret, 6, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10));
        }
    }

    /** An event the receiver did not take after every attempt, or refused. */
    public static final class DeliveryException extends Exception {
        DeliveryException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Worth another try: a 5xx, 408 or 429 (network errors are IOExceptions of their own). */
    private static final class Retryable extends IOException {
        Retryable(String message) {
            super(message);
        }
    }

    /** The receiver said no (another 4xx): not retried. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final HttpClient http;
    private final RetryPolicy<HttpResponse<String>> retry;

    public WebhookSink(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    WebhookSink(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.retry = RetryPolicy.<HttpResponse<String>>builder()
                .handle(IOException.class)
                .withBackoff(settings.firstBackoff(), settings.maxBackoff())
                .withJitter(0.2)
                .withMaxAttempts(settings.maxAttempts())
                .build();
    }

    /** Delivers one event, retrying; returns the receiver's status once it took it (2xx). */
    public int deliver(String eventType, ObjectNode event) throws DeliveryException {
        String body = event.toString();
        try {
            return Failsafe.with(retry).get(() -> send(eventType, body)).statusCode();
        } catch (FailsafeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new DeliveryException("webhook " + settings.url() + " did not take the " + eventType + " event: " + cause.getMessage(), cause);
        }
    }

    private HttpResponse<String> send(String eventType, String body) throws IOException, InterruptedException, Refused {
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header(EVENT_HEADER, eventType)
                .header(SIGNATURE_HEADER, "t=" + timestamp + ",v1=" + sign(settings.secret(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status >= 200 && status < 300) return response;
        if (status >= 500 || status == 408 || status == 429) throw new Retryable("answered " + status);
        throw new Refused("refused with " + status);
    }

    /** Hex HMAC-SHA256 of {@code "<timestamp>.<body>"}: what a receiver recomputes to check a delivery. */
    public static String sign(String secret, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
