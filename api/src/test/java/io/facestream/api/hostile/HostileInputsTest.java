package io.facestream.api.hostile;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.IDENTITY_KEY;
import static io.facestream.api.ApiTestSupport.INTERNAL_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.FieldLimits;
import io.facestream.api.ServerLimits;
import io.facestream.api.backend.InternalViewsModule;
import io.facestream.api.live.FaceImages;
import io.facestream.api.live.LiveModule;
import io.facestream.api.live.RegisterModule;
import io.facestream.api.poi.PoiModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.topologies.views.Views;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's hostile inputs against the real product (broker, pipeline, models): the internal views only for
 * the internal key, every free-text field's length limit in its seed's shape, HEAD like GET, and the live
 * WebSocket answering a frame with an error message when the analysis pool is full. The server here has one
 * analysis worker and no queue, so a second concurrent image is refused at once.
 */
class HostileInputsTest {
    private static final String ENTRIES = "/internal/views/" + Views.CAMERAS.name() + "/entries";

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static final byte[] FACELESS = ApiTestSupport.image("jpg", 64, 64);

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, ServerLimits.defaults().withAnalysis(1, 0), backend -> List.of(
                new PoiModule(backend), new RegisterModule(backend), new LiveModule(backend),
                new InternalViewsModule(backend.router())));
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theInternalViewsAnswerTheInternalKeyOnly() {
        assertThat(get(ENTRIES).statusCode()).isEqualTo(401);
        for (String key : List.of(READ_KEY, ADMIN_KEY, IDENTITY_KEY)) {
            HttpResponse<String> refused = get(ENTRIES, "X-API-Key", key);
            assertThat(refused.statusCode()).as(key).isEqualTo(403);
            assertThat(json(refused).get("detail").asText()).contains("'internal' scope");
            assertThat(head(ENTRIES, "X-API-Key", key).statusCode()).isEqualTo(403);
        }
        HttpResponse<String> internal = get(ENTRIES, "X-API-Key", INTERNAL_KEY);
        assertThat(internal.statusCode()).as(internal.body()).isEqualTo(200);
        assertThat(json(internal).isObject()).isTrue();
        // the internal key reads views, nothing else
        assertThat(get("/api/v1/poi", "X-API-Key", INTERNAL_KEY).statusCode()).isEqualTo(403);
        assertThat(get("/openapi.json", "X-API-Key", READ_KEY).body()).doesNotContain("/internal/");
    }

    @Test
    void headWithoutAKeyIs401LikeGet() {
        HttpResponse<String> anonymous = head("/api/v1/poi");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(head("/api/v1/poi/poi-00000000", "X-API-Key", "wrong-key").statusCode()).isEqualTo(401);
        HttpResponse<String> keyed = head("/api/v1/poi", "X-API-Key", READ_KEY);
        assertThat(keyed.statusCode()).isEqualTo(200);
        assertThat(keyed.body()).isEmpty();
    }

    @Test
    void poiNotesHaveTheirLimit() {
        HttpResponse<String> over = createPoi("x".repeat(FieldLimits.NOTES + 1));
        assertThat(over.statusCode()).isEqualTo(422);
        assertThat(json(over).get("detail").asText())
                .isEqualTo("Field 'notes' is too long: 2001 characters, over the limit of 2000.");
        // the case: 87 000 characters once gave a 503 carrying Kafka's max.request.size message
        HttpResponse<String> huge = createPoi("y".repeat(87_000));
        assertThat(huge.statusCode()).isEqualTo(422);
        assertThat(huge.body()).doesNotContain("max.request.size");
        // at the limit the notes pass, and the request goes on to the face check
        HttpResponse<String> atLimit = createPoi("z".repeat(FieldLimits.NOTES));
        assertThat(atLimit.statusCode()).isEqualTo(422);
        assertThat(json(atLimit).get("detail").asText()).startsWith("No face detected");
    }

    @Test
    void registerFieldsHaveTheirLimitsInTheEnvelope() {
        assertTooLong(register("n".repeat(FieldLimits.NAME + 1), null, null), "Field 'name' is too long: 201");
        assertTooLong(register("Ada", "r".repeat(FieldLimits.RELATIONSHIP + 1), null), "Field 'relationship' is too long");
        String manyEntries = IntStream.range(0, FieldLimits.METADATA_ENTRIES + 1)
                .mapToObj(i -> "\"k" + i + "\": \"v\"").collect(Collectors.joining(", ", "{", "}"));
        assertTooLong(register("Ada", null, manyEntries), "has 51 entries, over the limit of 50");
        assertTooLong(register("Ada", null, "{\"team\": \"" + "v".repeat(FieldLimits.METADATA_VALUE + 1) + "\"}"),
                "Field 'metadata.team' is too long");
        assertTooLong(register("Ada", null, "{\"" + "k".repeat(FieldLimits.METADATA_KEY + 1) + "\": 1}"),
                "Field 'metadata key' is too long");
        assertTooLong(register("Ada", null, "{\"a\": \"" + "v".repeat(FieldLimits.METADATA_JSON) + "\"}"),
                "Field 'metadata' is too long");
        // at the limits, counted in characters (200 emoji are 400 UTF-16 units), everything passes to the face check
        HttpResponse<String> atLimit = register("\uD83D\uDE00".repeat(FieldLimits.NAME), "r".repeat(FieldLimits.RELATIONSHIP),
                "{\"team\": \"" + "v".repeat(FieldLimits.METADATA_VALUE) + "\"}");
        assertThat(atLimit.statusCode()).as(atLimit.body()).isEqualTo(400);
        assertThat(json(atLimit).get("error").get("code").asText()).isEqualTo("NO_FACE_DETECTED");
    }

    @Test
    void theLiveWebSocketAnswersBusyWhenThePoolIsFull() throws Exception {
        byte[] bomb = Hostile.blackPng(7000, 7000);
        String uri = "ws://127.0.0.1:" + fixture.server.port() + "/api/v1/ws";
        List<FaceImages.Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(FaceImages.Client.connect(ApiTestSupport.CLIENT, uri, "X-API-Key", READ_KEY));
            }
            List<CompletableFuture<Void>> sent = clients.stream().map(client -> CompletableFuture.runAsync(() -> {
                try {
                    client.sendBinary(bomb);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            })).toList();
            sent.forEach(CompletableFuture::join);
            List<JsonNode> answers = new ArrayList<>();
            for (FaceImages.Client client : clients) {
                answers.add(client.next(Duration.ofSeconds(60)));
            }
            long analysed = answers.stream().filter(a -> a.has("faces")).count();
            List<JsonNode> busy = answers.stream().filter(a -> a.has("error")).toList();
            System.out.printf("HOSTILE live WebSocket, 3 concurrent 7000x7000 frames, 1 worker and no queue:"
                    + " %d analysed, %d answered busy%n", analysed, busy.size());
            assertThat(analysed + busy.size()).isEqualTo(3);
            assertThat(analysed).isGreaterThanOrEqualTo(1);
            assertThat(busy).isNotEmpty();
            for (JsonNode error : busy) {
                assertThat(error.get("success").asBoolean()).isFalse();
                assertThat(error.get("error").get("code").asText()).isEqualTo("SERVICE_UNAVAILABLE");
            }
        } finally {
            clients.forEach(FaceImages.Client::close);
        }
    }

    private static void assertTooLong(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode body = json(response);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("data").isNull()).isTrue();
        assertThat(body.get("error").get("code").asText()).isEqualTo("VALIDATION_ERROR");
        assertThat(body.get("error").get("message").asText()).contains(message);
    }

    private static HttpResponse<String> createPoi(String notes) {
        return ApiTestSupport.postMultipart(fixture.server, "/api/v1/poi", List.of(
                Part.file("images", "a.jpg", "image/jpeg", FACELESS), Part.text("notes", notes)), "X-API-Key", ADMIN_KEY);
    }

    private static HttpResponse<String> register(String name, String relationship, String metadata) {
        List<Part> parts = new ArrayList<>(List.of(Part.text("name", name),
                Part.file("image", "a.jpg", "image/jpeg", FACELESS)));
        if (relationship != null) {
            parts.add(Part.text("relationship", relationship));
        }
        if (metadata != null) {
            parts.add(Part.text("metadata", metadata));
        }
        return ApiTestSupport.postMultipart(fixture.server, "/api/v1/register", parts, "X-API-Key", ADMIN_KEY);
    }

    private static HttpResponse<String> get(String path, String... headers) {
        return ApiTestSupport.get(fixture.server, path, headers);
    }

    private static HttpResponse<String> head(String path, String... headers) {
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, headers)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }
}
