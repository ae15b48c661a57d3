package io.facestream.api.identities;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.live.FaceImages;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.Face;
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
import java.util.Comparator;
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
 * Seed 002's /api/identities over a real replay: two strangers walk through a hall (one track, one sighting and
 * one automatic identity each). The tests then curate them in order, each step checked against the views:
 * list and read, rename, merge, split by sightings, split automatically, delete; and every bad input.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentitiesApiTest {
    /** An hour ago: the replay's sightings fall in the analytics' last 24 hours. */
    static final Instant BASE = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    static final int FRAMES = 30;

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static String fileId;
    /** The identity of the stranger on the left (a), and on the right (b), with their sightings and faces. */
    static Stranger a;
    static Stranger b;

    record Stranger(String identityId, String sightingId, Set<String> faceIds, Instant first, Instant last) {}

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new IdentitiesModule(backend)));
        List<BufferedImage> sprites = FaceImages.sprites();
        fileId = "file-" + UUID.randomUUID();
        Path video = FaceImages.video(dir.resolve("hall.mp4"), FRAMES, List.of(
                new Sprite(sprites.get(0), 0, FRAMES - 1, 60, 120, 100, 110, 150, 150),
                new Sprite(sprites.get(1), 0, FRAMES - 1, 420, 120, 400, 110, 150, 150)));
        fixture.replay(video, fileId, "hall-cam", BASE);
        FaceImages.await(() -> finalSightings().size() == 2, Duration.ofSeconds(60), "two final sightings");
        List<Sighting> sightings = finalSightings();
        sightings.sort(Comparator.comparing(s -> fixture.backend.queries().face(s.getBestFaceId()).orElseThrow().getBbox().getX()));
        a = stranger(sightings.get(0));
        b = stranger(sightings.get(1));
        assertThat(a.identityId()).isNotEqualTo(b.identityId());
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static Stranger stranger(Sighting s) {
        List<Face> faces = fixture.backend.queries().facesOf(s.getIdentityId());
        Set<String> ids = faces.stream().map(Face::getFaceId).collect(Collectors.toSet());
        Instant first = faces.stream().map(Face::getTimestamp).min(Comparator.naturalOrder()).orElseThrow();
        Instant last = faces.stream().map(Face::getTimestamp).max(Comparator.naturalOrder()).orElseThrow();
        first = first.isBefore(s.getEntryTime()) ? first : s.getEntryTime();
        last = last.isAfter(s.getExitTime()) ? last : s.getExitTime();
        return new Stranger(s.getIdentityId(), s.getSightingId(), ids, first, last);
    }

    static List<Sighting> finalSightings() {
        List<Sighting> out = new ArrayList<>();
        try (var it = fixture.backend.router().<Sighting>store(Views.SIGHTINGS.name()).all()) {
            it.forEachRemaining(kv -> {
                if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) out.add(kv.value);
            });
        }
        return out;
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "Authorization", "Bearer " + READ_KEY);
    }

    static HttpResponse<String> send(String method, String path, String body, String key) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "Authorization", "Bearer " + key,
                "Content-Type", "application/json").method(method, publisher).build());
    }

    static HttpResponse<String> admin(String method, String path, String body) {
        return send(method, path, body, ADMIN_KEY);
    }

    static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    static JsonNode item(String identityId) {
        for (JsonNode item : ok(get("/api/identities?limit=500")).get("items")) {
            if (item.get("id").asText().equals(identityId)) return item;
        }
        return null;
    }

    static Set<String> faceIdsOf(String identityId) {
        JsonNode faces = ok(get("/api/identities/" + identityId + "/faces?limit=500"));
        assertThat(faces.get("total").asInt()).isEqualTo(faces.get("items").size());
        Set<String> ids = new HashSet<>();
        faces.get("items").forEach(f -> ids.add(f.get("id").asText()));
        return ids;
    }

    /** The list item, detail, faces and sightings of an identity agree with what it should hold. */
    static void holds(String identityId, List<Stranger> parts, String name) {
        JsonNode item = item(identityId);
        assertThat(item).as("listed: " + identityId).isNotNull();
        Set<String> faces = new HashSet<>();
        parts.forEach(p -> faces.addAll(p.faceIds()));
        Instant first = parts.stream().map(Stranger::first).min(Comparator.naturalOrder()).orElseThrow();
        Instant last = parts.stream().map(Stranger::last).max(Comparator.naturalOrder()).orElseThrow();
        assertThat(item.get("num_sightings").asInt()).isEqualTo(parts.size());
        assertThat(item.get("num_faces").asInt()).isEqualTo(faces.size());
        assertThat(Instant.parse(item.get("first_seen").asText())).isEqualTo(first);
        assertThat(Instant.parse(item.get("last_seen").asText())).isEqualTo(last);
        assertThat(item.get("name").isNull() ? null : item.get("name").asText()).isEqualTo(name);
        assertThat(item.get("is_named").asBoolean()).isEqualTo(name != null);
        assertThat(item.get("cameras")).extracting(JsonNode::asText).containsExactly("hall-cam");
        assertThat(faceIdsOf(identityId)).isEqualTo(faces);
        JsonNode sightings = ok(get("/api/identities/" + identityId + "/sightings"));
        assertThat(sightings.get("items")).extracting(s -> s.get("id").asText())
                .containsExactlyInAnyOrderElementsOf(parts.stream().map(Stranger::sightingId).toList());
    }

    @Test
    @Order(1)
    void listsBothStrangersMostRecentlySeenFirstWithTheSeedsFields() throws Exception {
        JsonNode list = ok(get("/api/identities"));
        assertThat(list.get("total").asInt()).isEqualTo(2);
        List<Instant> lastSeen = new ArrayList<>();
        list.get("items").forEach(i -> lastSeen.add(Instant.parse(i.get("last_seen").asText())));
        assertThat(lastSeen).isSortedAccordingTo(Comparator.reverseOrder());
        JsonNode item = item(a.identityId());
        assertThat(item.get("object_class").asText()).isEqualTo("person");
        assertThat(item.get("total_seconds").asDouble()).isEqualTo(fixture.backend.queries().dwellSeconds(a.identityId())).isPositive();
        assertThat(item.get("rep_thumb_url").asText()).isEqualTo("/api/identities/" + a.identityId() + "/thumbnail");
        assertThat(item.get("face_thumb_url").asText()).startsWith("/api/faces/");
        for (String field : List.of("color", "color_hex", "make", "vehicle_type")) assertThat(item.get(field).isNull()).isTrue();
        holds(a.identityId(), List.of(a), null);
        holds(b.identityId(), List.of(b), null);

        assertThat(ok(get("/api/identities?named_only=true")).get("total").asInt()).isZero();
        assertThat(ok(get("/api/identities?min_sightings=2")).get("total").asInt()).isZero();
        assertThat(ok(get("/api/identities?object_class=car")).get("total").asInt()).isZero();
        JsonNode page = ok(get("/api/identities?limit=1&offset=1"));
        assertThat(page.get("total").asInt()).isEqualTo(2);
        assertThat(page.get("items").get(0).get("id").asText()).isEqualTo(list.get("items").get(1).get("id").asText());

        JsonNode detail = ok(get("/api/identities/" + a.identityId() + "?recent=5"));
        assertThat(detail.get("recent")).hasSize(1);
        JsonNode sighting = detail.get("recent").get(0);
        assertThat(sighting.get("id").asText()).isEqualTo(a.sightingId());
        assertThat(sighting.get("camera_id").asText()).isEqualTo("hall-cam");
        assertThat(sighting.get("file_id").asText()).isEqualTo(fileId);
        assertThat(sighting.get("match_kind").asText()).isEqualTo("identity");
        assertThat(detail.get("num_face_exemplars").asInt()).isPositive();
        assertThat(ok(get("/api/identities/" + a.identityId() + "?recent=0")).get("recent")).isEmpty();

        for (String path : List.of("/api/identities/" + a.identityId() + "/thumbnail", sighting.get("thumb_url").asText())) {
            HttpResponse<byte[]> jpeg = ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(URI.create(fixture.url(path)))
                    .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(jpeg.statusCode()).as(path).isEqualTo(200);
            assertThat(jpeg.headers().firstValue("Content-Type")).hasValue("image/jpeg");
            assertThat(jpeg.body()).startsWith((byte) 0xFF, (byte) 0xD8);
        }
    }

    @Test
    @Order(1)
    void analyticsCountTheReplaysIdentitiesAndSightings() {
        JsonNode analytics = ok(get("/api/identities/analytics"));
        JsonNode summary = analytics.get("summary");
        assertThat(summary.get("total_identities").asInt()).isEqualTo(2);
        assertThat(summary.get("named").asInt()).isZero();
        assertThat(summary.get("unnamed").asInt()).isEqualTo(2);
        assertThat(summary.get("seen7d").asInt()).isEqualTo(2);
        Instant today = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
        assertThat(summary.get("seen_today").asInt()).isEqualTo(a.last().isBefore(today) ? 0 : 2);
        assertThat(summary.get("total_sightings").asInt()).isEqualTo(2);
        JsonNode camera = analytics.get("by_camera").get(0);
        assertThat(analytics.get("by_camera")).hasSize(1);
        assertThat(camera.get("camera_id").asText()).isEqualTo("hall-cam");
        assertThat(camera.get("sightings").asInt()).isEqualTo(2);
        assertThat(camera.get("distinct_people").asInt()).isEqualTo(2);
        double dwell = (fixture.backend.queries().dwellSeconds(a.identityId()) + fixture.backend.queries().dwellSeconds(b.identityId())) / 2;
        assertThat(camera.get("avg_dwell_seconds").asDouble()).isCloseTo(dwell, org.assertj.core.data.Offset.offset(0.001));
        JsonNode hours = analytics.get("by_hour");
        assertThat(hours).hasSize(24);
        long total = 0;
        for (JsonNode h : hours) {
            Instant hour = Instant.parse(h.get("hour").asText());
            boolean holdsEntry = !BASE.isBefore(hour) && BASE.isBefore(hour.plusSeconds(3600));
            assertThat(h.get("sightings").asInt()).as(hour.toString()).isEqualTo(holdsEntry ? 2 : 0);
            total += h.get("sightings").asInt();
        }
        assertThat(total).isEqualTo(2);
        assertThat(analytics.get("by_match_kind").get("identity").asInt()).isEqualTo(2);
        assertThat(analytics.get("by_match_kind").get("person").asInt()).isZero();
        assertThat(ok(get("/api/identities/analytics?object_class=car")).get("summary").get("total_identities").asInt()).isZero();
    }

    @Test
    @Order(2)
    void badInputIsRefusedAndChangesNothing() {
        String ida = a.identityId();
        assertThat(get("/api/identities/no-such-identity").statusCode()).isEqualTo(404);
        assertThat(json(get("/api/identities/no-such-identity")).get("detail").asText()).isEqualTo("Identity not found: no-such-identity");
        assertThat(get("/api/identities/no-such-identity/sightings").statusCode()).isEqualTo(404);
        assertThat(get("/api/identities/no-such-identity/faces").statusCode()).isEqualTo(404);
        assertThat(get("/api/identities/no-such-identity/thumbnail").statusCode()).isEqualTo(404);
        assertThat(get("/api/identities/sightings/no-such-sighting/thumbnail").statusCode()).isEqualTo(404);
        assertThat(get("/api/identities?limit=0").statusCode()).isEqualTo(422);
        assertThat(get("/api/identities?limit=501").statusCode()).isEqualTo(422);
        assertThat(get("/api/identities?offset=-1").statusCode()).isEqualTo(422);
        assertThat(get("/api/identities?named_only=maybe").statusCode()).isEqualTo(422);
        assertThat(get("/api/identities/" + ida + "?recent=201").statusCode()).isEqualTo(422);

        // merge: into itself, too many, an unknown source or target, a malformed body
        HttpResponse<String> self = admin("POST", "/api/identities/merge", "{\"target_id\": \"%s\", \"source_ids\": [\"%s\"]}".formatted(ida, ida));
        assertThat(self.statusCode()).isEqualTo(422);
        assertThat(json(self).get("detail").asText()).contains("merged into itself");
        String many = IntStream.range(0, 1001).mapToObj(i -> "\"id-" + i + "\"").collect(Collectors.joining(","));
        HttpResponse<String> tooMany = admin("POST", "/api/identities/merge", "{\"target_id\": \"%s\", \"source_ids\": [%s]}".formatted(ida, many));
        assertThat(tooMany.statusCode()).isEqualTo(422);
        assertThat(json(tooMany).get("detail").asText()).isEqualTo("source_ids: at most 1000 ids, got 1001");
        assertThat(admin("POST", "/api/identities/merge", "{\"target_id\": \"%s\", \"source_ids\": []}".formatted(ida)).statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/merge", "{\"target_id\": \"%s\", \"source_ids\": [\"nobody\"]}".formatted(ida)).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/identities/merge", "{\"target_id\": \"nobody\", \"source_ids\": [\"%s\"]}".formatted(ida)).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/identities/merge", "{\"source_ids\": [\"%s\"]}".formatted(ida)).statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/merge", "{not json").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/merge", "").statusCode()).isEqualTo(422);

        // split: neither parameter, a sighting of another identity, every sighting, an unknown identity
        HttpResponse<String> neither = admin("POST", "/api/identities/" + ida + "/split", "{}");
        assertThat(neither.statusCode()).isEqualTo(400);
        assertThat(json(neither).get("detail").asText()).isEqualTo("Provide sighting_ids or auto=true.");
        HttpResponse<String> foreign = admin("POST", "/api/identities/" + ida + "/split", "{\"sighting_ids\": [\"%s\"]}".formatted(b.sightingId()));
        assertThat(foreign.statusCode()).isEqualTo(422);
        assertThat(json(foreign).get("detail").asText()).contains("is not a sighting of identity " + ida);
        assertThat(admin("POST", "/api/identities/" + ida + "/split", "{\"sighting_ids\": [\"%s\"]}".formatted(a.sightingId())).statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/" + ida + "/split", "{\"auto\": true}").statusCode()).as("one sighting cannot be split").isEqualTo(422);
        assertThat(admin("POST", "/api/identities/nobody/split", "{\"auto\": true}").statusCode()).isEqualTo(404);

        // edits, deletes: bad fields, unknown ids, too many ids, no confirm, a read-only key
        assertThat(admin("PUT", "/api/identities/" + ida, "{\"name\": 7}").statusCode()).isEqualTo(422);
        assertThat(admin("PUT", "/api/identities/" + ida, "{\"name\": \"   \"}").statusCode()).isEqualTo(422);
        assertThat(admin("PUT", "/api/identities/" + ida, "{\"is_named\": true}").statusCode()).as("nothing to name it").isEqualTo(422);
        assertThat(admin("PUT", "/api/identities/" + ida, "{\"name\": \"" + "x".repeat(201) + "\"}").statusCode()).isEqualTo(422);
        assertThat(admin("PUT", "/api/identities/nobody", "{\"name\": \"x\"}").statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/api/identities/nobody", null).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/identities/bulk-delete", "{\"ids\": [" + many + "]}").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/bulk-delete", "{\"ids\": []}").statusCode()).isEqualTo(422);
        HttpResponse<String> unconfirmed = admin("POST", "/api/identities/clear-all", "{\"confirm\": false}");
        assertThat(unconfirmed.statusCode()).isEqualTo(400);
        assertThat(admin("POST", "/api/identities/clear-all", "{}").statusCode()).isEqualTo(400);
        assertThat(send("PUT", "/api/identities/" + ida, "{\"name\": \"x\"}", READ_KEY).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/identities/clear-all", "{\"confirm\": true}", READ_KEY).statusCode()).isEqualTo(403);

        holds(ida, List.of(a), null);
        holds(b.identityId(), List.of(b), null);
    }

    @Test
    @Order(3)
    void renameAnnotateAndUnname() {
        JsonNode renamed = ok(admin("PUT", "/api/identities/" + a.identityId(), "{\"name\": \"Visitor A\", \"notes\": \"badge 7\"}"));
        assertThat(renamed.get("name").asText()).isEqualTo("Visitor A");
        assertThat(renamed.get("is_named").asBoolean()).isTrue();
        assertThat(renamed.get("status").asText()).isEqualTo("confirmed");
        assertThat(renamed.get("notes").asText()).isEqualTo("badge 7");
        JsonNode named = ok(get("/api/identities?named_only=true"));
        assertThat(named.get("items")).extracting(i -> i.get("id").asText()).containsExactly(a.identityId());

        JsonNode unnamed = ok(admin("PUT", "/api/identities/" + b.identityId(), "{\"name\": \"Visitor B\"}"));
        assertThat(unnamed.get("is_named").asBoolean()).isTrue();
        unnamed = ok(admin("PUT", "/api/identities/" + b.identityId(), "{\"is_named\": false}"));
        assertThat(unnamed.get("name").isNull()).isTrue();
        assertThat(unnamed.get("is_named").asBoolean()).isFalse();
        holds(a.identityId(), List.of(a), "Visitor A");
        holds(b.identityId(), List.of(b), null);
    }

    @Test
    @Order(4)
    void mergeMovesSightingsAndFacesAndRecomputesTheTarget() {
        // b (unnamed) is the target, a (named) the source: the target keeps the source's name
        JsonNode result = ok(admin("POST", "/api/identities/merge",
                "{\"target_id\": \"%s\", \"source_ids\": [\"%s\", \"%s\"]}".formatted(b.identityId(), a.identityId(), b.identityId())));
        assertThat(result.get("ok").asBoolean()).isTrue();
        assertThat(result.get("target_id").asText()).isEqualTo(b.identityId());
        assertThat(result.get("affected_ids")).extracting(JsonNode::asText).containsExactly(b.identityId(), a.identityId());
        assertThat(result.get("moved_sightings").asInt()).isEqualTo(1);
        assertThat(result.get("detail").asText()).isNotBlank();
        assertThat(get("/api/identities/" + a.identityId()).statusCode()).isEqualTo(404);
        holds(b.identityId(), List.of(a, b), "Visitor A");
        assertThat(ok(get("/api/identities")).get("total").asInt()).isEqualTo(1);
        JsonNode page = ok(get("/api/identities/" + b.identityId() + "/sightings?limit=1"));
        assertThat(page.get("total").asInt()).isEqualTo(2);
        assertThat(page.get("items")).hasSize(1);
        JsonNode second = ok(get("/api/identities/" + b.identityId() + "/sightings?limit=1&offset=1"));
        assertThat(Instant.parse(page.get("items").get(0).get("ts").asText()))
                .as("newest first").isAfterOrEqualTo(Instant.parse(second.get("items").get(0).get("ts").asText()));
    }

    @Test
    @Order(5)
    void splitBySightingsGivesTheStrangerBackTheirOwnIdentity() {
        JsonNode result = ok(admin("POST", "/api/identities/" + b.identityId() + "/split",
                "{\"sighting_ids\": [\"%s\"], \"new_name\": \"Stranger A\"}".formatted(a.sightingId())));
        String newId = result.get("target_id").asText();
        assertThat(result.get("affected_ids")).extracting(JsonNode::asText).containsExactly(b.identityId(), newId);
        assertThat(result.get("moved_sightings").asInt()).isEqualTo(1);
        holds(newId, List.of(a), "Stranger A");
        holds(b.identityId(), List.of(b), "Visitor A");
        a = new Stranger(newId, a.sightingId(), a.faceIds(), a.first(), a.last());
    }

    @Test
    @Order(6)
    void autoSplitSeparatesTheTwoStrangersByTheirFaces() {
        ok(admin("POST", "/api/identities/merge", "{\"target_id\": \"%s\", \"source_ids\": [\"%s\"]}".formatted(a.identityId(), b.identityId())));
        holds(a.identityId(), List.of(a, b), "Stranger A");
        JsonNode result = ok(admin("POST", "/api/identities/" + a.identityId() + "/split", "{\"auto\": true}"));
        String newId = result.get("target_id").asText();
        assertThat(result.get("moved_sightings").asInt()).isEqualTo(1);
        // the earliest sighting stays; both entered at once, so either may be the one that moved, but they part
        JsonNode moved = ok(get("/api/identities/" + newId + "/sightings")).get("items");
        String movedSighting = moved.get(0).get("id").asText();
        Stranger leaving = movedSighting.equals(a.sightingId()) ? a : b;
        Stranger staying = leaving == a ? b : a;
        holds(newId, List.of(leaving), null);
        holds(a.identityId(), List.of(staying), "Stranger A");
    }

    @Test
    @Order(7)
    void negativeFeedbackTakesAFaceOutOfItsIdentityForGood() {
        String id = a.identityId();
        List<String> faces = new ArrayList<>(faceIdsOf(id));
        assertThat(faces).isNotEmpty();
        List<String> all = new ArrayList<>();
        ok(get("/api/identities")).get("items").forEach(i -> all.add(i.get("id").asText()));
        String other = all.stream().filter(x -> !x.equals(id)).findFirst().orElseThrow();
        String foreign = faceIdsOf(other).iterator().next();
        HttpResponse<String> wrong = admin("POST", "/api/identities/" + id + "/reject-faces", "{\"face_ids\": [\"%s\"]}".formatted(foreign));
        assertThat(wrong.statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/identities/" + id + "/reject-faces", "{\"face_ids\": [\"nobody\"]}").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/identities/" + id + "/reject-faces", "{}").statusCode()).isEqualTo(422);
        String rejected = faces.get(0);
        JsonNode result = ok(admin("POST", "/api/identities/" + id + "/reject-faces", "{\"face_ids\": [\"%s\"]}".formatted(rejected)));
        assertThat(result.get("rejected").asInt()).isEqualTo(1);
        assertThat(faceIdsOf(id)).doesNotContain(rejected);
        assertThat(item(id).get("num_faces").asInt()).isEqualTo(faces.size() - 1);
        assertThat(fixture.backend.queries().identity(id).orElseThrow().getRejected())
                .extracting(io.facestream.schemas.avro.Exemplar::getFaceId).containsExactly(rejected);
        assertThat(fixture.backend.queries().face(rejected).orElseThrow().getIdentityId()).isNull();
    }

    @Test
    @Order(8)
    void deleteBulkDeleteAndClearAll() {
        List<String> ids = new ArrayList<>();
        ok(get("/api/identities")).get("items").forEach(i -> ids.add(i.get("id").asText()));
        assertThat(ids).hasSize(2);
        HttpResponse<String> deleted = admin("DELETE", "/api/identities/" + ids.get(0), null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(get("/api/identities/" + ids.get(0)).statusCode()).isEqualTo(404);
        for (String faceId : a.faceIds()) {
            if (fixture.backend.queries().face(faceId).isPresent()) {
                assertThat(fixture.backend.queries().face(faceId).get().getIdentityId()).isNotEqualTo(ids.get(0));
            }
        }
        JsonNode bulk = ok(admin("POST", "/api/identities/bulk-delete", "{\"ids\": [\"%s\", \"nobody\"]}".formatted(ids.get(1))));
        assertThat(bulk.get("deleted").asInt()).isEqualTo(1);
        assertThat(bulk.get("not_found")).extracting(JsonNode::asText).containsExactly("nobody");
        assertThat(ok(get("/api/identities")).get("total").asInt()).isZero();
        assertThat(fixture.backend.queries().sighting(a.sightingId())).isEmpty();
        assertThat(fixture.backend.queries().sighting(b.sightingId())).isEmpty();
        JsonNode cleared = ok(admin("POST", "/api/identities/clear-all", "{\"confirm\": true}"));
        assertThat(cleared.get("deleted").asInt()).isZero();
    }

    static JsonNode parse(String json) throws Exception {
        return ApiJson.mapper().readTree(json);
    }
}
