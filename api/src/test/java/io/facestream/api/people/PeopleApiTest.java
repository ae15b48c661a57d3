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
    /** The sighting of the replay after Bea rejected its faces: an automatic identity's. */
    static Sighting unmatched;

    @BeforeAll
    static void start() throws Exception {
        // identities, faces and search too: the privacy erase is checked through every endpoint that could show someone
        fixture = ApiFixture.start(dir, backend -> List.of(new PeopleModule(backend), new io.facestream.api.identities.IdentitiesModule(backend),
                new io.facestream.api.faces.FacesModule(backend), new io.facestream.api.poi.PoiModule(backend)));
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
    @Order(3)
    void aRecognizerThatCannotRunIs503AndStoresNothing() throws Exception {
        io.facestream.models.FaceAnalyzer broken = io.facestream.models.FaceAnalyzer.create();
        broken.close(); // its model sessions are gone: every detection fails, as with a lost device
        var b = fixture.backend;
        var backend = new io.facestream.api.backend.Backend(b.streams(), b.router(), b.gallery(), b.thresholds(), b.vectors(), broken,
                b.blobs(), b.writes(), b.writeTimeout());
        try (var server = io.facestream.api.ApiServer.builder(ApiTestSupport.config(io.facestream.api.AuthConfig.withKeys(ApiTestSupport.keys())))
                .modules(List.of(new PeopleModule(backend))).start()) {
            HttpResponse<String> unavailable = ApiTestSupport.postMultipart(server, "/api/people/" + personId + "/faces",
                    List.of(Part.file("file", "a.jpg", "image/jpeg", FaceImages.jpeg(sprites.get(0)))), "Authorization", "Bearer " + ADMIN_KEY);
            assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
            assertThat(json(unavailable).get("detail").asText()).isEqualTo("The face recognizer is unavailable; try again later.");
        }
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
    void negativeFeedbackKeepsTheSameFacesFromMatchingThePersonAgain() throws Exception {
        String bea = json(admin("POST", "/api/people", "{\"name\": \"Bea\"}")).get("id").asText();
        assertThat(enrol(bea, "bea.jpg", "image/jpeg", FaceImages.jpeg(sprites.get(0))).statusCode()).isEqualTo(201);
        Sighting named = replay();
        assertThat(named.getPersonId()).isEqualTo(bea);
        List<String> matched = fixture.backend.queries().facesOf(named.getIdentityId()).stream()
                .filter(f -> named.getTrackId().equals(f.getTrackId())).map(io.facestream.schemas.avro.Face::getFaceId).toList();
        assertThat(matched).isNotEmpty();
        String ids = matched.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));

        assertThat(admin("POST", "/api/people/" + bea + "/reject-faces", "{\"face_ids\": []}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/people/" + bea + "/reject-faces", "{\"face_ids\": [\"nobody\"]}").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/people/nobody/reject-faces", "{\"face_ids\": [" + ids + "]}").statusCode()).isEqualTo(404);
        JsonNode rejected = json(admin("POST", "/api/people/" + bea + "/reject-faces", "{\"face_ids\": [" + ids + "]}"));
        assertThat(rejected.get("rejected").asInt()).isEqualTo(matched.size());
        assertThat(fixture.backend.gallery().person(bea).orElseThrow().getRejectedFaces()).hasSize(matched.size());
        for (String id : matched) assertThat(fixture.backend.queries().face(id).orElseThrow().getIdentityId()).isNull();

        Sighting again = replay();
        unmatched = again;
        assertThat(again.getPersonId()).as("the same faces never match Bea again").isNull();
        assertThat(fixture.backend.gallery().person(bea).orElseThrow().getFaces()).as("Bea keeps her own faces").hasSize(1);
        assertThat(admin("DELETE", "/api/people/" + bea, null).statusCode()).isEqualTo(204);
    }

    @Test
    @Order(6)
    void privacyEraseLeavesNothingOfThePersonOrTheIdentityToFind() throws Exception {
        String cy = json(admin("POST", "/api/people", "{\"name\": \"Cy\"}")).get("id").asText();
        String photoUrl = json(enrol(cy, "cy.jpg", "image/jpeg", FaceImages.jpeg(sprites.get(1)))).get("image_path").asText();
        String fileId = "file-" + UUID.randomUUID();
        fixture.replay(FaceImages.video(dir.resolve(fileId + ".mp4"), FRAMES, List.of(
                new Sprite(sprites.get(1), 0, FRAMES - 1, 200, 120, 240, 110, 150, 150))), fileId, "door-cam", Instant.now().minusSeconds(30));
        String identity = Views.identityOf(fixture.backend.gallery().person(cy).orElseThrow());
        FaceImages.await(() -> fixture.backend.queries().identity(identity).map(i -> i.getFaceCount() > 0
                        && fixture.backend.queries().sightingsOf(identity).stream().anyMatch(Sighting::getFinal$)).orElse(false),
                Duration.ofSeconds(60), "Cy's final sighting");
        Person person = fixture.backend.gallery().person(cy).orElseThrow();
        List<io.facestream.schemas.avro.Face> faces = fixture.backend.queries().facesOf(identity);
        List<Sighting> sightings = fixture.backend.queries().sightingsOf(identity);
        List<String> frames = faces.stream().map(io.facestream.schemas.avro.Face::getFrameRef).filter(java.util.Objects::nonNull).distinct().toList();
        assertThat(frames).isNotEmpty();
        for (String frame : frames) assertThat(fixture.blobs.get(frame)).as("ingest kept the frame").isPresent();

        java.util.function.Supplier<HttpResponse<String>> searchByPhoto = () -> ApiTestSupport.postMultipart(fixture.server, "/api/v1/search",
                List.of(Part.file("image", "cy.jpg", "image/jpeg", FaceImages.jpeg(sprites.get(1)))), "Authorization", "Bearer " + ADMIN_KEY);
        String before = searchByPhoto.get().body();
        assertThat(sightings).as("the search finds Cy's track before the erase").anyMatch(s -> before.contains(s.getSightingId()));

        assertThat(admin("POST", "/api/people/" + cy + "/erase", "{}").statusCode()).isEqualTo(400);
        assertThat(admin("POST", "/api/people/nobody/erase", "{\"confirm\": true}").statusCode()).isEqualTo(404);
        HttpResponse<String> erased = admin("POST", "/api/people/" + cy + "/erase", "{\"confirm\": true}");
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
        JsonNode receipt = json(erased);
        assertThat(receipt.get("person_id").asText()).isEqualTo(cy);
        assertThat(receipt.get("identity_ids")).extracting(JsonNode::asText).containsExactly(identity);
        assertThat(receipt.get("faces").asInt()).isEqualTo(faces.size());
        assertThat(receipt.get("sightings").asInt()).isEqualTo(sightings.size());
        List<String> blobs = new ArrayList<>();
        receipt.get("blobs").forEach(b -> blobs.add(b.asText()));
        assertThat(blobs).containsAll(frames).contains(person.getFaces().get(0).getImageRef());
        assertThat(receipt.get("retained")).extracting(JsonNode::asText).anyMatch(r -> r.startsWith("facestream.identity-commands"));

        // nothing of Cy through any endpoint, view, the vector store, the blob store, or a search by her photo
        assertThat(get("/api/people/" + cy).statusCode()).isEqualTo(404);
        assertThat(get(photoUrl).statusCode()).isEqualTo(404);
        assertThat(get("/api/identities/" + identity).statusCode()).isEqualTo(404);
        assertThat(json(get("/api/identities?limit=500")).get("items")).noneMatch(i -> i.get("id").asText().equals(identity));
        for (var f : faces) {
            assertThat(get("/api/faces/" + java.net.URLEncoder.encode(f.getFaceId(), java.nio.charset.StandardCharsets.UTF_8)).statusCode()).isEqualTo(404);
            assertThat(fixture.backend.vectors().get(io.facestream.vectors.VectorStore.FACES, f.getFaceId())).isEmpty();
        }
        for (Sighting s : sightings) assertThat(get("/api/identities/sightings/" + s.getSightingId() + "/thumbnail").statusCode()).isEqualTo(404);
        for (String frame : frames) assertThat(fixture.blobs.get(frame)).isEmpty();
        for (var ref : person.getFaces()) assertThat(fixture.blobs.get(ref.getImageRef())).isEmpty();
        assertThat(fixture.backend.gallery().person(cy)).isEmpty();
        HttpResponse<String> search = searchByPhoto.get();
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(search.body()).doesNotContain(cy).doesNotContain(identity);
        for (var f : faces) assertThat(search.body()).doesNotContain(f.getFaceId());
        for (Sighting s : sightings) assertThat(search.body()).doesNotContain(s.getSightingId());

        // an automatic identity erased through /api/identities
        String auto = unmatched.getIdentityId();
        List<io.facestream.schemas.avro.Face> autoFaces = fixture.backend.queries().facesOf(auto);
        assertThat(autoFaces).isNotEmpty();
        assertThat(admin("POST", "/api/identities/" + auto + "/erase", "{\"confirm\": false}").statusCode()).isEqualTo(400);
        JsonNode autoReceipt = json(admin("POST", "/api/identities/" + auto + "/erase", "{\"confirm\": true}"));
        assertThat(autoReceipt.get("identity_ids")).extracting(JsonNode::asText).containsExactly(auto);
        assertThat(autoReceipt.get("person_id").isNull()).isTrue();
        assertThat(autoReceipt.get("faces").asInt()).isEqualTo(autoFaces.size());
        assertThat(get("/api/identities/" + auto).statusCode()).isEqualTo(404);
        for (var f : autoFaces) assertThat(fixture.backend.vectors().get(io.facestream.vectors.VectorStore.FACES, f.getFaceId())).isEmpty();
    }

    @Test
    @Order(7)
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
