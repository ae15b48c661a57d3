package io.facestream.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Keys, a small test-only route module, an HTTP client and image builders shared by the API tests. */
public final class ApiTestSupport {
    public static final String ADMIN_KEY = "admin-key-0123456789";
    public static final String READ_KEY = "read-key-0123456789";
    public static final String IDENTITY_KEY = "identity-key-0123456789";
    /** The key instances present to each other (/internal/views). */
    public static final String INTERNAL_KEY = "internal-key-0123456789";

    public static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ApiTestSupport() {}

    public static List<ApiKey> keys() {
        return List.of(
                ApiKey.ofSecret("ops", ADMIN_KEY, EnumSet.of(Scope.ADMIN)),
                ApiKey.ofSha256Hex("dashboard", java.util.HexFormat.of().formatHex(ApiKey.sha256(READ_KEY)),
                        EnumSet.of(Scope.READ)),
                ApiKey.parse("indexer:identity-level:" + IDENTITY_KEY),
                ApiKey.ofSecret("internal", INTERNAL_KEY, EnumSet.of(Scope.INTERNAL)));
    }

    public static ApiConfig config(AuthConfig auth) {
        return new ApiConfig("127.0.0.1", 0, auth, UploadLimits.defaults());
    }

    public record Item(String itemName, int itemCount) {}

    public record WhoAmI(String name, String email, String via) {}

    public record ImageInfo(String field, String format, int width, int height) {
        public static ImageInfo of(UploadedImage image) {
            return new ImageInfo(image.field(), image.format().name(), image.width(), image.height());
        }
    }

    /** Test-only routes: one per behaviour the server must give every module. */
    public static final ApiModule TEST_ROUTES = routes -> {
        routes.get("/api/test/items", ctx -> ctx.json(new Item("first", 1)))
                .summary("List test items").tags("test").responds(200, "The items", Item.class);
        routes.post("/api/test/items", ctx -> ctx.status(201).json(new Item("created", 2)))
                .summary("Create a test item").tags("test");
        routes.get("/api/test/me", ctx -> {
            Principal principal = Principal.of(ctx);
            ctx.json(new WhoAmI(principal.name(), principal.email(), principal.via().name()));
        });
        routes.get("/api/test/validate", ctx -> ctx.json(Map.of("limit",
                ctx.queryParamAsClass("limit", Integer.class).check(n -> n > 0, "must be positive").get())));
        routes.get("/api/test/boom", ctx -> {
            throw new IllegalStateException("secret internal detail at db password=hunter2");
        });
        routes.post("/api/test/upload", ctx -> ctx.json(ImageInfo.of(routes.uploads().image(ctx, "file"))))
                .summary("Upload one image").multipart("An image", RouteSpec.FormField.file("file", true, "JPEG or PNG"))
                .scope(Scope.READ);
        routes.post("/api/test/upload-many", ctx -> ctx.json(routes.uploads().images(ctx, "images", 1, 5).stream()
                .map(ImageInfo::of).toList())).scope(Scope.READ);
        routes.post("/api/test/raw", ctx -> ctx.json(ImageInfo.of(routes.uploads().body(ctx)))).scope(Scope.READ);
        routes.post("/api/test/decode", ctx -> {
            ctx.json(routes.uploads().image(ctx, "file")
                    .withPixels(pixels -> Map.of("width", pixels.width(), "height", pixels.height())));
        }).scope(Scope.READ);
        // Seed 004's family (envelope) and seed 000's (success flag), by path.
        routes.post("/api/v1/register", ctx -> ctx.json(Envelope.ok(ImageInfo.of(routes.uploads().image(ctx, "image")))))
                .summary("Register (test stand-in)")
                .multipart("A face", RouteSpec.FormField.text("name", true, "Name"),
                        RouteSpec.FormField.file("image", true, "Face image"));
        routes.get("/api/v1/identities", ctx -> ctx.json(Map.of("success", true, "count", 0)));
        routes.ws("/api/test/ws", ws -> ws.onMessage(msg -> msg.send("echo:" + msg.message())));
    };

    public static String url(ApiServer server, String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    public static HttpRequest.Builder request(ApiServer server, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url(server, path))).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    public static HttpResponse<String> get(ApiServer server, String path, String... headers) {
        return send(request(server, path, headers).GET().build());
    }

    public static HttpResponse<String> post(ApiServer server, String path, String... headers) {
        return send(request(server, path, headers).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return ApiJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    /** A multipart/form-data body: name, filename (null for a text field), content type, bytes. */
    public record Part(String name, String filename, String contentType, byte[] bytes) {
        public static Part file(String name, String filename, String contentType, byte[] bytes) {
            return new Part(name, filename, contentType, bytes);
        }

        public static Part text(String name, String value) {
            return new Part(name, null, null, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A multipart upload as a careful client sends one: with {@code Expect: 100-continue}. The server refuses a
     * request on its headers and closes the connection without reading the body (issue 19), so a client that sends
     * its body unasked may see the connection reset before it reads the refusal.
     */
    public static HttpResponse<String> postMultipart(ApiServer server, String path, List<Part> parts, String... headers) {
        return postMultipart(server, path, true, parts, headers);
    }

    /**
     * With {@code expectContinue}, the body waits for the server's 100 Continue: a request refused on its headers
     * (a missing key, a declared size over the limit) is answered without its body ever being sent.
     */
    public static HttpResponse<String> postMultipart(ApiServer server, String path, boolean expectContinue,
            List<Part> parts, String... headers) {
        String boundary = "facestream-test-boundary-7d1f";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Part part : parts) {
            StringBuilder head = new StringBuilder("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(part.name()).append('"');
            if (part.filename() != null) {
                head.append("; filename=\"").append(part.filename()).append('"');
            }
            head.append("\r\n");
            if (part.contentType() != null) {
                head.append("Content-Type: ").append(part.contentType()).append("\r\n");
            }
            head.append("\r\n");
            body.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            body.writeBytes(part.bytes());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(request(server, path, headers).expectContinue(expectContinue)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build());
    }

    /** A noisy picture, so JPEG has entropy-coded data worth cutting. */
    public static byte[] image(String format, int width, int height) {
        BufferedImage picture = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                picture.setRGB(x, y, random.nextInt(0xFFFFFF));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(picture, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A PNG whose header claims width x height with a few bytes of garbage as pixel data: checking the header
     * refuses it as too large, while decoding it would fail as corrupt, so the answer tells which ran.
     */
    public static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Appends one PNG chunk (length, type, data, CRC). */
    public static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
