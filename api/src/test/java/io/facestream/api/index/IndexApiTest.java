package io.facestream.api.index;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.IDENTITY_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.live.FaceImages;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.Views;
import java.awt.image.BufferedImage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 000 over two real replays with sidecar subtitles: a person on screen for the first three seconds of the
 * lobby video and the last three of the garden video, and a stranger in the lobby's last seconds. One identity has
 * both files with the right frame ranges, and the sentences spoken while it was on screen (none of those spoken
 * while it was not). Then the edits: bind and unbind, identity.json upload, profile image, bad input, delete (last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IndexApiTest {
    static final Instant BASE_A = Instant.parse("2026-11-22T10:00:00Z");
    static final Instant BASE_B = Instant.parse("2026-11-22T11:00:00Z");
    static final int FRAMES = 60; // 6 s at 10 fps

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static String lobby, garden;
    static String person, stranger;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new IndexModule(backend)));
        List<BufferedImage> sprites = FaceImages.sprites();
        lobby = "lobby-" + UUID.randomUUID();
        garden = "garden-" + UUID.randomUUID();
        Path a = FaceImages.video(dir.resolve("lobby.mp4"), FRAMES, List.of(
                new Sprite(sprites.get(0), 0, 29, 150, 180, 200, 180, 150, 150),
                new Sprite(sprites.get(1), 35, 59, 450, 180, 480, 180, 150, 150)));
        Files.writeString(dir.resolve("lobby.srt"), """
                1
                00:00:00,500 --> 00:00:01,500
                Welcome to the lobby.

                2
                00:00:03,500 --> 00:00:06,000
                The hall is empty now.
                """);
        Path b = FaceImages.video(dir.resolve("garden.mp4"), FRAMES, List.of(
                new Sprite(sprites.get(0), 30, 59, 300, 180, 340, 180, 150, 150)));
        Files.writeString(dir.resolve("garden.srt"), """
                1
                00:00:01,000 --> 00:00:02,000
                Nobody has arrived yet.

                2
                00:00:04,000 --> 00:00:05,000
                Here she comes.
                """);
        assertThat(fixture.replay(a, lobby, "lobby-cam", BASE_A).chunks()).isEqualTo(2);
        assertThat(fixture.replay(b, garden, "garden-cam", BASE_B).chunks()).isEqualTo(2);
        // the files view trails the sightings view by two repartitions and a join: wait for it too
        FaceImages.await(() -> finalSightings(lobby) == 2 && finalSightings(garden) == 1
                        && fixture.backend.queries().chunksOf(lobby).size() == 2 && fixture.backend.queries().chunksOf(garden).size() == 2
                        && identitiesInFile(lobby) == 2 && identitiesInFile(garden) == 1,
                Duration.ofSeconds(90), "the replays' sightings, chunks and file summaries");
        for (JsonNode identity : json(get("/api/v1/identities?page_size=200")).get("identities")) {
            List<String> files = new ArrayList<>();
            identity.get("file_uuids").forEach(f -> files.add(f.asText()));
            if (files.contains(lobby) && files.contains(garden)) person = identity.get("identity_uuid").asText();
            else if (files.equals(List.of(lobby))) stranger = identity.get("identity_uuid").asText();
        }
        assertThat(person).as("one identity seen in both files").isNotNull();
        assertThat(stranger).as("the stranger's identity, seen in the lobby only").isNotNull();
    }

    @AfterAll
    static void stop() {
        if (fixture != null) fixture.close();
    }

    private static long finalSightings(String fileId) {
        long n = 0;
        try (var it = fixture.backend.router().<Sighting>store(Views.SIGHTINGS.name()).all()) {
            while (it.hasNext()) {
                Sighting s = it.next().value;
                if (fileId.equals(s.getFileId()) && s.getFinal$()) n++;
            }
        }
        return n;
    }

    private static int identitiesInFile(String fileId) {
        return fixture.backend.queries().files().stream().filter(f -> f.fileId().equals(fileId))
                .mapToInt(f -> f.summary().identities()).findFirst().orElse(-1);
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "X-API-Key", IDENTITY_KEY);
    }

    static HttpResponse<String> postJson(String path, String body) {
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "X-API-Key", IDENTITY_KEY, "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static HttpResponse<String> delete(String path) {
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "X-API-Key", IDENTITY_KEY).DELETE().build());
    }

    static HttpResponse<byte[]> getBytes(String path) throws Exception {
        return ApiTestSupport.CLIENT.send(ApiTestSupport.request(fixture.server, path, "X-API-Key", IDENTITY_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("success").asBoolean()).isTrue();
        return body;
    }

    static void error(HttpResponse<String> response, int status, String messagePart) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("error").asText()).contains(messagePart);
    }

    static JsonNode file(JsonNode files, String fileId) {
        for (JsonNode f : files.get("data")) if (f.get("file_uuid").asText().equals(fileId)) return f;
        throw new AssertionError("no file " + fileId + " in " + files);
    }

    static List<String> texts(JsonNode chunks) {
        List<String> out = new ArrayList<>();
        chunks.get("data").forEach(c -> out.add(c.get("text_content").asText()));
        return out;
    }

    @Test
    @Order(1)
    void oneIdentityInBothFilesWithTheRightFrameRanges() {
        JsonNode detail = ok(get("/api/v1/identity/" + person));
        assertThat(detail.get("identity_uuid").asText()).isEqualTo(person);
        assertThat(detail.get("source").asText()).isEqualTo("auto");
        assertThat(detail.get("status").asText()).isEqualTo("pending");
        assertThat(detail.get("identity_type").asText()).isEqualTo("people");
        assertThat(detail.get("metadata").isObject()).isTrue();
        assertThat(detail.get("reference_data").isObject()).isTrue();
        assertThat(detail.get("created_at").asText()).isNotBlank();
        assertThat(ok(get("/api/v1/identity/" + person.replace("-", ""))).get("identity_uuid").asText())
                .as("a UUID without its dashes finds the identity").isEqualTo(person);

        JsonNode files = ok(get("/api/v1/identity/" + person + "/files"));
        assertThat(files.get("count").asInt()).isEqualTo(2);
        assertThat(files.get("data").get(0).get("file_uuid").asText()).as("in replay order").isEqualTo(lobby);
        JsonNode inLobby = file(files, lobby), inGarden = file(files, garden);
        assertThat(inLobby.get("start_frame").asLong()).isBetween(0L, 2L);
        assertThat(inLobby.get("end_frame").asLong()).isBetween(26L, 29L);
        assertThat(inGarden.get("start_frame").asLong()).isBetween(30L, 32L);
        assertThat(inGarden.get("end_frame").asLong()).isBetween(56L, 59L);
        assertThat(inGarden.get("start_time").asDouble()).isCloseTo(inGarden.get("start_frame").asLong() / 10.0, within(0.051));
        assertThat(inGarden.get("end_time").asDouble()).isCloseTo(inGarden.get("end_frame").asLong() / 10.0, within(0.051));
        assertThat(inLobby.get("fps").asDouble()).isEqualTo(10.0);
        assertThat(inLobby.get("file_name").asText()).isEqualTo("lobby.mp4");
        assertThat(inLobby.get("confidence").asDouble()).isBetween(0.5, 1.0);
        assertThat(inLobby.get("sightings").asInt()).isEqualTo(1);
        assertThat(inLobby.get("detections").asLong()).isGreaterThanOrEqualTo(inLobby.get("face_count").asLong());

        JsonNode faces = ok(get("/api/v1/identity/" + person + "/faces"));
        long lobbyFaces = 0;
        for (JsonNode f : faces.get("data")) {
            long frame = f.get("frame_number").asLong();
            assertThat(f.get("face_id").asText()).isEqualTo(frame + "_0");
            assertThat(f.get("confidence").asDouble()).isBetween(0.5, 1.0);
            if (f.get("file_uuid").asText().equals(lobby)) {
                lobbyFaces++;
                assertThat(frame).isBetween(0L, 29L);
                assertThat(f.get("time").asDouble()).isCloseTo(frame / 10.0, within(0.051));
            } else {
                assertThat(f.get("file_uuid").asText()).isEqualTo(garden);
                assertThat(frame).isBetween(30L, 59L);
            }
        }
        assertThat(lobbyFaces).isEqualTo(inLobby.get("face_count").asLong()).isPositive();
        assertThat(faces.get("count").asInt()).isEqualTo(inLobby.get("face_count").asInt() + inGarden.get("face_count").asInt());
    }

    @Test
    @Order(2)
    void theSentencesSpokenWhileOnScreenAndNoneWhileOff() {
        JsonNode chunks = ok(get("/api/v1/identity/" + person + "/chunks"));
        assertThat(texts(chunks)).containsExactly("Welcome to the lobby.", "Here she comes.");
        JsonNode first = chunks.get("data").get(0);
        assertThat(first.get("file_uuid").asText()).isEqualTo(lobby);
        assertThat(first.get("chunk_id").asText()).isEqualTo(lobby + "_0");
        assertThat(first.get("chunk_type").asText()).isEqualTo("sentence");
        assertThat(first.get("start_frame").asLong()).isEqualTo(5);
        assertThat(first.get("end_frame").asLong()).isEqualTo(15);
        assertThat(first.get("fps").asDouble()).isEqualTo(10.0);
        assertThat(first.get("start_time").asDouble()).isEqualTo(0.5);
        assertThat(first.get("end_time").asDouble()).isEqualTo(1.5);
        assertThat(chunks.get("data").get(1).get("chunk_id").asText()).isEqualTo(garden + "_1");
        assertThat(texts(ok(get("/api/v1/identity/" + stranger + "/chunks")))).containsExactly("The hall is empty now.");
    }

    @Test
    @Order(3)
    void listPagesAndSearchIgnoresCase() {
        JsonNode all = ok(get("/api/v1/identities?page=1&page_size=200"));
        long count = all.get("count").asLong();
        assertThat(count).isGreaterThanOrEqualTo(2).isEqualTo(all.get("identities").size());
        JsonNode second = ok(get("/api/v1/identities?page=2&page_size=1"));
        assertThat(second.get("count").asLong()).isEqualTo(count);
        assertThat(second.get("identities").size()).isEqualTo(1);
        assertThat(second.get("identities").get(0).get("identity_uuid").asText())
                .isEqualTo(all.get("identities").get(1).get("identity_uuid").asText());
        assertThat(second.get("identities").get(0).has("success")).isFalse();
        assertThat(ok(get("/api/v1/identities?page=" + (count + 1) + "&page_size=1")).get("identities").size()).isZero();
        error(get("/api/v1/identities?page=0"), 400, "page");
        error(get("/api/v1/identities?page_size=201"), 400, "page_size");
        error(get("/api/v1/identities/search"), 400, "q is required");

        ok(postJson("/api/v1/identity/upload", """
                {"version": 1, "identity_uuid": "%s", "name": "Ingrid Bergman"}""".formatted(stranger)));
        JsonNode hits = ok(get("/api/v1/identities/search?q=GRID%20b"));
        assertThat(hits.get("count").asInt()).isEqualTo(1);
        JsonNode hit = hits.get("identities").get(0);
        assertThat(hit.get("identity_uuid").asText()).isEqualTo(stranger);
        assertThat(hit.get("name").asText()).isEqualTo("Ingrid Bergman");
        assertThat(hit.get("file_uuid").asText()).isEqualTo(lobby);
        assertThat(hit.get("source").asText()).as("an update keeps the source unless it says otherwise").isEqualTo("auto");
        assertThat(ok(get("/api/v1/identities/search?q=%25")).get("count").asInt()).as("q is literal, not a pattern").isZero();
    }

    @Test
    @Order(4)
    void bindAFaceOfAnotherIdentityThenUnbindIt() {
        JsonNode strangerFaces = ok(get("/api/v1/identity/" + stranger + "/faces"));
        JsonNode face = null;
        for (JsonNode f : strangerFaces.get("data")) {
            long frame = f.get("frame_number").asLong();
            if (face == null && frame >= 35) face = f; // on screen alone, while "The hall is empty now." is spoken
        }
        assertThat(face).as("a kept face of the stranger").isNotNull();
        long frame = face.get("frame_number").asLong();
        String seedId = face.get("face_id").asText();
        int strangerCount = strangerFaces.get("count").asInt();

        // face_{frame} names it: the stranger is alone in those frames
        JsonNode bound = ok(postJson("/api/v1/identity/" + person + "/bind", """
                {"file_uuid": "%s", "face_id": "face_%d"}""".formatted(lobby, frame)));
        assertThat(bound.get("face_id").asText()).isEqualTo(seedId);
        JsonNode personFaces = ok(get("/api/v1/identity/" + person + "/faces"));
        assertThat(personFaces.get("data").findValuesAsText("face_id")).contains(seedId);
        assertThat(ok(get("/api/v1/identity/" + stranger + "/faces")).get("count").asInt()).isEqualTo(strangerCount - 1);
        assertThat(texts(ok(get("/api/v1/identity/" + person + "/chunks"))))
                .as("the bound face puts the person on screen at its frame")
                .containsExactly("Welcome to the lobby.", "The hall is empty now.", "Here she comes.");
        assertThat(ok(postJson("/api/v1/identity/" + person + "/bind", """
                {"file_uuid": "%s", "face_id": "%s"}""".formatted(lobby, seedId))).get("success").asBoolean())
                .as("binding it again changes nothing").isTrue();

        ok(postJson("/api/v1/identity/" + person + "/unbind", """
                {"file_uuid": "%s", "face_id": "%s"}""".formatted(lobby, seedId)));
        assertThat(ok(get("/api/v1/identity/" + person + "/faces")).get("data").findValuesAsText("face_id")).doesNotContain(seedId);
        assertThat(texts(ok(get("/api/v1/identity/" + person + "/chunks")))).containsExactly("Welcome to the lobby.", "Here she comes.");
        assertThat(fixture.backend.queries().face(face.get("id").asText()).orElseThrow().getIdentityId()).isNull();
        error(postJson("/api/v1/identity/" + person + "/unbind", """
                {"file_uuid": "%s", "face_id": "%s"}""".formatted(lobby, seedId)), 400, "is not bound to identity");
    }

    @Test
    @Order(5)
    void anIdentityJsonRenamesUpdatesByNameAndCreates() {
        JsonNode renamed = ok(postJson("/api/v1/identity/upload", """
                {"version": 1, "identity_uuid": "%s", "name": "Cary Grant", "identity_type": "people", "source": "tmdb",
                 "status": "confirmed", "tmdb_id": 112, "metadata": {"tmdb_character": "Roger", "cast_order": 1},
                 "reference_data": {"imdb": "nm0000026"}, "file_bindings": [{"file_uuid": "%s", "trace_ids": [], "face_count": 3}]}"""
                .formatted(person, lobby)));
        assertThat(renamed.get("identity_uuid").asText()).isEqualTo(person);
        assertThat(renamed.get("created").asBoolean()).isFalse();
        assertThat(renamed.get("message").asText()).isEqualTo("Identity uploaded successfully");
        JsonNode detail = ok(get("/api/v1/identity/" + person));
        assertThat(detail.get("name").asText()).isEqualTo("Cary Grant");
        assertThat(detail.get("source").asText()).isEqualTo("tmdb");
        assertThat(detail.get("status").asText()).isEqualTo("confirmed");
        assertThat(detail.get("tmdb_id").asLong()).isEqualTo(112);
        assertThat(detail.get("metadata")).isEqualTo(parse("{\"cast_order\": 1, \"tmdb_character\": \"Roger\"}"));
        assertThat(detail.get("reference_data")).isEqualTo(parse("{\"imdb\": \"nm0000026\"}"));
        assertThat(detail.get("face_count").asInt()).as("the faces stay").isPositive();

        String other = UUID.randomUUID().toString().replace("-", "");
        JsonNode byName = ok(postJson("/api/v1/identity/upload", """
                {"identity_uuid": "%s", "name": "cary grant", "metadata": {"nickname": "Archie"}}""".formatted(other)));
        assertThat(byName.get("identity_uuid").asText()).as("the same name updates that identity").isEqualTo(person);
        assertThat(ok(get("/api/v1/identity/" + person)).get("metadata").get("nickname").asText()).isEqualTo("Archie");
        assertThat(get("/api/v1/identity/" + other).statusCode()).isEqualTo(404);

        JsonNode created = ok(postJson("/api/v1/identity/upload", """
                {"identity_uuid": "%s", "name": "Grace Kelly", "status": "inactive"}""".formatted(other)));
        assertThat(created.get("created").asBoolean()).isTrue();
        JsonNode grace = ok(get("/api/v1/identity/" + other));
        assertThat(grace.get("status").asText()).isEqualTo("inactive");
        assertThat(grace.get("source").asText()).isEqualTo(".json");
        assertThat(grace.get("face_count").asInt()).isZero();
        assertThat(ok(get("/api/v1/identity/" + other + "/files")).get("count").asInt()).isZero();
        assertThat(ok(get("/api/v1/identity/" + other + "/chunks")).get("count").asInt()).isZero();
    }

    @Test
    @Order(6)
    void aProfileImageIsSavedAndServedWithItsType() throws Exception {
        byte[] jpeg = ApiTestSupport.image("jpg", 64, 80);
        JsonNode saved = ok(ApiTestSupport.postMultipart(fixture.server, "/api/v1/identity/" + person + "/profile-image",
                List.of(Part.file("image", "photo.jpg", "image/jpeg", jpeg)), "X-API-Key", IDENTITY_KEY));
        String path = "/api/v1/identity/" + person + "/profile-image";
        assertThat(saved.get("path").asText()).isEqualTo(path);
        assertThat(saved.get("message").asText()).isEqualTo("Profile image saved: profile.jpg");
        HttpResponse<byte[]> fetched = getBytes(path);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(fetched.body()).isEqualTo(jpeg);
        assertThat(ok(get("/api/v1/identity/" + person)).get("tmdb_profile").asText()).isEqualTo(path);

        byte[] png = ApiTestSupport.image("png", 32, 32);
        // the file name and Content-Type are the client's word: the bytes decide
        assertThat(ok(ApiTestSupport.postMultipart(fixture.server, path, List.of(Part.file("image", "photo.jpg", "image/jpeg", png)),
                "X-API-Key", IDENTITY_KEY)).get("message").asText()).isEqualTo("Profile image saved: profile.png");
        fetched = getBytes(path);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(fetched.body()).isEqualTo(png);
    }

    @Test
    @Order(6)
    void theReplayedFilesWithTheirProgressNewestFirst() {
        JsonNode files = ok(get("/api/v1/files"));
        assertThat(files.get("count").asInt()).isEqualTo(files.get("data").size()).isGreaterThanOrEqualTo(2);
        List<String> order = new ArrayList<>();
        files.get("data").forEach(f -> order.add(f.get("file_uuid").asText()));
        assertThat(order.indexOf(garden)).as("the later replay first").isLessThan(order.indexOf(lobby)).isNotNegative();
        JsonNode a = file(files, lobby);
        assertThat(a.get("name").asText()).isEqualTo("lobby.mp4");
        assertThat(a.get("camera_id").asText()).isEqualTo("lobby-cam");
        assertThat(a.get("status").asText()).isEqualTo("completed");
        assertThat(a.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(a.get("frames_processed").asLong()).isEqualTo(FRAMES);
        assertThat(a.get("frame_count").asLong()).isEqualTo(FRAMES);
        assertThat(a.get("faces_detected").asLong()).isPositive();
        assertThat(a.get("sightings").asLong()).isEqualTo(2);
        assertThat(a.get("identities").asInt()).isEqualTo(2);
        assertThat(a.has("path")).as("where the server read it is not shown").isFalse();
        assertThat(file(files, garden).get("identities").asInt()).isEqualTo(1);
        assertThat(ok(get("/api/v1/files?limit=1")).get("data")).hasSize(1);
        error(get("/api/v1/files?limit=0"), 400, "limit");
        error(get("/api/v1/files?limit=201"), 400, "limit");
        // seed 000's scope: a read-only key is refused
        assertThat(ApiTestSupport.get(fixture.server, "/api/v1/files", "X-API-Key", READ_KEY).statusCode()).isEqualTo(403);
    }

    @Test
    @Order(7)
    void badInputIsAnsweredInSeed000sShapeAndChangesNothing() {
        JsonNode before = ok(get("/api/v1/identity/" + person));
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"x1\", \"name\": "), 400, "not valid JSON");
        error(postJson("/api/v1/identity/upload", "[1, 2]"), 400, "identity.json object");
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"%s\"}".formatted(person)), 400, "name is required");
        error(postJson("/api/v1/identity/upload", "{\"name\": \"Nobody\"}"), 400, "identity_uuid is required");
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"../etc\", \"name\": \"x\"}"), 400, "identity_uuid");
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"%s\", \"name\": \"x\", \"status\": \"deleted\"}".formatted(person)), 400, "status");
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"%s\", \"name\": \"x\", \"tmdb_id\": \"112\"}".formatted(person)), 400, "tmdb_id");
        error(postJson("/api/v1/identity/upload", "{\"identity_uuid\": \"%s\", \"name\": \"x\", \"metadata\": [1]}".formatted(person)), 400, "metadata");
        error(postJson("/api/v1/identity/upload", "{\"version\": 2, \"identity_uuid\": \"%s\", \"name\": \"x\"}".formatted(person)), 400, "version");
        assertThat(ok(get("/api/v1/identity/" + person)).get("name")).isEqualTo(before.get("name"));

        error(get("/api/v1/identity/no-such-identity"), 404, "Identity not found: no-such-identity");
        error(get("/api/v1/identity/no-such-identity/files"), 404, "Identity not found");
        error(get("/api/v1/identity/no-such-identity/faces"), 404, "Identity not found");
        error(get("/api/v1/identity/no-such-identity/chunks"), 404, "Identity not found");
        error(delete("/api/v1/identity/no-such-identity"), 404, "Identity not found");
        error(postJson("/api/v1/identity/no-such-identity/bind", "{\"file_uuid\": \"%s\", \"face_id\": \"1_0\"}".formatted(lobby)), 404, "Identity not found");

        // a face of the garden named with the lobby's file id
        JsonNode gardenFace = null;
        for (JsonNode f : ok(get("/api/v1/identity/" + person + "/faces")).get("data")) {
            if (f.get("file_uuid").asText().equals(garden)) gardenFace = f;
        }
        assertThat(gardenFace).isNotNull();
        error(postJson("/api/v1/identity/" + stranger + "/bind", "{\"file_uuid\": \"%s\", \"face_id\": \"%s\"}"
                .formatted(lobby, gardenFace.get("id").asText())), 400, "face_id");
        error(postJson("/api/v1/identity/" + stranger + "/bind", "{\"file_uuid\": \"%s\", \"face_id\": \"9999_0\"}".formatted(lobby)),
                404, "not found in file " + lobby);
        error(postJson("/api/v1/identity/" + stranger + "/bind", "{\"file_uuid\": \"%s\"}".formatted(lobby)), 400, "face_id is required");
        error(postJson("/api/v1/identity/" + stranger + "/bind", "not json"), 400, "not valid JSON");
        assertThat(fixture.backend.queries().face(gardenFace.get("id").asText()).orElseThrow().getIdentityId()).isEqualTo(person);

        String path = "/api/v1/identity/" + person + "/profile-image";
        HttpResponse<byte[]> image = null;
        try {
            image = getBytes(path);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        error(ApiTestSupport.postMultipart(fixture.server, path, List.of(Part.file("image", "a.gif", "image/gif",
                ApiTestSupport.image("gif", 16, 16))), "X-API-Key", IDENTITY_KEY), 415, "GIF");
        error(ApiTestSupport.postMultipart(fixture.server, path, List.of(Part.file("image", "big.png", "image/png",
                ApiTestSupport.pngClaiming(10_000, 6_000))), "X-API-Key", IDENTITY_KEY), 413, "resolution too large");
        error(ApiTestSupport.postMultipart(fixture.server, path, List.of(Part.text("picture", "none")), "X-API-Key", IDENTITY_KEY),
                400, "'image'");
        error(ApiTestSupport.postMultipart(fixture.server, "/api/v1/identity/no-such-identity/profile-image",
                List.of(Part.file("image", "a.jpg", "image/jpeg", ApiTestSupport.image("jpg", 8, 8))), "X-API-Key", IDENTITY_KEY),
                404, "Identity not found");
        error(get("/api/v1/identity/" + stranger + "/profile-image"), 404, "has no profile image");
        try {
            assertThat(getBytes(path).body()).as("the saved image is untouched").isEqualTo(image.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        HttpResponse<String> anonymous = ApiTestSupport.get(fixture.server, "/api/v1/identities");
        error(anonymous, 401, "Authentication required.");
        error(ApiTestSupport.get(fixture.server, "/api/v1/identities", "X-API-Key", READ_KEY), 403, "identity-level");
        ok(ApiTestSupport.get(fixture.server, "/api/v1/identities", "X-API-Key", ADMIN_KEY));
    }

    @Test
    @Order(8)
    void deleteRemovesTheIdentityAndItsProfileImage() throws Exception {
        long count = ok(get("/api/v1/identities")).get("count").asLong();
        String ref = fixture.backend.queries().identity(person).orElseThrow().getProfileImageRef();
        assertThat(fixture.blobs.get(ref)).isPresent();
        JsonNode deleted = ok(delete("/api/v1/identity/" + person));
        assertThat(deleted.get("identity_uuid").asText()).isEqualTo(person);
        error(get("/api/v1/identity/" + person), 404, "Identity not found");
        error(get("/api/v1/identity/" + person + "/profile-image"), 404, "Identity not found");
        assertThat(fixture.blobs.get(ref)).isEmpty();
        assertThat(ok(get("/api/v1/identities")).get("count").asLong()).isEqualTo(count - 1);
        assertThat(ok(get("/api/v1/identities/search?q=cary")).get("count").asInt()).isZero();
    }

    static JsonNode parse(String json) {
        try {
            return ApiJson.mapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
