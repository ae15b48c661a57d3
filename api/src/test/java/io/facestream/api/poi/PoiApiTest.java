package io.facestream.api.poi;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.MatchThresholds;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.VectorStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 001 against the real product: the shared broker, a fresh pipeline, the real models and a real video
 * replayed through ingest. A POI is enrolled through the API from a face cut out of a group photo; the video
 * (as PipelineEndToEndTest composes it) shows that POI twice on the left, 3 s apart, and a stranger on the
 * right in between. Methods share that one replay, so they run in order (alerts are cleared near the end).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoiApiTest {
    static final double FPS = 10;
    static final int FRAMES = 80;
    static final int POI_A_FIRST = 0, POI_A_LAST = 19, POI_B_FIRST = 50, POI_B_LAST = 79, STRANGER_FIRST = 10, STRANGER_LAST = 69;
    static final Instant BASE = Instant.parse("2026-11-20T08:00:00Z");
    static final String CAMERA = "gate-cam";

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static byte[] poiPhoto, strangerPhoto, otherPhoto;
    static JsonNode enrolled;
    static String poiId;
    static String fileId;
    static MatchThresholds thresholds;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> List.of(new PoiModule(backend)));
        thresholds = ApiFixture.analyzer().thresholds();
        List<BufferedImage> faces = FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample1", 3);
        poiPhoto = jpeg(faces.get(0));
        strangerPhoto = jpeg(faces.get(1));
        otherPhoto = jpeg(faces.get(2));

        // Enrolled through the API before the replay, so the pipeline alerts on the POI's tracks.
        HttpResponse<String> created = postMultipart("/api/v1/poi", List.of(
                Part.file("images", "suspect.jpg", "image/jpeg", poiPhoto),
                Part.text("severity", "high"), Part.text("notes", "Shoplifting suspect")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        enrolled = json(created);
        poiId = enrolled.get("poi_id").asText();

        fileId = "file-" + UUID.randomUUID();
        Path video = dir.resolve("incident.mp4");
        SceneVideoWriter.write(video, 640, 360, FPS, FRAMES, List.of(
                new Sprite(faces.get(0), POI_A_FIRST, POI_A_LAST, 140, 180, 180, 170, 150, 160),
                new Sprite(faces.get(0), POI_B_FIRST, POI_B_LAST, 170, 170, 130, 180, 160, 150),
                new Sprite(faces.get(1), STRANGER_FIRST, STRANGER_LAST, 470, 190, 440, 180, 150, 150)));
        fixture.replay(video, fileId, CAMERA, BASE);
        await(() -> finalSightings().size() == 3, "the replay's three tracks end as final sightings");
    }

    @AfterAll
    static void stop() {
        // the people topic is shared by every test of this JVM: a POI left behind would match other tests' faces
        if (fixture != null && poiId != null) fixture.backend.writes().deletePerson(poiId);
        if (fixture != null) fixture.close();
    }

    @Test
    @Order(1)
    void enrolGetListAndDelete() {
        assertThat(poiId).matches("poi-[0-9a-f]{8}");
        assertThat(enrolled.get("severity").asText()).isEqualTo("high");
        assertThat(enrolled.get("notes").asText()).isEqualTo("Shoplifting suspect");
        assertThat(enrolled.get("status").asText()).isEqualTo("active");
        assertThat(enrolled.get("reference_images")).hasSize(1);
        assertThat(enrolled.get("reference_images").get(0).get("vector_dim").asInt()).isEqualTo(512);
        assertThat(enrolled.get("reference_images").get(0).get("embedding_id").asText()).startsWith("emb-");
        Instant createdAt = Instant.parse(enrolled.get("created_at").asText());
        assertThat(createdAt).isBetween(Instant.now().minus(Duration.ofMinutes(10)), Instant.now());
        assertThat(Set.of(fieldNames(enrolled).toArray()))
                .isEqualTo(Set.of("poi_id", "severity", "notes", "reference_images", "status", "created_at"));

        HttpResponse<String> one = get("/api/v1/poi/" + poiId);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one)).isEqualTo(enrolled);

        // A second POI from two images, severity left to its default: newest first in the list.
        HttpResponse<String> second = postMultipart("/api/v1/poi", List.of(
                Part.file("images", "a.jpg", "image/jpeg", otherPhoto), Part.file("images", "b.png", "image/png", png(otherPhoto))));
        assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
        JsonNode other = json(second);
        String otherId = other.get("poi_id").asText();
        assertThat(other.get("severity").asText()).isEqualTo("medium");
        assertThat(other.get("notes").isNull()).isTrue();
        assertThat(other.get("reference_images")).hasSize(2);
        assertThat(other.get("reference_images").findValues("vector_dim")).allMatch(n -> n.asInt() == 512);
        assertThat(other.get("reference_images").findValuesAsText("embedding_id")).doesNotHaveDuplicates();

        JsonNode list = json(get("/api/v1/poi"));
        List<String> ids = list.findValuesAsText("poi_id");
        assertThat(ids).contains(otherId, poiId);
        assertThat(ids.indexOf(otherId)).as("newest first").isLessThan(ids.indexOf(poiId));
        JsonNode listed = list.get(ids.indexOf(poiId));
        assertThat(Set.of(fieldNames(listed).toArray())).isEqualTo(Set.of("poi_id", "severity", "notes", "status", "created_at"));
        assertThat(listed.get("created_at").asText()).isEqualTo(enrolled.get("created_at").asText());

        HttpResponse<String> deleted = delete("/api/v1/poi/" + otherId);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(json(deleted).get("status").asText()).isEqualTo("deleted");
        assertThat(json(deleted).get("poi_id").asText()).isEqualTo(otherId);
        assertThat(fixture.backend.gallery().person(otherId)).isEmpty();
        assertThat(get("/api/v1/poi/" + otherId).statusCode()).isEqualTo(404);
        assertThat(json(get("/api/v1/poi")).findValuesAsText("poi_id")).contains(poiId).doesNotContain(otherId);
        HttpResponse<String> again = delete("/api/v1/poi/" + otherId);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(json(again).get("detail").asText()).contains(otherId);
    }

    @Test
    @Order(2)
    void searchByThePoisPhotoAnswersFromThePoiIndex() {
        List<Sighting> ofPoi = finalSightings().stream().filter(s -> poiId.equals(s.getPersonId()))
                .sorted((a, b) -> a.getEntryTime().compareTo(b.getEntryTime())).toList();
        assertThat(ofPoi).as("the pipeline saw the POI twice").hasSize(2);

        JsonNode all = json(search(poiPhoto, "2026-11-20T07:00:00Z", "2026-11-20T09:00:00Z", null));
        assertThat(all.get("event_type").asText()).isEqualTo("offline_search_result");
        assertThat(all.get("query_range").get("start").asText()).isEqualTo("2026-11-20T07:00:00Z");
        assertThat(all.get("query_range").get("end").asText()).isEqualTo("2026-11-20T09:00:00Z");
        assertThat(all.get("matched_poi_id").asText()).isEqualTo(poiId);
        assertThat(all.get("total_appearances").asInt()).isEqualTo(2);
        assertThat(all.get("search_stats").get("search_stage").asText()).isEqualTo("poi_index");
        assertThat(all.get("search_stats").get("poi_similarity").asDouble()).isGreaterThanOrEqualTo(thresholds.person());
        assertThat(all.get("search_stats").get("query_latency_ms").asDouble()).isGreaterThanOrEqualTo(0);
        JsonNode appearances = all.get("appearances");
        for (int i = 0; i < 2; i++) {
            JsonNode a = appearances.get(i);
            Sighting s = ofPoi.get(i);
            assertThat(a.get("track_id").asText()).isEqualTo(s.getTrackId());
            assertThat(a.get("camera_id").asText()).isEqualTo(CAMERA);
            assertThat(a.get("similarity").asDouble()).isCloseTo(s.getSimilarity(), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(a.get("entry_frame_url").asText()).isEqualTo(frameUrl("frame/" + fileId + ":" + s.getEntryFrame()));
            assertThat(a.get("last_seen_frame_url").asText()).isEqualTo(frameUrl("frame/" + fileId + ":" + s.getExitFrame()));
            assertThat(a.get("thumbnail_url").asText()).isEqualTo("/api/v1/thumbnail/" + s.getTrackId());
            Instant best = Instant.parse(a.get("best_match_time").asText());
            assertThat(best).isBetween(s.getEntryTime(), s.getExitTime());
            JsonNode zone = a.get("zone_appearances").get(0);
            assertThat(Instant.parse(zone.get("entry_time").asText())).isEqualTo(s.getEntryTime());
            assertThat(Instant.parse(zone.get("exit_time").asText())).isEqualTo(s.getExitTime());
            assertThat(zone.get("dwell_seconds").asDouble())
                    .isEqualTo(Duration.between(s.getEntryTime(), s.getExitTime()).toMillis() / 1000.0);
        }
        assertThat(ofPoi.get(0).getEntryFrame()).isEqualTo(POI_A_FIRST);
        assertThat(ofPoi.get(1).getEntryFrame()).isEqualTo(POI_B_FIRST);
        assertThat(Instant.parse(appearances.get(0).get("zone_appearances").get(0).get("entry_time").asText()))
                .isEqualTo(BASE.plusMillis((long) (POI_A_FIRST * 1000 / FPS)));

        // Only the first presence (0-1.9 s) lies in the first three seconds; the second starts at 5 s.
        JsonNode first = json(search(poiPhoto, BASE.toString(), BASE.plusSeconds(3).toString(), null));
        assertThat(first.get("total_appearances").asInt()).isEqualTo(1);
        assertThat(first.get("appearances").get(0).get("track_id").asText()).isEqualTo(ofPoi.get(0).getTrackId());

        // A range without them: still the POI, with no appearances.
        JsonNode none = json(search(poiPhoto, "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", null));
        assertThat(none.get("matched_poi_id").asText()).isEqualTo(poiId);
        assertThat(none.get("total_appearances").asInt()).isZero();
        assertThat(none.get("appearances")).isEmpty();
    }

    @Test
    @Order(3)
    void searchByAStrangersPhotoFallsBackToTheDetectionIndex() {
        Sighting stranger = finalSightings().stream().filter(s -> s.getPersonId() == null).findFirst().orElseThrow();
        assertThat(stranger.getEntryFrame()).isEqualTo(STRANGER_FIRST);

        HttpResponse<String> response = search(strangerPhoto, "2026-11-20T07:00:00Z", "2026-11-20T09:00:00Z", "5");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode result = json(response);
        assertThat(result.has("matched_poi_id")).isFalse();
        JsonNode stats = result.get("search_stats");
        assertThat(stats.get("search_stage").asText()).isEqualTo("detection_index");
        assertThat(stats.get("vectors_searched").asLong()).isEqualTo(fixture.backend.vectors().count(VectorStore.FACES)).isPositive();
        assertThat(stats.get("raw_hits").asInt()).isBetween(1, 5);
        assertThat(stats.get("unique_tracks").asInt()).isEqualTo(1);
        assertThat(result.get("total_appearances").asInt()).isEqualTo(1);
        JsonNode a = result.get("appearances").get(0);
        assertThat(a.get("track_id").asText()).isEqualTo(stranger.getTrackId());
        assertThat(a.get("camera_id").asText()).isEqualTo(CAMERA);
        assertThat(a.get("faiss_id").asText()).startsWith(fileId + ":");
        assertThat(a.get("similarity").asDouble()).isGreaterThanOrEqualTo(thresholds.search())
                .isGreaterThanOrEqualTo(a.get("entry_similarity").asDouble())
                .isGreaterThanOrEqualTo(a.get("exit_similarity").asDouble());
        assertThat(Instant.parse(a.get("entry_timestamp").asText())).isEqualTo(stranger.getEntryTime());
        assertThat(Instant.parse(a.get("exit_timestamp").asText())).isEqualTo(stranger.getExitTime());
        assertThat(a.get("entry_frame_url").asText()).isEqualTo(frameUrl("frame/" + fileId + ":" + STRANGER_FIRST));
        assertThat(a.get("exit_frame_url").asText()).isEqualTo(frameUrl("frame/" + fileId + ":" + STRANGER_LAST));
        assertThat(a.get("bbox")).hasSize(4);
        assertThat(a.get("bbox").get(0).asInt()).as("the stranger walks on the right").isGreaterThan(320);
        assertThat(a.get("bbox").get(2).asInt()).isGreaterThan(a.get("bbox").get(0).asInt());
        assertThat(a.get("zone_appearances")).isEmpty();

        JsonNode outside = json(search(strangerPhoto, "2026-11-21T00:00:00Z", null, null));
        assertThat(outside.get("search_stats").get("search_stage").asText()).isEqualTo("detection_index");
        assertThat(outside.get("search_stats").get("raw_hits").asInt()).isZero();
        assertThat(outside.get("total_appearances").asInt()).isZero();
        assertThat(outside.get("query_range").get("end").isNull()).isTrue();
    }

    @Test
    @Order(4)
    void framesAndThumbnailsAreServedAndKeysOutsideFramesAreNot() throws Exception {
        JsonNode appearance = json(search(poiPhoto, null, null, null)).get("appearances").get(0);
        HttpResponse<byte[]> frame = getBytes(appearance.get("entry_frame_url").asText());
        assertThat(frame.statusCode()).isEqualTo(200);
        assertThat(frame.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(frame.body())).getWidth()).isEqualTo(640);

        HttpResponse<byte[]> thumbnail = getBytes(appearance.get("thumbnail_url").asText());
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(thumbnail.body())).getWidth()).isEqualTo(112);
        String faceId = json(search(strangerPhoto, null, null, null)).get("appearances").get(0).get("faiss_id").asText();
        assertThat(getBytes("/api/v1/thumbnail/" + faceId).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/thumbnail/no-such-track").statusCode()).isEqualTo(404);

        assertThat(get("/api/v1/frames/" + encode("frame/" + fileId + ":9999")).statusCode()).isEqualTo(404);
        Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET");
        Files.writeString(dir.resolve("blobs").resolve("secret.txt"), "TOP-SECRET");
        // Well-formed base64url of anything but one frame key: refused before the blob store is asked.
        for (String key : List.of("frame/../secret.txt", "frame/../../secret.txt", "../secret.txt", "frame/..%2Fsecret.txt",
                "thumbnail/x", "crop/" + fileId + ":0:0", "frame/a/b", "frame/", "/etc/passwd", "frame/" + fileId + ":0\u0000",
                "frame/" + fileId + "..:0", "FRAME/" + fileId + ":0")) {
            HttpResponse<String> response = get("/api/v1/frames/" + encode(key));
            assertThat(response.statusCode()).as(key).isEqualTo(400);
            assertThat(json(response).get("detail").asText()).as(key).contains("only frame keys");
        }
        // Tricks in the URL itself: the router or the decoder refuses them; nothing outside is ever served.
        for (String attempt : List.of("..%2F..%2Fsecret.txt", "%2e%2e%2fsecret.txt", "..%252Fsecret.txt", "not*base64!",
                "frame%2F..%2Fsecret.txt", "..", "%2e%2e")) {
            HttpResponse<byte[]> response = getBytes("/api/v1/frames/" + attempt);
            assertThat(response.statusCode()).as(attempt).isIn(400, 404);
            assertThat(new String(response.body(), StandardCharsets.UTF_8)).as(attempt).doesNotContain("TOP-SECRET");
        }
    }

    @Test
    @Order(5)
    void camerasAreListedWithTheirCredentialsMasked() {
        String id = "cam-" + UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        fixture.backend.writes().putCamera(Camera.newBuilder().setCameraId(id).setName("Entrance Camera")
                .setUrl("rtsp://admin:s3cr3t@10.0.0.5:554/live?channel=1&token=abcd").setEnabled(false)
                .setLocation("front door").setCreatedAt(now).setUpdatedAt(now).build());
        await(() -> get("/api/v1/cameras/" + id).statusCode() == 200, "the camera reaches its view");

        HttpResponse<String> list = get("/api/v1/cameras");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain("s3cr3t").doesNotContain("abcd");
        JsonNode body = json(list);
        assertThat(body.get("count").asInt()).isEqualTo(body.get("cameras").size());
        assertThat(body.get("cameras").findValuesAsText("id")).contains(id);

        JsonNode camera = json(get("/api/v1/cameras/" + id));
        assertThat(camera.get("id").asText()).isEqualTo(id);
        assertThat(camera.get("name").asText()).isEqualTo("Entrance Camera");
        assertThat(camera.get("url").asText()).isEqualTo("rtsp://***@10.0.0.5:554/live?channel=1&token=***");
        assertThat(camera.get("status").asText()).as("no worker sends heartbeats").isEqualTo("offline");
        HttpResponse<String> unknown = get("/api/v1/cameras/no-such-camera");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("detail").asText()).contains("no-such-camera");
    }

    @Test
    @Order(6)
    void alertsAreListedThenCleared() {
        await(() -> json(get("/api/v1/alerts")).findValuesAsText("poi_id").stream().filter(poiId::equals).count() == 2,
                "an alert for each of the POI's two tracks");
        JsonNode alerts = json(get("/api/v1/alerts"));
        List<JsonNode> ours = new ArrayList<>();
        alerts.forEach(a -> { if (a.get("poi_id").asText().equals(poiId)) ours.add(a); });
        Set<Integer> previous = new HashSet<>();
        Set<String> tracks = new HashSet<>();
        for (JsonNode a : ours) {
            assertThat(a.get("event_type").asText()).isEqualTo("poi_match_alert");
            assertThat(a.get("alert_id").asText()).startsWith(poiId + ":");
            assertThat(a.get("severity").asText()).isEqualTo("high");
            assertThat(a.get("status").asText()).isEqualTo("New");
            JsonNode match = a.get("match");
            assertThat(match.get("camera_id").asText()).isEqualTo(CAMERA);
            assertThat(match.get("similarity_score").asDouble()).isGreaterThanOrEqualTo(thresholds.poi());
            assertThat(match.get("confidence").asDouble()).isBetween(0.5, 1.0);
            assertThat(match.get("bbox")).hasSize(4);
            assertThat(match.get("bbox").get(0).asInt()).as("the POI walks on the left").isLessThan(320);
            long frame = match.get("frame_number").asLong();
            assertThat(frame <= POI_A_LAST || frame >= POI_B_FIRST).as("frame %d shows the POI", frame).isTrue();
            HttpResponse<byte[]> thumbnail = getBytes(match.get("thumbnail_path").asText());
            assertThat(thumbnail.statusCode()).isEqualTo(200);
            JsonNode meta = a.get("poi_metadata");
            assertThat(meta.get("notes").asText()).isEqualTo("Shoplifting suspect");
            assertThat(meta.get("enrollment_date").asText()).isEqualTo(enrolled.get("created_at").asText());
            previous.add(meta.get("total_previous_matches").asInt());
            tracks.add(a.get("alert_id").asText());
        }
        assertThat(previous).isEqualTo(Set.of(0, 1));
        assertThat(tracks).hasSize(2);
        List<Instant> times = new ArrayList<>();
        alerts.forEach(a -> times.add(Instant.parse(a.get("timestamp").asText())));
        List<Instant> newestFirst = new ArrayList<>(times);
        newestFirst.sort(Collections.reverseOrder());
        assertThat(times).isEqualTo(newestFirst);

        HttpResponse<String> cleared = delete("/api/v1/alerts");
        assertThat(cleared.statusCode()).isEqualTo(200);
        assertThat(json(cleared).get("deleted_count").asLong()).isEqualTo(alerts.size());
        assertThat(json(get("/api/v1/alerts"))).isEmpty();
        assertThat(json(delete("/api/v1/alerts")).get("deleted_count").asLong()).isZero();
    }

    @Test
    @Order(7)
    void statusReportsTheVectorCountAndTheBus() {
        JsonNode status = json(get("/api/v1/status"));
        assertThat(status.get("status").asText()).isEqualTo("running");
        assertThat(status.get("faiss_vectors").asLong()).isEqualTo(fixture.backend.vectors().count(VectorStore.FACES)).isPositive();
        // no MQTT publisher in this process: the field says so rather than standing in for Kafka
        assertThat(status.get("mqtt_connected").asBoolean()).isFalse();
        assertThat(status.get("kafka_connected").asBoolean()).isTrue();
        assertThat(status.get("kafka_lag").isObject()).isTrue();
        assertThat(status.get("pipeline_state").asText()).isEqualTo("running");
        assertThat(status.get("pois").asInt()).isEqualTo(json(get("/api/v1/poi")).size());
        assertThat(status.get("recent_alerts").asLong()).isZero();

        JsonNode paths = json(get("/openapi.json")).get("paths");
        assertThat(paths.has("/api/v1/poi")).isTrue();
        assertThat(paths.get("/api/v1/poi").has("post")).isTrue();
        for (String path : List.of("/api/v1/poi/{poi_id}", "/api/v1/search", "/api/v1/frames/{encoded_key}",
                "/api/v1/cameras", "/api/v1/cameras/{camera_id}", "/api/v1/alerts", "/api/v1/status",
                "/api/v1/thumbnail/{object_id}")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
    }

    @Test
    @Order(8)
    void badInputsAreRefusedAndChangeNothing() {
        JsonNode listBefore = json(get("/api/v1/poi"));
        JsonNode poiBefore = json(get("/api/v1/poi/" + poiId));
        byte[] noFace = ApiTestSupport.image("jpg", 320, 240);

        assertRefused(postMultipart("/api/v1/poi", List.of(Part.text("severity", "high"))), 422, "got 0");
        List<Part> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) six.add(Part.file("images", "p" + i + ".jpg", "image/jpeg", poiPhoto));
        assertRefused(postMultipart("/api/v1/poi", six), 422, "got 6");
        assertRefused(postMultipart("/api/v1/poi", List.of(Part.file("images", "x.jpg", "image/jpeg",
                "definitely not a picture".getBytes(StandardCharsets.UTF_8)))), 415, "JPEG");
        assertRefused(postMultipart("/api/v1/poi", List.of(Part.file("images", "noise.jpg", "image/jpeg", noFace))),
                422, "No face detected in image 1 (noise.jpg)");
        assertRefused(postMultipart("/api/v1/poi", List.of(Part.file("images", "ok.jpg", "image/jpeg", poiPhoto),
                Part.file("images", "noise.jpg", "image/jpeg", noFace))), 422, "image 2");
        assertRefused(postMultipart("/api/v1/poi", List.of(Part.file("images", "ok.jpg", "image/jpeg", poiPhoto),
                Part.text("severity", "urgent"))), 422, "severity");
        HttpResponse<String> readOnly = ApiTestSupport.postMultipart(fixture.server, "/api/v1/poi",
                List.of(Part.file("images", "ok.jpg", "image/jpeg", poiPhoto)), "Authorization", "Bearer " + READ_KEY);
        assertThat(readOnly.statusCode()).isEqualTo(403);
        assertRefused(get("/api/v1/poi/poi-00000000"), 404, "poi-00000000");
        assertRefused(delete("/api/v1/poi/poi-00000000"), 404, "poi-00000000");

        assertRefused(search(poiPhoto, "yesterday", null, null), 422, "start_time");
        assertRefused(search(poiPhoto, null, "2026-13-01T00:00:00Z", null), 422, "end_time");
        assertRefused(search(poiPhoto, "2026-11-21T00:00:00Z", "2026-11-20T00:00:00Z", null), 422, "after");
        assertRefused(search(poiPhoto, null, null, "0"), 422, "top_k");
        assertRefused(search(poiPhoto, null, null, "many"), 422, "top_k");
        assertRefused(search(noFace, null, null, null), 422, "No face detected");
        assertRefused(postMultipart("/api/v1/search", List.of(Part.text("top_k", "5"))), 422, "image");

        assertThat(json(get("/api/v1/poi"))).isEqualTo(listBefore);
        assertThat(json(get("/api/v1/poi/" + poiId))).isEqualTo(poiBefore);
        assertThat(json(search(poiPhoto, null, null, null)).get("matched_poi_id").asText()).isEqualTo(poiId);
    }

    // --- helpers ---

    private static void assertRefused(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(json(response).get("detail").asText()).contains(detail);
    }

    static List<Sighting> finalSightings() {
        List<Sighting> out = new ArrayList<>();
        ReadOnlyKeyValueStore<String, Sighting> view = fixture.backend.router().store(Views.SIGHTINGS.name());
        try (KeyValueIterator<String, Sighting> it = view.all()) {
            it.forEachRemaining(kv -> {
                if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) out.add(kv.value);
            });
        }
        return out;
    }

    static HttpResponse<String> search(byte[] photo, String start, String end, String topK) {
        List<Part> parts = new ArrayList<>(List.of(Part.file("image", "query.jpg", "image/jpeg", photo)));
        if (start != null) parts.add(Part.text("start_time", start));
        if (end != null) parts.add(Part.text("end_time", end));
        if (topK != null) parts.add(Part.text("top_k", topK));
        return postMultipart("/api/v1/search", parts);
    }

    static HttpResponse<String> postMultipart(String path, List<Part> parts) {
        return ApiTestSupport.postMultipart(fixture.server, path, parts, "Authorization", "Bearer " + ADMIN_KEY);
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "Authorization", "Bearer " + READ_KEY);
    }

    static HttpResponse<String> delete(String path) {
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, "Authorization", "Bearer " + ADMIN_KEY)
                .DELETE().build());
    }

    static HttpResponse<byte[]> getBytes(String path) {
        try {
            return ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(URI.create(fixture.url(path)))
                    .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static String frameUrl(String key) {
        return "/api/v1/frames/" + encode(key);
    }

    static List<String> fieldNames(JsonNode node) {
        return StreamSupport.stream(((Iterable<String>) node::fieldNames).spliterator(), false).toList();
    }

    static byte[] jpeg(BufferedImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    static byte[] png(byte[] jpeg) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(ImageIO.read(new java.io.ByteArrayInputStream(jpeg)), "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // a view not queryable yet: keep waiting
            }
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
