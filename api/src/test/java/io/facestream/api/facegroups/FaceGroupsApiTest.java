package io.facestream.api.facegroups;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.live.FaceImages;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.MatchKind;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * Seed 002's /api/face-groups over a real replay of two strangers: two groups at the default threshold, each one
 * stranger's faces; labels; deleting samples; a group enrolled as a person, whom the next replay names.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaceGroupsApiTest {
    /** Frames of one pass of a stranger through the lobby (10 fps). */
    static final int PASS = 12;

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static List<BufferedImage> sprites;
    /** The sample ids of the stranger on the left, and on the right. */
    static List<String> left;
    static List<String> right;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new FaceGroupsModule(backend)));
        sprites = FaceImages.sprites();
        replay(true, 3);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /**
     * Replays both strangers (or the left one alone), each passing {@code passes} times, 3.5 s apart (so each pass
     * is a track of its own, with faces of its own); returns the replay's final sightings.
     */
    static List<Sighting> replay(boolean both, int passes) throws Exception {
        String fileId = "file-" + UUID.randomUUID();
        List<Sprite> walking = new ArrayList<>();
        for (int pass = 0; pass < passes; pass++) {
            int from = pass * 35;
            int size = 130 + 20 * pass;
            walking.add(new Sprite(sprites.get(0), from, from + PASS - 1, 60, 120, 100, 110, size, size));
            if (both) walking.add(new Sprite(sprites.get(1), from, from + PASS - 1, 420, 120, 400, 110, size, size));
        }
        int frames = (passes - 1) * 35 + PASS;
        fixture.replay(FaceImages.video(dir.resolve(fileId + ".mp4"), frames, walking), fileId, "lobby-cam", Instant.now().minusSeconds(120));
        List<Sighting> found = new ArrayList<>();
        FaceImages.await(() -> {
            found.clear();
            try (var it = fixture.backend.router().<Sighting>store(Views.SIGHTINGS.name()).all()) {
                it.forEachRemaining(kv -> {
                    if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) found.add(kv.value);
                });
            }
            return found.size() == walking.size();
        }, Duration.ofSeconds(60), "the replay's final sightings");
        return found;
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "Authorization", "Bearer " + READ_KEY);
    }

    static HttpResponse<String> admin(String method, String path, String body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "Authorization", "Bearer " + ADMIN_KEY,
                "Content-Type", "application/json").method(method, publisher).build());
    }

    static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    static List<String> ids(JsonNode group) {
        List<String> out = new ArrayList<>();
        group.get("members").forEach(m -> out.add(m.get("id").asText()));
        return out;
    }

    static boolean onTheLeft(String faceId) {
        return fixture.backend.queries().face(faceId).orElseThrow().getBbox().getX() < 320;
    }

    static String quoted(List<String> ids) {
        return ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
    }

    @Test
    @Order(1)
    void theTwoStrangersAreTwoGroupsAtTheDefaultThreshold() throws Exception {
        JsonNode body = ok(get("/api/face-groups?max_members=500"));
        assertThat(body.get("total_groups").asInt()).isEqualTo(2);
        assertThat(body.get("settings").get("face_threshold").asDouble()).isEqualTo(0.5);
        JsonNode groups = body.get("groups");
        assertThat(groups.get(0).get("size").asInt()).isGreaterThanOrEqualTo(groups.get(1).get("size").asInt());
        assertThat(groups.get(0).get("size").asInt() + groups.get(1).get("size").asInt()).isEqualTo(body.get("total_samples").asInt());
        List<List<String>> members = List.of(ids(groups.get(0)), ids(groups.get(1)));
        for (int g = 0; g < 2; g++) {
            JsonNode group = groups.get(g);
            List<String> ids = members.get(g);
            assertThat(ids).hasSize(group.get("size").asInt());
            Set<Boolean> sides = ids.stream().map(FaceGroupsApiTest::onTheLeft).collect(Collectors.toSet());
            assertThat(sides).as("a group is one stranger's faces").hasSize(1);
            Set<String> identities = new HashSet<>();
            ids.forEach(id -> identities.add(fixture.backend.queries().face(id).orElseThrow().getIdentityId()));
            assertThat(group.get("identity_ids")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(identities);
            assertThat(identities).hasSize(1);
            assertThat(group.get("group_id").asText()).as("the best face represents the group").isEqualTo(ids.get(0));
            assertThat(group.get("cameras")).extracting(JsonNode::asText).containsExactly("lobby-cam");
            assertThat(group.get("label").isNull()).isTrue();
        }
        left = onTheLeft(members.get(0).get(0)) ? members.get(0) : members.get(1);
        right = left == members.get(0) ? members.get(1) : members.get(0);

        HttpResponse<byte[]> thumb = ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(URI.create(fixture.url(groups.get(0).get("rep_thumb_url").asText())))
                .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(thumb.statusCode()).isEqualTo(200);
        assertThat(thumb.headers().firstValue("Content-Type")).hasValue("image/jpeg");

        assertThat(ok(get("/api/face-groups?max_members=2")).get("groups").get(0).get("members")).hasSize(2);
        assertThat(ok(get("/api/face-groups?min_size=" + (left.size() + right.size()))).get("total_groups").asInt()).isZero();
        assertThat(ok(get("/api/face-groups?max_samples=1")).get("total_samples").asInt()).isEqualTo(1);
        assertThat(ok(get("/api/face-groups?face_threshold=1")).get("total_groups").asInt()).as("no two faces identical")
                .isGreaterThan(2);
    }

    @Test
    @Order(2)
    void badInput() {
        for (String query : List.of("face_threshold=1.5", "face_threshold=x", "max_samples=2001", "max_samples=0", "min_size=0",
                "max_members=501", "clothing_weight=0.3")) {
            assertThat(get("/api/face-groups?" + query).statusCode()).as(query).isEqualTo(422);
        }
        assertThat(get("/api/face-groups/samples/nobody/thumbnail").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/face-groups/label", "{\"sample_ids\": [\"nobody\"], \"label\": \"x\"}").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/face-groups/label", "{\"sample_ids\": [], \"label\": \"x\"}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/face-groups/enroll", "{\"sample_ids\": [\"%s\"]}".formatted(left.get(0))).statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/face-groups/enroll", "{\"sample_ids\": [\"nobody\"], \"name\": \"x\"}").statusCode()).isEqualTo(404);
        String many = IntStream.range(0, 1001).mapToObj(i -> "\"id-" + i + "\"").collect(Collectors.joining(","));
        assertThat(admin("POST", "/api/face-groups/samples/bulk-delete", "{\"ids\": [" + many + "]}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/face-groups/samples/clear-all", "{\"confirm\": false}").statusCode()).isEqualTo(400);
        assertThat(admin("DELETE", "/api/face-groups/samples/nobody", null).statusCode()).isEqualTo(404);
        assertThat(ApiTestSupport.send(ApiTestSupport.request(fixture.server, "/api/face-groups/samples/" + left.get(0),
                "Authorization", "Bearer " + READ_KEY).DELETE().build()).statusCode()).isEqualTo(403);
        assertThat(ok(get("/api/face-groups")).get("total_samples").asInt()).isEqualTo(left.size() + right.size());
    }

    @Test
    @Order(3)
    void labelAndDeleteSamples() {
        JsonNode labelled = ok(admin("POST", "/api/face-groups/label", "{\"sample_ids\": [%s], \"label\": \"Courier\"}".formatted(quoted(right))));
        assertThat(labelled.get("updated").asInt()).isEqualTo(right.size());
        JsonNode groups = ok(get("/api/face-groups")).get("groups");
        List<String> labels = new ArrayList<>();
        groups.forEach(g -> labels.add(g.get("label").isNull() ? null : g.get("label").asText()));
        assertThat(labels).containsExactlyInAnyOrder("Courier", null);

        String identity = fixture.backend.queries().face(right.get(0)).orElseThrow().getIdentityId();
        int facesBefore = fixture.backend.queries().identity(identity).orElseThrow().getFaceCount();
        String last = right.get(right.size() - 1);
        assertThat(admin("DELETE", "/api/face-groups/samples/" + last, null).statusCode()).isEqualTo(204);
        JsonNode bulk = ok(admin("POST", "/api/face-groups/samples/bulk-delete",
                "{\"ids\": [\"%s\", \"%s\"]}".formatted(right.get(right.size() - 2), last)));
        assertThat(bulk.get("deleted").asInt()).isEqualTo(1);
        assertThat(bulk.get("not_found")).extracting(JsonNode::asText).containsExactly(last);
        assertThat(fixture.backend.queries().face(last)).isEmpty();
        assertThat(fixture.backend.queries().identity(identity).orElseThrow().getFaceCount()).isEqualTo(facesBefore - 2);
        assertThat(ok(get("/api/face-groups")).get("total_samples").asInt()).isEqualTo(left.size() + right.size() - 2);
        assertThat(ok(admin("POST", "/api/face-groups/samples/clear-all", "{\"confirm\": true, \"label\": \"nobody's label\"}"))
                .get("deleted").asInt()).isZero();
    }

    @Test
    @Order(4)
    void anEnrolledGroupIsNamedInTheNextReplay() throws Exception {
        JsonNode enrolled = ok(admin("POST", "/api/face-groups/enroll", "{\"sample_ids\": [%s], \"name\": \"Left Stranger\"}".formatted(quoted(left))));
        String personId = enrolled.get("person_id").asText();
        assertThat(enrolled.get("name").asText()).isEqualTo("Left Stranger");
        assertThat(enrolled.get("enrolled_faces").asInt()).isEqualTo(Math.min(left.size(), FaceGroupsModule.ENROLLED_FACES));
        assertThat(fixture.backend.gallery().person(personId).orElseThrow().getFaces()).hasSize(enrolled.get("enrolled_faces").asInt());
        for (String id : left) assertThat(fixture.backend.queries().face(id).map(Face::getLabel)).hasValue("Left Stranger");

        Sighting named = replay(false, 1).get(0);
        assertThat(named.getPersonId()).isEqualTo(personId);
        assertThat(named.getMatchKind()).isEqualTo(MatchKind.PERSON);

        JsonNode cleared = ok(admin("POST", "/api/face-groups/samples/clear-all", "{\"confirm\": true}"));
        assertThat(cleared.get("deleted").asInt()).isPositive();
        assertThat(ok(get("/api/face-groups")).get("total_samples").asInt()).isZero();
        fixture.backend.writes().deletePerson(personId);
    }
}
