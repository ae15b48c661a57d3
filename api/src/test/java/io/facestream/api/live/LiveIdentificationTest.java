package io.facestream.api.live;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static io.facestream.api.ApiTestSupport.postMultipart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.live.FaceImages.Client;
import io.facestream.api.live.FaceImages.Placed;
import io.facestream.api.testing.ApiFixture;
import io.facestream.models.DetectedFace;
import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Person;
import io.facestream.topologies.views.Views;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 004 on the real product: POST /api/v1/register enrols a person from a real photo, and the WebSocket
 * at /api/v1/ws then recognises them in frames while a stranger stays unknown; bad inputs get the exact
 * envelopes; the per-frame latency is measured.
 */
class LiveIdentificationTest {
    private static final Duration ANSWER = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static BufferedImage person;
    static BufferedImage stranger;
    static final List<String> registered = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new RegisterModule(backend), new LiveModule(backend)));
        person = FaceImages.sprites().get(0);
        stranger = FaceImages.sprites().get(1);
    }

    /**
     * Every test registers the same face: each leaves nobody behind, or the next one's frames would match a
     * tie (and the people topic is shared by every test of this JVM).
     */
    @AfterEach
    void forget() {
        registered.forEach(id -> fixture.backend.writes().deletePerson(id));
        registered.forEach(id -> fixture.backend.awaitVisible(() -> fixture.backend.gallery().person(id).isEmpty(), "the deletion"));
        registered.clear();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static HttpResponse<String> register(List<Part> parts, String... headers) {
        return postMultipart(fixture.server, "/api/v1/register", parts, headers);
    }

    private static String registerPerson(String name) {
        HttpResponse<String> response = register(List.of(Part.text("name", name), Part.text("relationship", "Friend"),
                Part.file("image", "photo.jpg", "image/jpeg", FaceImages.jpeg(person))), "Authorization", "Bearer " + ADMIN_KEY);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String id = json(response).get("data").get("person_id").asText();
        registered.add(id);
        return id;
    }

    private static Client socket() throws Exception {
        return Client.connect(ApiTestSupport.CLIENT, "ws://127.0.0.1:" + fixture.server.port() + LiveModule.PATH,
                "Authorization", "Bearer " + READ_KEY);
    }

    @Test
    void registerAnswersTheEnvelopeAndThePersonIsInTheGallery() throws Exception {
        Instant before = Instant.now().minusMillis(1);
        HttpResponse<String> response = register(List.of(Part.text("name", "  Ada Lovelace "),
                Part.text("relationship", "Friend"), Part.text("metadata", "{\"team\": \"blue\", \"floor\": 3}"),
                Part.file("image", "photo.jpg", "image/jpeg", FaceImages.jpeg(person))), "Authorization", "Bearer " + ADMIN_KEY);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.fieldNames()).toIterable().containsExactly("success", "data", "error");
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("error").isNull()).isTrue();
        JsonNode data = body.get("data");
        assertThat(data.fieldNames()).toIterable()
                .containsExactly("person_id", "name", "relationship", "embedding_count", "created_at");
        String id = data.get("person_id").asText();
        registered.add(id);
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(data.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(data.get("relationship").asText()).isEqualTo("Friend");
        assertThat(data.get("embedding_count").asInt()).isEqualTo(1);
        Instant created = Instant.parse(data.get("created_at").asText());
        assertThat(created).isBetween(before, Instant.now());

        // the answer came after the gallery took the person in
        Person stored = fixture.backend.gallery().person(id).orElseThrow();
        assertThat(stored.getName()).isEqualTo("Ada Lovelace");
        assertThat(stored.getRelationship()).isEqualTo("Friend");
        assertThat(stored.getMetadata()).isEqualTo(Map.of("team", "blue", "floor", "3"));
        assertThat(stored.getWatchlist()).as("registered people are not on the watch list").isNull();
        assertThat(stored.getCreatedAt()).isEqualTo(created);
        assertThat(stored.getFaces()).hasSize(1);
        float[] reference = Embeddings.toArray(stored.getFaces().get(0).getEmbedding());
        assertThat(reference).hasSize(512);
        assertThat(Embeddings.similarity(reference, FaceImages.embedding(person))).isGreaterThan(0.99);
        assertThat(fixture.blobs.get(stored.getProfileImageRef())).hasValue(FaceImages.jpeg(person));
    }

    @Test
    void registerTakesAPhotoCroppedTightToTheFace() throws Exception {
        BufferedImage tight = FaceImages.tightCrop(person);
        byte[] photo = FaceImages.jpeg(tight);
        double threshold = fixture.backend.thresholds().person();
        float[] truth = FaceImages.embedding(person);
        List<DetectedFace> plain = fixture.backend.analyzer().analyze(photo);
        assertThat(plain.isEmpty() || Embeddings.similarity(truth, fixture.backend.analyzer().embed(plain.get(0).aligned())) < threshold)
                .as("the crop is one a plain pass misses or misreads").isTrue();

        HttpResponse<String> response = register(List.of(Part.text("name", "Tight Crop"),
                Part.file("image", "id-photo.jpg", "image/jpeg", photo)), "Authorization", "Bearer " + ADMIN_KEY);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String id = json(response).get("data").get("person_id").asText();
        registered.add(id);
        Person stored = fixture.backend.gallery().person(id).orElseThrow();
        float[] reference = Embeddings.toArray(stored.getFaces().get(0).getEmbedding());
        assertThat(Embeddings.similarity(reference, truth)).as("the enrolled face is the person's").isGreaterThanOrEqualTo(threshold);
    }

    @Test
    void registerRefusesBadInputsWithTheSeedsEnvelope() throws Exception {
        byte[] faceless = FaceImages.frame();
        String auth = "Bearer " + ADMIN_KEY;
        assertEnvelope(register(List.of(Part.text("name", "Nobody"), Part.file("image", "wall.jpg", "image/jpeg", faceless)),
                "Authorization", auth), 400, "NO_FACE_DETECTED", "No face detected in the provided image");
        assertEnvelope(register(List.of(Part.text("name", "Nobody"),
                        Part.file("image", "photo.jpg", "image/jpeg", "this is not a picture".getBytes())), "Authorization", auth),
                400, "INVALID_IMAGE", "Invalid image format. Supported: JPEG, PNG");
        assertEnvelope(register(List.of(Part.file("image", "photo.jpg", "image/jpeg", FaceImages.jpeg(person))),
                "Authorization", auth), 400, "VALIDATION_ERROR", "Field 'name' is required.");
        assertEnvelope(register(List.of(Part.text("name", "Nobody")), "Authorization", auth),
                400, "VALIDATION_ERROR", "Expected 1 image (JPEG or PNG) in multipart field 'image', got 0.");
        assertEnvelope(register(List.of(Part.text("name", "Nobody"), Part.text("metadata", "{not json"),
                        Part.file("image", "photo.jpg", "image/jpeg", FaceImages.jpeg(person))), "Authorization", auth),
                400, "VALIDATION_ERROR", "Field 'metadata' must be a JSON object; it is not valid JSON.");
        assertEnvelope(register(List.of(Part.text("name", "Nobody"), Part.text("metadata", "[1, 2]"),
                        Part.file("image", "photo.jpg", "image/jpeg", FaceImages.jpeg(person))), "Authorization", auth),
                400, "VALIDATION_ERROR", "Field 'metadata' must be a JSON object.");
        // a read key may not enrol anyone; no key at all is 401
        assertEnvelope(register(List.of(Part.text("name", "Nobody"), Part.file("image", "p.jpg", "image/jpeg", FaceImages.jpeg(person))),
                "Authorization", "Bearer " + READ_KEY), 403, "FORBIDDEN", null);
        assertEnvelope(register(List.of(Part.text("name", "Nobody"), Part.file("image", "p.jpg", "image/jpeg", FaceImages.jpeg(person)))),
                401, "UNAUTHORIZED", "Authentication required.");
        List<String> names = new ArrayList<>();
        try (var people = fixture.backend.router().<Person>store(Views.PEOPLE.name()).all()) {
            people.forEachRemaining(kv -> names.add(kv.value.getName()));
        }
        assertThat(names).as("a refused request enrols nobody").doesNotContain("Nobody");
    }

    private static void assertEnvelope(HttpResponse<String> response, int status, String code, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        if (message == null) {
            assertThat(body.get("success").asBoolean()).isFalse();
            assertThat(body.get("data").isNull()).isTrue();
            assertThat(body.get("error").get("code").asText()).isEqualTo(code);
            return;
        }
        assertThat(body).isEqualTo(ApiJson.mapper().readTree(
                "{\"success\": false, \"data\": null, \"error\": {\"code\": \"" + code + "\", \"message\": \""
                        + message.replace("\"", "\\\"") + "\"}}"));
    }

    @Test
    void theWebSocketRecognisesTheRegisteredPersonAndNotTheStranger() throws Exception {
        String id = registerPerson("Grace Hopper");
        double threshold = fixture.backend.thresholds().person();
        try (Client ws = socket()) {
            ws.sendBinary(FaceImages.frame(new Placed(person, 100, 80, 200)));
            JsonNode first = ws.next(ANSWER);
            assertThat(first.fieldNames()).toIterable().containsExactly("frame", "faces", "latency_ms");
            assertThat(first.get("frame").asLong()).isEqualTo(1);
            assertThat(first.get("latency_ms").asDouble()).isPositive();
            assertThat(first.get("faces")).hasSize(1);
            JsonNode face = first.get("faces").get(0);
            assertThat(face.get("person").get("person_id").asText()).isEqualTo(id);
            assertThat(face.get("person").get("name").asText()).isEqualTo("Grace Hopper");
            assertThat(face.get("similarity").asDouble()).isGreaterThanOrEqualTo(threshold);
            assertThat(face.get("score").asDouble()).isGreaterThan(0.5);
            assertInside(face.get("bbox"), new Placed(person, 100, 80, 200));

            ws.sendBinary(FaceImages.frame(new Placed(stranger, 380, 60, 200)));
            JsonNode second = ws.next(ANSWER);
            assertThat(second.get("frame").asLong()).isEqualTo(2);
            assertThat(second.get("faces")).hasSize(1);
            JsonNode unknown = second.get("faces").get(0);
            assertThat(unknown.get("person").isNull()).as(second.toString()).isTrue();
            assertThat(unknown.get("similarity").asDouble()).isLessThan(threshold);
            assertInside(unknown.get("bbox"), new Placed(stranger, 380, 60, 200));

            // both at once: one answer, two faces, only the registered one named
            ws.sendBinary(FaceImages.frame(new Placed(person, 40, 80, 200), new Placed(stranger, 400, 80, 200)));
            JsonNode both = ws.next(ANSWER);
            assertThat(both.get("frame").asLong()).isEqualTo(3);
            assertThat(both.get("faces")).hasSize(2);
            List<String> named = new ArrayList<>();
            both.get("faces").forEach(f -> named.add(f.get("person").isNull() ? null : f.get("person").get("person_id").asText()));
            assertThat(named).containsExactlyInAnyOrder(id, null);

            // a bad frame is answered with the envelope and the socket stays open
            ws.sendBinary("not a frame at all".getBytes());
            assertThat(ws.next(ANSWER)).isEqualTo(ApiJson.mapper().readTree("{\"frame\": 4, \"success\": false, \"data\": null,"
                    + " \"error\": {\"code\": \"INVALID_IMAGE\", \"message\": \"Invalid image format. Supported: JPEG, PNG\"}}"));
            ws.sendText("hello");
            assertThat(ws.next(ANSWER)).isEqualTo(ApiJson.mapper().readTree("{\"frame\": 5, \"success\": false, \"data\": null,"
                    + " \"error\": {\"code\": \"BAD_REQUEST\", \"message\": \"Send each frame as a binary message holding JPEG or PNG bytes.\"}}"));
            ws.sendBinary(FaceImages.frame());
            JsonNode empty = ws.next(ANSWER);
            assertThat(empty.get("frame").asLong()).isEqualTo(6);
            assertThat(empty.get("faces")).isEmpty();
            ws.sendBinary(FaceImages.frame(new Placed(person, 300, 100, 180)));
            JsonNode again = ws.next(ANSWER);
            assertThat(again.get("frame").asLong()).isEqualTo(7);
            assertThat(again.get("faces").get(0).get("person").get("person_id").asText()).isEqualTo(id);
        }
    }

    /** The detector's box lies within the drawn sprite (which has a margin around the face). */
    private static void assertInside(JsonNode bbox, Placed placed) {
        int x = bbox.get("x").asInt(), y = bbox.get("y").asInt(), w = bbox.get("w").asInt(), h = bbox.get("h").asInt();
        assertThat(w).isPositive();
        assertThat(h).isPositive();
        assertThat(x).isBetween(placed.x() - 5, placed.x() + placed.width());
        assertThat(y).isBetween(placed.y() - 5, placed.y() + placed.height());
        assertThat(x + w).isBetween(placed.x(), placed.x() + placed.width() + 5);
        assertThat(y + h).isBetween(placed.y(), placed.y() + placed.height() + 5);
    }

    @Test
    void perFrameLatencyOverFiftyFrames() throws Exception {
        String id = registerPerson("Latency Subject");
        byte[] frame = FaceImages.frame(new Placed(person, 200, 80, 200));
        int warmUp = 5, frames = 50;
        double[] server = new double[frames];
        double[] roundTrip = new double[frames];
        try (Client ws = socket()) {
            for (int i = 0; i < warmUp + frames; i++) {
                long start = System.nanoTime();
                ws.sendBinary(frame);
                JsonNode answer = ws.next(ANSWER);
                double elapsed = (System.nanoTime() - start) / 1e6;
                assertThat(answer.get("frame").asLong()).isEqualTo(i + 1);
                assertThat(answer.get("faces").get(0).get("person").get("person_id").asText()).isEqualTo(id);
                if (i >= warmUp) {
                    server[i - warmUp] = answer.get("latency_ms").asDouble();
                    roundTrip[i - warmUp] = elapsed;
                }
            }
        }
        Arrays.sort(server);
        Arrays.sort(roundTrip);
        System.out.printf(Locale.ROOT, "LIVE LATENCY (%d frames %dx%d JPEG %d bytes, 1 face, %d cores): server p50 %.1f ms p99 %.1f ms;"
                        + " round trip p50 %.1f ms p99 %.1f ms%n", frames, FaceImages.FRAME_W, FaceImages.FRAME_H, frame.length,
                Runtime.getRuntime().availableProcessors(), percentile(server, 50), percentile(server, 99),
                percentile(roundTrip, 50), percentile(roundTrip, 99));
        assertThat(percentile(roundTrip, 50)).as("the answer includes the server's work").isGreaterThanOrEqualTo(percentile(server, 50));
    }

    private static double percentile(double[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    @Test
    void theOpenApiDocumentNamesTheWebSocketPath() {
        JsonNode paths = json(ApiTestSupport.get(fixture.server, "/openapi.json", "Authorization", "Bearer " + READ_KEY)).get("paths");
        JsonNode ws = paths.get("/api/v1/ws").get("get");
        assertThat(ws.get("x-websocket").asBoolean()).isTrue();
        assertThat(ws.get("x-required-scope").asText()).isEqualTo("read");
        assertThat(ws.get("description").asText()).contains("Path: /api/v1/ws").contains("binary message");
        JsonNode register = paths.get("/api/v1/register").get("post");
        assertThat(register.get("x-required-scope").asText()).isEqualTo("admin");
        assertThat(register.get("requestBody").get("content").get("multipart/form-data").get("schema").get("required"))
                .extracting(JsonNode::asText).containsExactly("name", "image");
    }

    @Test
    void theUpgradeNeedsAKey() {
        String uri = "ws://127.0.0.1:" + fixture.server.port() + LiveModule.PATH;
        assertThatThrownBy(() -> ApiTestSupport.CLIENT.newWebSocketBuilder()
                .buildAsync(java.net.URI.create(uri), new java.net.http.WebSocket.Listener() {}).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
        assertThatThrownBy(() -> ApiTestSupport.CLIENT.newWebSocketBuilder().header("Authorization", "Bearer wrong-key")
                .buildAsync(java.net.URI.create(uri), new java.net.http.WebSocket.Listener() {}).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
    }
}
