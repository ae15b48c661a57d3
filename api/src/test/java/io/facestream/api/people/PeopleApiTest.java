package io.facestream.api.people;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.live.FaceImages;
import io.facestream.api.live.FaceImages.Placed;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.Views;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's /api/people with the real models and pipeline: a person created without faces, enrolled from three
 * photos through /faces, recognised in a replay; one face removed; the person deleted, after which a replay of the
 * same face matches no one. Every error code of the enrolment, as the seed lists them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PeopleApiTest {
    static final int FRAMES = 20;

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static List<BufferedImage> sprites;
    static String personId;
    static List<String> faceIds = new ArrayList<>();
    static List<byte[]> photos = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new PeopleModule(backend)));
        sprites = FaceImages.sprites();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static HttpResponse<String> send(String method, String path, String body, String key) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "Authorization", "Bearer " + key,
                "Content-Type", "application/json").method(method, publisher).build());
    }

    static HttpResponse<String> admin(String method, String path, String body) {
        return send(method, path, body, ADMIN_KEY);
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "Authorization", "Bearer " + READ_KEY);
    }

    static HttpResponse<String> enrol(String id, String filename, String type, byte[] bytes) {
        return ApiTestSupport.postMultipart(fixture.server, "/api/people/" + id + "/faces", List.of(Part.file("file", filename, type, bytes)),
                "Authorization", "Bearer " + ADMIN_KEY);
    }

    static HttpResponse<byte[]> bytes(String path) throws Exception {
        return ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(URI.create(fixture.url(path)))
                .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Replays the person's face walking alone and returns the replay's final sighting. */
    static Sighting replay() throws Exception {
        String fileId = "file-" + UUID.randomUUID();
        Path video = FaceImages.video(dir.resolve(fileId + ".mp4"), FRAMES, List.of(
                new Sprite(sprites.get(0), 0, FRAMES - 1, 200, 120, 240, 110, 150, 150)));
        fixture.replay(video, fileId, "door-cam", Instant.now().minusSeconds(60));
        List<Sighting> found = new ArrayList<>();
        FaceImages.await(() -> {
            found.clear();
            try (var it = fixture.backend.router().<Sighting>store(Views.SIGHTINGS.name()).all()) {
                it.forEachRemaining(kv -> {
                    if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) found.add(kv.value);
                });
            }
            return found.size() == 1;
        }, Duration.ofSeconds(60), "the replay's final sighting");
        return found.get(0);
    }

    @Test
    @Order(1)
    void createReadUpdateAFacelessPerson() {
        HttpResponse<String> created = admin("POST", "/api/people", "{\"name\": \"Ada Example\", \"notes\": \"front desk\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode person = json(created);
        personId = person.get("id").asText();
        assertThat(person.get("name").asText()).isEqualTo("Ada Example");
        assertThat(person.get("notes").asText()).isEqualTo("front desk");
        assertThat(person.get("num_faces").asInt()).isZero();
        assertThat(person.get("is_poi").asBoolean()).isFalse();
        assertThat(json(get("/api/people/" + personId))).isEqualTo(person);
        assertThat(json(get("/api/people"))).anySatisfy(p -> assertThat(p.get("id").asText()).isEqualTo(personId));

        JsonNode renamed = json(admin("PUT", "/api/people/" + personId, "{\"name\": \"Ada Lovelace\"}"));
        assertThat(renamed.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(renamed.get("notes").asText()).as("unchanged").isEqualTo("front desk");
        assertThat(fixture.backend.gallery().person(personId).map(Person::getName)).hasValue("Ada Lovelace");

        assertThat(admin("POST", "/api/people", "{}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/people", "{\"name\": \" \"}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/people", "{\"name\": 3}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/people", "[1]").statusCode()).isEqualTo(422);
        assertThat(send("POST", "/api/people", "{\"name\": \"x\"}", READ_KEY).statusCode()).isEqualTo(403);
        assertThat(get("/api/people/nobody").statusCode()).isEqualTo(404);
        assertThat(admin("PUT", "/api/people/nobody", "{\"name\": \"x\"}").statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/api/people/nobody", null).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void enrolThreePhotosTheLargestFaceOfEach() throws Exception {
        BufferedImage face = sprites.get(0);
        photos.add(FaceImages.jpeg(face));
        photos.add(FaceImages.frame(new Placed(face, 200, 60, 220)));
        // the person large in front, the other face small behind: two found, the largest enrolled
        photos.add(FaceImages.frame(new Placed(face, 60, 40, 260), new Placed(sprites.get(1), 460, 200, 110)));
        for (int i = 0; i < photos.size(); i++) {
            HttpResponse<String> enrolled = enrol(personId, "photo" + i + ".jpg", "image/jpeg", photos.get(i));
            assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
            JsonNode body = json(enrolled);
            assertThat(body.get("faces_detected").asInt()).isEqualTo(i == 2 ? 2 : 1);
            String faceId = body.get("embedding_id").asText();
            faceIds.add(faceId);
            assertThat(body.get("image_path").asText()).isEqualTo("/api/people/" + personId + "/faces/" + faceId + "/image");
        }
        Person person = fixture.backend.gallery().person(personId).orElseThrow();
        assertThat(person.getFaces()).hasSize(3);
        float[] own = FaceImages.embedding(face);
        for (var reference : person.getFaces()) {
            double similarity = io.facestream.models.Embeddings.similarity(own, io.facestream.models.Embeddings.toArray(reference.getEmbedding()));
            assertThat(similarity).as("every enrolled face is the person's, not the stranger's").isGreaterThan(0.5);
        }
        JsonNode faces = json(get("/api/people/" + personId + "/faces"));
        assertThat(faces).extracting(f -> f.get("id").asText()).containsExactlyElementsOf(faceIds);
        assertThat(json(get("/api/people/" + personId)).get("num_faces").asInt()).isEqualTo(3);
        for (int i = 0; i < photos.size(); i++) {
            HttpResponse<byte[]> image = bytes(faces.get(i).get("image_url").asText());
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.headers().firstValue("Content-Type")).hasValue("image/jpeg");
            assertThat(image.body()).isEqualTo(photos.get(i));
        }
    }

    @Test
    @Order(3)
    void everyEnrolmentErrorAsTheSeedSays() {
        HttpResponse<String> gif = enrol(personId, "a.gif", "image/gif", ApiTestSupport.image("gif", 8, 8));
        assertThat(gif.statusCode()).isEqualTo(415);
        assertThat(enrol(personId, "empty.jpg", "image/jpeg", new byte[0]).statusCode()).isEqualTo(400);
        byte[] jpeg = FaceImages.jpeg(sprites.get(0));
        assertThat(enrol(personId, "cut.jpg", "image/jpeg", java.util.Arrays.copyOf(jpeg, jpeg.length / 3)).statusCode()).isEqualTo(400);
        assertThat(enrol(personId, "huge.png", "image/png", ApiTestSupport.pngClaiming(10_000, 10_000)).statusCode()).isEqualTo(413);
        assertThat(enrol(personId, "big.jpg", "image/jpeg", new byte[9 * 1024 * 1024]).statusCode()).isEqualTo(413);
        HttpResponse<String> noFace = enrol(personId, "noise.jpg", "image/jpeg", ApiTestSupport.image("jpg", 320, 240));
        assertThat(noFace.statusCode()).isEqualTo(422);
        assertThat(json(noFace).get("detail").asText()).startsWith("No face detected");
        HttpResponse<String> noFile = ApiTestSupport.postMultipart(fixture.server, "/api/people/" + personId + "/faces",
                List.of(Part.text("name", "x")), "Authorization", "Bearer " + ADMIN_KEY);
        assertThat(noFile.statusCode()).isEqualTo(422);
        assertThat(enrol("nobody", "a.jpg", "image/jpeg", jpeg).statusCode()).isEqualTo(404);
        assertThat(get("/api/people/" + personId + "/faces/nobody/image").statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/api/people/" + personId + "/faces/nobody", null).statusCode()).isEqualTo(404);
        assertThat(fixture.backend.gallery().person(personId).orElseThrow().getFaces()).as("nothing stored").hasSize(3);
    }

    @Test
    @Order(4)
    void aReplayNamesTheEnrolledPersonAndAfterDeletionNoOne() throws Exception {
        Sighting named = replay();
        assertThat(named.getPersonId()).isEqualTo(personId);
        assertThat(named.getMatchKind()).isEqualTo(MatchKind.PERSON);

        String removed = faceIds.get(1);
        assertThat(admin("DELETE", "/api/people/" + personId + "/faces/" + removed, null).statusCode()).isEqualTo(204);
        assertThat(json(get("/api/people/" + personId + "/faces"))).extracting(f -> f.get("id").asText())
                .containsExactly(faceIds.get(0), faceIds.get(2));
        assertThat(get("/api/people/" + personId + "/faces/" + removed + "/image").statusCode()).isEqualTo(404);
        assertThat(fixture.backend.gallery().person(personId).orElseThrow().getFaces()).hasSize(2);

        String faceUrl = "/api/people/" + personId + "/faces/" + faceIds.get(0) + "/image";
        assertThat(admin("DELETE", "/api/people/" + personId, null).statusCode()).isEqualTo(204);
        assertThat(get("/api/people/" + personId).statusCode()).isEqualTo(404);
        assertThat(get(faceUrl).statusCode()).isEqualTo(404);
        assertThat(fixture.backend.gallery().person(personId)).isEmpty();
        assertThat(fixture.blobs.get(io.facestream.blobs.BlobKeys.of(io.facestream.blobs.BlobKind.PROFILE, personId + ":" + faceIds.get(0))))
                .as("the photo left the blob store").isEmpty();

        Sighting after = replay();
        assertThat(after.getPersonId()).as("no match once the person is deleted").isNull();
        assertThat(after.getMatchKind()).isEqualTo(MatchKind.IDENTITY);
    }

    @Test
    @Order(5)
    void bulkDeleteAndClearAll() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(json(admin("POST", "/api/people", "{\"name\": \"Bulk " + i + "\"}")).get("id").asText());
        String many = IntStream.range(0, 1001).mapToObj(i -> "\"id-" + i + "\"").collect(Collectors.joining(","));
        assertThat(admin("POST", "/api/people/bulk-delete", "{\"ids\": [" + many + "]}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/people/bulk-delete", "{\"ids\": []}").statusCode()).isEqualTo(422);
        JsonNode bulk = json(admin("POST", "/api/people/bulk-delete", "{\"ids\": [\"%s\", \"%s\", \"nobody\"]}".formatted(ids.get(0), ids.get(1))));
        assertThat(bulk.get("deleted").asInt()).isEqualTo(2);
        assertThat(bulk.get("not_found")).extracting(JsonNode::asText).containsExactly("nobody");
        assertThat(get("/api/people/" + ids.get(0)).statusCode()).isEqualTo(404);
        assertThat(get("/api/people/" + ids.get(2)).statusCode()).isEqualTo(200);

        assertThat(admin("POST", "/api/people/clear-all", "{}").statusCode()).isEqualTo(400);
        assertThat(get("/api/people/" + ids.get(2)).statusCode()).isEqualTo(200);
        HttpResponse<String> cleared = admin("POST", "/api/people/clear-all", "{\"confirm\": true}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertThat(json(cleared).get("deleted").asInt()).isPositive();
        assertThat(json(get("/api/people"))).isEmpty();
        assertThat(fixture.backend.gallery().size()).isZero();
    }
}
