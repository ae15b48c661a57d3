package io.facestream.api.cameras;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The camera tests' real HTTP client: reads with a read-only key, writes with the admin key, and every text
 * response kept (body and headers) so a test can check at the end that none of them showed a camera's password.
 */
final class CameraApiClient {
    private final ApiServer server;
    private final List<String> responses = new ArrayList<>();

    CameraApiClient(ApiServer server) {
        this.server = server;
    }

    HttpResponse<String> get(String path) {
        return record(ApiTestSupport.get(server, path, "X-API-Key", READ_KEY));
    }

    HttpResponse<byte[]> getBytes(String path) {
        try {
            return ApiTestSupport.CLIENT.send(ApiTestSupport.request(server, path, "X-API-Key", READ_KEY).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON write (or a bodiless one when {@code json} is null) with the admin key. */
    HttpResponse<String> send(String method, String path, String json) {
        HttpRequest.Builder request = ApiTestSupport.request(server, path, "X-API-Key", ADMIN_KEY, "Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        return record(ApiTestSupport.send(request.build()));
    }

    /** Keeps a response the test got some other way, so the password check covers it too. */
    HttpResponse<String> record(HttpResponse<String> response) {
        synchronized (responses) {
            responses.add(response.body() + " " + response.headers().map());
        }
        return response;
    }

    List<String> responses() {
        synchronized (responses) {
            return List.copyOf(responses);
        }
    }

    /** Reads {@code path} until it answers 200 with a body {@code wanted} accepts. */
    JsonNode await(String path, Predicate<JsonNode> wanted, Duration timeout) throws InterruptedException {
        return ApiTestSupport.json(await(() -> get(path), r -> r.statusCode() == 200 && wanted.test(ApiTestSupport.json(r)), timeout));
    }

    static <T> T await(Supplier<T> read, Predicate<T> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = read.get();
        while (!wanted.test(last)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + "; last: " + describe(last));
            Thread.sleep(200);
            last = read.get();
        }
        return last;
    }

    static void awaitTrue(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        await(condition::getAsBoolean, b -> b, timeout);
    }

    private static String describe(Object value) {
        if (value instanceof HttpResponse<?> r) return r.statusCode() + " " + (r.body() instanceof String s ? s : r.headers().map());
        return String.valueOf(value);
    }
}
