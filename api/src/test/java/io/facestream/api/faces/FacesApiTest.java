package io.facestream.api.faces;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.get;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.live.FaceImages;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.VectorStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 003's GET /api/faces/{face_id} on faces a real replay produced: a known person walking on the left
 * and a stranger on the right; box, media time, thumbnail and cluster assignment checked against the views.
 */
class FacesApiTest {
    static final Instant BASE = Instant.parse("2026-11-21T09:00:00Z");
    static final int FRAMES = 30;

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static Person known;
    static String fileId;
    static Face knownFace;
    static Face strangerFace;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new FacesModule(backend)));
        List<BufferedImage> sprites = FaceImages.sprites();
        // a known person (not a POI): the face's person_id is theirs
        Person poi = FaceImages.poi("Known Person", FaceImages.embedding(sprites.get(0)));
        known = Person.newBuilder(poi).setPersonId("person-" + UUID.randomUUID()).setWatchlist(null).build();
        fixture.backend.writes().putPerson(known);
        fixture.backend.awaitVisible(() -> fixture.backend.gallery().person(known.getPersonId()).isPresent(), "the person");

        fileId = "file-" + UUID.randomUUID();
        Path video = FaceImages.video(dir.resolve("hall.mp4"), FRAMES, List.of(
                new Sprite(sprites.get(0), 0, FRAMES - 1, 60, 120, 100, 110, 150, 150),
                new Sprite(sprites.get(1), 0, FRAMES - 1, 420, 120, 400, 110, 150, 150)));
        fixture.replay(video, fileId, "hall-cam", BASE);
        // both tracks ended and resolved: the faces keep their final assignment from here on
        FaceImages.await(() -> finalSightings() == 2, Duration.ofSeconds(60), "two final sightings");
        List<Face> faces = faces();
        knownFace = faces.stream().filter(f -> known.getPersonId().equals(f.getPersonId())).findFirst().orElseThrow();
        strangerFace = faces.stream().filter(f -> f.getPersonId() == null && f.getIdentityId() != null).findFirst().orElseThrow();
        // identity resolution writes changed centroids to the vector store once a second: the candidates come from there
        FaceImages.await(() -> fixture.backend.vectors().get(VectorStore.IDENTITIES, strangerFace.getIdentityId()).isPresent(),
                Duration.ofSeconds(10), "the stranger's identity in the vector store");
    }

    @AfterAll
    static void stop() {
        fixture.backend.writes().deletePerson(known.getPersonId());
        fixture.close();
    }

    private static long finalSightings() {
        long n = 0;
        try (var it = fixture.backend.router().<Sighting>store(Views.SIGHTINGS.name()).all()) {
            while (it.hasNext()) {
                Sighting s = it.next().value;
                if (fileId.equals(s.getFileId()) && s.getFinal$()) n++;
            }
        }
        return n;
    }

    private static List<Face> faces() {
        List<Face> out = new ArrayList<>();
        try (var it = fixture.backend.router().<Face>store(Views.FACES.name()).all()) {
            it.forEachRemaining(kv -> {
                if (fileId.equals(kv.value.getFileId())) out.add(kv.value);
            });
        }
        return out;
    }

    private static HttpResponse<String> getFace(String pathAndQuery) {
        return get(fixture.server, pathAndQuery, "Authorization", "Bearer " + READ_KEY);
    }

    private static String path(Face face) {
        return "/api/faces/" + FacesModule.pathSegment(face.getFaceId());
    }

    private static JsonNode parse(String json) throws Exception {
        return ApiJson.mapper().readTree(json);
    }

    @Test
    void aFaceOfAKnownPersonInSeed003sShape() throws Exception {
        HttpResponse<String> response = getFace(path(knownFace));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        var box = knownFace.getBbox();
        String time = knownFace.getTimestamp().toString();
        long mediaMs = knownFace.getFrameNumber() * 100; // 10 fps: frame n starts at n * 100 ms
        assertThat(body).isEqualTo(parse("""
                {"id": "%s", "asset_id": "%s", "bounding_box": {"x": %d, "y": %d, "w": %d, "h": %d},
                 "created_at": "%s", "updated_at": "%s", "person_id": "%s", "timestamp_ms": %d,
                 "asset_urls": {"thumbnail": "%s/thumbnail"}, "cluster_assignment": null}""".formatted(
                knownFace.getFaceId(), fileId, Math.round(box.getX()), Math.round(box.getY()), Math.round(box.getWidth()),
                Math.round(box.getHeight()), time, time, known.getPersonId(), mediaMs, path(knownFace))));
        assertThat(knownFace.getTimestamp()).isEqualTo(BASE.plusMillis(mediaMs));
        assertThat(box.getX()).as("the known person walks on the left").isLessThan(320);

        HttpResponse<byte[]> thumbnail = ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(
                        java.net.URI.create(fixture.url(body.get("asset_urls").get("thumbnail").asText())))
                .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        byte[] crop = new byte[knownFace.getCropJpeg().remaining()];
        knownFace.getCropJpeg().duplicate().get(crop);
        assertThat(thumbnail.body()).isEqualTo(crop);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(thumbnail.body()));
        assertThat(image.getWidth()).isEqualTo(112);
        assertThat(image.getHeight()).isEqualTo(112);
    }

    @Test
    void clusterAssignmentOfAKnownPersonsFace() throws Exception {
        JsonNode body = json(getFace(path(knownFace) + "?include=cluster_assignment"));
        JsonNode assignment = body.get("cluster_assignment");
        float[] embedding = StoredEmbeddings.of(knownFace);
        double similarity = Embeddings.similarity(Embeddings.toArray(known.getFaces().get(0).getEmbedding()), embedding);
        assertThat(assignment.get("distance_to_person").asDouble()).isEqualTo(Math.round((1 - similarity) * 10_000d) / 10_000d);
        assertThat(1 - assignment.get("distance_to_person").asDouble())
                .isGreaterThanOrEqualTo(fixture.backend.analyzer().thresholds().person() - 1e-4);
        JsonNode candidates = assignment.get("candidates");
        assertThat(candidates.size()).isBetween(2, FacesModule.CANDIDATES);
        assertThat(candidates.get(0).get("person_id").asText()).isEqualTo(known.getPersonId());
        assertThat(candidates.get(0).get("name").asText()).isEqualTo("Known Person");
        // the person and the identity standing for them are one candidate, at the nearer of the two
        assertThat(candidates.get(0).get("distance").asDouble()).isLessThanOrEqualTo(assignment.get("distance_to_person").asDouble());
        List<String> ids = new ArrayList<>();
        double previous = -1;
        for (JsonNode c : candidates) {
            ids.add(c.get("person_id").asText());
            assertThat(c.get("distance").asDouble()).isGreaterThanOrEqualTo(previous);
            previous = c.get("distance").asDouble();
        }
        assertThat(ids).doesNotHaveDuplicates().contains(strangerFace.getIdentityId());
    }

    @Test
    void aStrangersFaceNamesItsIdentityAndItsDistanceToTheCentroid() throws Exception {
        JsonNode body = json(getFace(path(strangerFace) + "?include=cluster_assignment"));
        assertThat(body.get("person_id").asText()).isEqualTo(strangerFace.getIdentityId());
        assertThat(body.get("bounding_box").get("x").asInt()).as("the stranger walks on the right").isGreaterThan(320);
        Identity identity = fixture.backend.router().<Identity>store(Views.IDENTITIES.name()).get(strangerFace.getIdentityId());
        assertThat(identity.getSource()).isEqualTo("auto");
        double similarity = Embeddings.similarity(StoredEmbeddings.centroidOf(identity), StoredEmbeddings.of(strangerFace));
        JsonNode assignment = body.get("cluster_assignment");
        assertThat(assignment.get("distance_to_person").asDouble()).isEqualTo(Math.round((1 - similarity) * 10_000d) / 10_000d);
        JsonNode nearest = assignment.get("candidates").get(0);
        assertThat(nearest.get("person_id").asText()).isEqualTo(strangerFace.getIdentityId());
        assertThat(nearest.get("name").isNull()).as("an automatic identity has no name yet").isTrue();
    }

    @Test
    void unknownFaceIs404AndUnknownIncludeIs422() throws Exception {
        HttpResponse<String> missing = getFace("/api/faces/no-such-face");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing)).isEqualTo(parse("{\"detail\": \"Face not found: no-such-face\"}"));
        HttpResponse<String> noThumbnail = getFace("/api/faces/no-such-face/thumbnail");
        assertThat(noThumbnail.statusCode()).isEqualTo(404);
        assertThat(json(noThumbnail)).isEqualTo(parse("{\"detail\": \"Face not found: no-such-face\"}"));
        HttpResponse<String> badInclude = getFace(path(knownFace) + "?include=cluster_assignment,embedding");
        assertThat(badInclude.statusCode()).isEqualTo(422);
        assertThat(json(badInclude)).isEqualTo(parse(
                "{\"detail\": \"include: unknown value 'embedding'; supported: cluster_assignment\"}"));
        HttpResponse<String> anonymous = get(fixture.server, path(knownFace));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(json(anonymous)).isEqualTo(parse("{\"detail\": \"Authentication required.\"}"));
    }
}
