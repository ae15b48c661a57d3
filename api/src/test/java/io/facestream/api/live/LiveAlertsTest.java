package io.facestream.api.live;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.live.FaceImages.Client;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /api/v1/ws/alerts on the real product: a POI enrolled, a client connected, a video where the POI walks
 * by twice replayed through real ingest; the client gets exactly the two alerts the pipeline committed for
 * that replay, in seed 001's shape, and not an alert that was on the topic before it connected.
 */
class LiveAlertsTest {
    static final Instant BASE = Instant.parse("2026-11-20T08:00:00Z");

    @TempDir
    static Path dir;
    static LiveAlertsModule alerts;
    static ApiFixture fixture;
    static Person poi;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> {
            // built here, after the fixture created the topics, as the service builds it at start
            alerts = new LiveAlertsModule(KafkaFixture.bootstrap(), registryUrl());
            return List.of(alerts, new io.facestream.api.poi.PoiModule(backend)); // GET /api/v1/alerts too
        });
        poi = FaceImages.poi("Watched Person", FaceImages.embedding(FaceImages.sprites().get(0)));
        fixture.backend.writes().putPerson(poi);
        fixture.backend.awaitVisible(() -> fixture.backend.gallery().person(poi.getPersonId()).isPresent(), "the POI");
    }

    @AfterAll
    static void stop() {
        fixture.backend.writes().deletePerson(poi.getPersonId());
        fixture.close();
        alerts.close();
    }

    private static String registryUrl() {
        try {
            return KafkaFixture.registryUrl();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String uri() {
        return "ws://127.0.0.1:" + fixture.server.port() + LiveAlertsModule.PATH;
    }

    @Test
    void pushesEachAlertOfAReplayAsItHappensAndNothingFromBefore() throws Exception {
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(KafkaFixture.registryUrl()));
        // an alert already on the topic when the client connects: it must not be pushed
        PoiAlert earlier = PoiAlert.newBuilder().setAlertId(poi.getPersonId() + ":earlier-track").setPoiId(poi.getPersonId())
                .setPoiName(poi.getName()).setSeverity(Severity.HIGH).setNotes("earlier").setEnrolledAt(BASE)
                .setPreviousMatchCount(0).setCameraId("old-cam").setSourceId("old-cam").setTrackId("old-cam:1")
                .setTimestamp(BASE).setConfidence(0.9f).setSimilarity(0.8f).setBbox(new BoundingBox(1f, 2f, 3f, 4f))
                .setFrameNumber(1).build();
        try (KafkaProducer<String, PoiAlert> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaFixture.bootstrap()), new StringSerializer(), serdes.of(PoiAlert.class).serializer())) {
            producer.send(new ProducerRecord<>(Topics.POI_ALERTS, poi.getPersonId(), earlier)).get();
        }

        String fileId = "file-" + UUID.randomUUID();
        var sprites = FaceImages.sprites();
        // the POI on the left twice, 3 s apart (two tracks, so two alerts); a stranger on the right in between
        Path video = FaceImages.video(dir.resolve("incident.mp4"), 80, List.of(
                new Sprite(sprites.get(0), 0, 19, 140, 180, 180, 170, 150, 160),
                new Sprite(sprites.get(0), 50, 79, 170, 170, 130, 180, 160, 150),
                new Sprite(sprites.get(1), 10, 69, 470, 190, 440, 180, 150, 150)));

        try (Client ws = Client.connect(ApiTestSupport.CLIENT, uri(), "Authorization", "Bearer " + READ_KEY)) {
            FaceImages.await(() -> alerts.clients() == 1, Duration.ofSeconds(10), "the client subscribed");
            fixture.replay(video, fileId, "gate-cam", BASE);

            List<JsonNode> pushed = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ofPoi(pushed) < 2 && System.nanoTime() < deadline) {
                String message = ws.messages.poll(200, TimeUnit.MILLISECONDS);
                if (message != null) pushed.add(ApiJson.mapper().readTree(message));
            }
            Thread.sleep(1000); // a duplicate would show up as a third
            String message;
            while ((message = ws.messages.poll()) != null) pushed.add(ApiJson.mapper().readTree(message));
            List<JsonNode> mine = pushed.stream().filter(m -> m.path("poi_id").asText().equals(poi.getPersonId())).toList();

            List<PoiAlert> committed = committedAlerts(serdes, fileId);
            assertThat(committed).as("the pipeline raised one alert per track of the POI").hasSize(2);
            assertThat(mine).as("exactly the alerts of the replay, not the earlier one").hasSize(2);
            assertThat(mine).extracting(m -> m.get("alert_id").asText())
                    .containsExactlyInAnyOrderElementsOf(committed.stream().map(PoiAlert::getAlertId).toList())
                    .doesNotContain(earlier.getAlertId());
            for (PoiAlert alert : committed) {
                JsonNode m = mine.stream().filter(x -> x.get("alert_id").asText().equals(alert.getAlertId())).findFirst().orElseThrow();
                var box = alert.getBbox();
                Map<String, Object> expected = new java.util.HashMap<>(Map.of(
                        "event_type", "poi_match_alert",
                        "alert_id", alert.getAlertId(),
                        "poi_id", poi.getPersonId(),
                        "severity", "high",
                        "timestamp", alert.getTimestamp().toString(),
                        "status", "New",
                        "match", Map.of("camera_id", "gate-cam",
                                "confidence", Math.round(alert.getConfidence() * 10_000d) / 10_000d,
                                "similarity_score", Math.round(alert.getSimilarity() * 10_000d) / 10_000d,
                                "bbox", List.of(Math.round(box.getX()), Math.round(box.getY()),
                                        Math.round(box.getX() + box.getWidth()), Math.round(box.getY() + box.getHeight())),
                                "frame_number", alert.getFrameNumber(),
                                "thumbnail_path", "/api/v1/thumbnail/" + alert.getThumbnailRef()),
                        "poi_metadata", Map.of("notes", "seen near the loading bay",
                                "enrollment_date", poi.getWatchlist().getEnrolledAt().toString(),
                                "total_previous_matches", alert.getPreviousMatchCount()),
                        "kind", "poi"));
                // beyond the seed: a new alert is not acknowledged yet
                expected.put("acknowledged", false);
                expected.put("acknowledged_by", null);
                expected.put("acknowledged_at", null);
                expected.put("acknowledgement_note", null);
                assertThat(m).isEqualTo(asJson(expected));
                assertThat(m.get("match").get("similarity_score").asDouble())
                        .isGreaterThanOrEqualTo(fixture.backend.analyzer().thresholds().poi() - 1e-4);
                assertThat(m.get("match").get("bbox").get(0).asInt()).as("the POI walks on the left").isLessThan(320);
            }
        }
        FaceImages.await(() -> alerts.clients() == 0, Duration.ofSeconds(10), "the closed client left the feed");
    }

    /**
     * Issue 16.6: a face that matches nobody, at a camera defined with {@code unknown_face_alerts}, is pushed and listed
     * as an alert of kind unknown naming its automatic identity, in seed 001's shape.
     */
    @Test
    void anUnknownFaceAtACameraThatAsksIsPushedAndListedWithItsKind() throws Exception {
        String camera = "unknown-cam-" + UUID.randomUUID();
        Instant now = Instant.now();
        fixture.backend.writes().putCamera(io.facestream.schemas.avro.Camera.newBuilder().setCameraId(camera).setName("Back door")
                .setUrl("rtsp://camera.invalid/stream").setEnabled(false).setUnknownFaceAlerts(true).setCreatedAt(now).setUpdatedAt(now).build());
        fixture.backend.awaitVisible(() -> fixture.backend.queries().camera(camera).isPresent(), "the camera");
        String fileId = "file-" + UUID.randomUUID();
        Path video = FaceImages.video(dir.resolve("stranger.mp4"), 40, List.of(
                new Sprite(FaceImages.sprites().get(1), 0, 39, 470, 190, 440, 180, 150, 150)));

        try (Client ws = Client.connect(ApiTestSupport.CLIENT, uri(), "Authorization", "Bearer " + READ_KEY)) {
            FaceImages.await(() -> alerts.clients() >= 1, Duration.ofSeconds(10), "the client subscribed");
            fixture.replay(video, fileId, camera, BASE);
            List<JsonNode> pushed = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (pushed.isEmpty() && System.nanoTime() < deadline) {
                String message = ws.messages.poll(200, TimeUnit.MILLISECONDS);
                if (message == null) continue;
                JsonNode m = ApiJson.mapper().readTree(message);
                if (m.path("match").path("camera_id").asText().equals(camera)) pushed.add(m);
            }
            assertThat(pushed).singleElement().satisfies(m -> {
                assertThat(m.get("event_type").asText()).isEqualTo("unknown_face_alert");
                assertThat(m.get("kind").asText()).isEqualTo("unknown");
                assertThat(m.get("identity_id").asText()).isNotBlank().isEqualTo(m.get("poi_id").asText());
                assertThat(m.get("severity").asText()).isEqualTo("low");
                assertThat(m.get("alert_id").asText()).startsWith(m.get("identity_id").asText() + ":" + fileId + ":t");
                assertThat(m.get("match").get("bbox").get(0).asInt()).as("the stranger walks on the right").isGreaterThan(320);
                assertThat(m.get("match").get("thumbnail_path").asText()).startsWith("/api/v1/thumbnail/" + fileId + ":");
            });
            String alertId = pushed.get(0).get("alert_id").asText();
            FaceImages.await(() -> listed(alertId) != null, Duration.ofSeconds(30), "the alert is listed");
            JsonNode listed = listed(alertId);
            assertThat(listed.get("kind").asText()).isEqualTo("unknown");
            assertThat(listed.get("event_type").asText()).isEqualTo("unknown_face_alert");
            assertThat(listed.get("identity_id")).isEqualTo(pushed.get(0).get("identity_id"));
        }
    }

    /** The alert of GET /api/v1/alerts with that id, or null. */
    private static JsonNode listed(String alertId) {
        try {
            for (JsonNode a : ApiJson.mapper().readTree(ApiTestSupport.get(fixture.server, "/api/v1/alerts", "X-API-Key", READ_KEY).body())) {
                if (a.get("alert_id").asText().equals(alertId)) return a;
            }
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Through text, as the client reads it, so numbers compare as the same node types. */
    private static JsonNode asJson(Object value) throws Exception {
        return ApiJson.mapper().readTree(ApiJson.mapper().writeValueAsString(value));
    }

    private static long ofPoi(List<JsonNode> pushed) {
        return pushed.stream().filter(m -> m.path("poi_id").asText().equals(poi.getPersonId())).count();
    }

    /** The committed alerts of this replay, read from the topic's start. */
    private static List<PoiAlert> committedAlerts(AvroSerdes serdes, String fileId) {
        List<PoiAlert> out = new ArrayList<>();
        var serde = serdes.of(PoiAlert.class);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.POI_ALERTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        PoiAlert a = serde.deserialize(r.topic(), r.value());
                        if (fileId.equals(a.getSourceId()) && a.getPoiId().equals(poi.getPersonId())) out.add(a);
                    } catch (RuntimeException e) {
                        // written under another registry by another test of this JVM
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theUpgradeNeedsAKey() {
        assertThatThrownBy(() -> ApiTestSupport.CLIENT.newWebSocketBuilder()
                .buildAsync(URI.create(uri()), new WebSocket.Listener() {}).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
    }
}
