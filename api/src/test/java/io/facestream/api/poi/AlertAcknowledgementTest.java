package io.facestream.api.poi;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.FieldLimits;
import io.facestream.api.live.FaceImages;
import io.facestream.api.live.FaceImages.Client;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.Person;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledging alerts on the real product: the shared broker, a fresh pipeline, the real models, a video replayed
 * through real ingest in which a POI walks by (one alert), and real HTTP. Two API servers: the fixture's, and a second
 * one with its own alerts feed (its own Kafka consumer) whose WebSocket clients must hear of an acknowledgement made
 * through the first. Both read the fixture's one pipeline (routing reads between two pipelines is
 * IdentitiesTwoInstancesTest's subject, and acknowledgements go through the same router).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertAcknowledgementTest {
    static final Instant BASE = Instant.parse("2026-11-22T07:00:00Z");

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static LiveAlertsModule feedOne, feedTwo;
    static ApiServer second;
    static Client watcher;
    static Person poi;
    static String alertId;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> {
            feedOne = new LiveAlertsModule(KafkaFixture.bootstrap(), registryUrl());
            return List.of(new PoiModule(backend), feedOne);
        });
        feedTwo = new LiveAlertsModule(KafkaFixture.bootstrap(), registryUrl());
        second = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                .modules(List.of(new PoiModule(fixture.backend), feedTwo)).start();
        watcher = Client.connect(ApiTestSupport.CLIENT, "ws://127.0.0.1:" + second.port() + "/api/v1/ws/alerts",
                "Authorization", "Bearer " + READ_KEY);
        FaceImages.await(() -> feedTwo.clients() == 1, Duration.ofSeconds(10), "the second server's client subscribed");

        poi = FaceImages.poi("Watched Person", FaceImages.embedding(FaceImages.sprites().get(0)));
        fixture.backend.writes().putPerson(poi);
        fixture.backend.awaitVisible(() -> fixture.backend.gallery().person(poi.getPersonId()).isPresent(), "the POI");
        Path video = FaceImages.video(dir.resolve("walk-by.mp4"), 30,
                List.of(new Sprite(FaceImages.sprites().get(0), 0, 29, 140, 180, 200, 170, 150, 160)));
        fixture.replay(video, "file-" + UUID.randomUUID(), "ack-cam", BASE);
        FaceImages.await(() -> ours(list(fixture.server, "")).size() == 1, Duration.ofSeconds(60), "the POI's alert listed");
        alertId = ours(list(fixture.server, "")).getFirst().get("alert_id").asText();
        // the new alert itself reaches the watcher first
        JsonNode pushed = watcher.next(Duration.ofSeconds(30));
        assertThat(pushed.get("alert_id").asText()).isEqualTo(alertId);
        assertThat(pushed.get("acknowledged").asBoolean()).isFalse();
    }

    @AfterAll
    static void stop() throws Exception {
        if (watcher != null) watcher.close();
        if (second != null) second.close();
        if (fixture != null) {
            fixture.backend.writes().deletePerson(poi.getPersonId());
            fixture.close();
        }
        if (feedOne != null) feedOne.close();
        if (feedTwo != null) feedTwo.close();
    }

    @Test
    @Order(1)
    void aNewAlertIsListedUnacknowledgedInSeedOnesShapeWithTheNewFields() {
        JsonNode alert = ours(list(fixture.server, "")).getFirst();
        List<String> fields = new ArrayList<>();
        alert.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).contains("event_type", "alert_id", "poi_id", "severity", "timestamp", "status", "match", "poi_metadata",
                "acknowledged", "acknowledged_by", "acknowledged_at", "acknowledgement_note");
        assertThat(alert.get("status").asText()).isEqualTo("New");
        assertThat(alert.get("acknowledged").asBoolean()).isFalse();
        assertThat(alert.get("acknowledged_by").isNull()).isTrue();
        assertThat(alert.get("acknowledged_at").isNull()).isTrue();
        assertThat(ids(list(fixture.server, "?acknowledged=false"))).contains(alertId);
        assertThat(ids(list(fixture.server, "?acknowledged=true"))).doesNotContain(alertId);
    }

    @Test
    @Order(2)
    void badRequestsAreRefusedAndStoreNothing() {
        HttpResponse<String> readOnly = send(fixture.server, "POST", "/api/v1/alerts/" + alertId + "/ack", READ_KEY, "{}");
        assertThat(readOnly.statusCode()).as(readOnly.body()).isEqualTo(403);
        HttpResponse<String> readOnlyUndo = send(fixture.server, "DELETE", "/api/v1/alerts/" + alertId + "/ack", READ_KEY, null);
        assertThat(readOnlyUndo.statusCode()).isEqualTo(403);

        HttpResponse<String> unknown = send(fixture.server, "POST", "/api/v1/alerts/" + poi.getPersonId() + ":no-such-track/ack", ADMIN_KEY, null);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(send(fixture.server, "DELETE", "/api/v1/alerts/nope/ack", ADMIN_KEY, null).statusCode()).isEqualTo(404);
        assertThat(send(fixture.server, "POST", "/api/v1/alerts/" + "x".repeat(5000) + "/ack", ADMIN_KEY, null).statusCode()).isEqualTo(404);

        String tooLong = "{\"note\": \"" + "n".repeat(FieldLimits.ACK_NOTE + 1) + "\"}";
        HttpResponse<String> overLong = send(fixture.server, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, tooLong);
        assertThat(overLong.statusCode()).as(overLong.body()).isEqualTo(422);
        assertThat(overLong.body()).contains("note");
        assertThat(send(fixture.server, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, "[1, 2]").statusCode()).isEqualTo(422);
        assertThat(send(fixture.server, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, "{\"note\": 5}").statusCode()).isEqualTo(422);
        assertThat(ApiTestSupport.get(fixture.server, "/api/v1/alerts?acknowledged=maybe", "Authorization", "Bearer " + READ_KEY)
                .statusCode()).isEqualTo(422);

        assertThat(ours(list(fixture.server, "")).getFirst().get("acknowledged").asBoolean()).as("nothing was stored").isFalse();
        assertThat(watcher.messages).as("nothing was pushed").isEmpty();
    }

    @Test
    @Order(3)
    void anAcknowledgementIsSharedByEveryServerAndPushedLive() throws Exception {
        Instant before = Instant.now().minusMillis(1);
        HttpResponse<String> acked = send(fixture.server, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY,
                "{\"note\": \"Guard sent to gate 2\"}");
        assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
        JsonNode body = json(acked);
        assertThat(body.get("alert_id").asText()).isEqualTo(alertId);
        assertThat(body.get("acknowledged").asBoolean()).isTrue();
        assertThat(body.get("status").asText()).isEqualTo("Acknowledged");
        assertThat(body.get("acknowledged_by").asText()).isEqualTo("ops");
        assertThat(body.get("acknowledgement_note").asText()).isEqualTo("Guard sent to gate 2");
        Instant at = Instant.parse(body.get("acknowledged_at").asText());
        assertThat(at).isBetween(before, Instant.now());

        // a second read, through either server, shows it
        for (ApiServer server : List.of(fixture.server, second)) {
            JsonNode listed = ours(list(server, "")).getFirst();
            assertThat(listed).isEqualTo(body);
            assertThat(ids(list(server, "?acknowledged=true"))).contains(alertId);
            assertThat(ids(list(server, "?acknowledged=false"))).doesNotContain(alertId);
        }

        // the second server's console hears of it, though the acknowledgement went through the first
        JsonNode event = watcher.next(Duration.ofSeconds(15));
        assertThat(event.get("event_type").asText()).isEqualTo("alert_acknowledged");
        assertThat(event.get("alert_id").asText()).isEqualTo(alertId);
        assertThat(event.get("acknowledged").asBoolean()).isTrue();
        assertThat(event.get("acknowledged_by").asText()).isEqualTo("ops");
        assertThat(Instant.parse(event.get("acknowledged_at").asText())).isEqualTo(at);
        assertThat(event.get("acknowledgement_note").asText()).isEqualTo("Guard sent to gate 2");

        // idempotent: acknowledging again, through the other server and with another note, changes nothing
        HttpResponse<String> again = send(second, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, "{\"note\": \"again\"}");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(json(again)).isEqualTo(body);
        HttpResponse<String> noBody = send(second, "POST", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, null);
        assertThat(json(noBody)).isEqualTo(body);
        assertThat(watcher.messages.poll(1, java.util.concurrent.TimeUnit.SECONDS)).as("no second event").isNull();
    }

    @Test
    @Order(4)
    void anAcknowledgementIsWithdrawnForEveryone() throws Exception {
        HttpResponse<String> undone = send(second, "DELETE", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, null);
        assertThat(undone.statusCode()).as(undone.body()).isEqualTo(200);
        assertThat(json(undone).get("acknowledged").asBoolean()).isFalse();
        assertThat(json(undone).get("status").asText()).isEqualTo("New");
        for (ApiServer server : List.of(fixture.server, second)) {
            JsonNode listed = ours(list(server, "")).getFirst();
            assertThat(listed.get("acknowledged").asBoolean()).isFalse();
            assertThat(listed.get("acknowledged_by").isNull()).isTrue();
        }
        JsonNode event = watcher.next(Duration.ofSeconds(15));
        assertThat(event.get("event_type").asText()).isEqualTo("alert_unacknowledged");
        assertThat(event.get("alert_id").asText()).isEqualTo(alertId);
        assertThat(event.get("acknowledged").asBoolean()).isFalse();
        // idempotent too
        assertThat(send(fixture.server, "DELETE", "/api/v1/alerts/" + alertId + "/ack", ADMIN_KEY, null).statusCode()).isEqualTo(200);
    }

    static JsonNode list(ApiServer server, String query) {
        HttpResponse<String> r = ApiTestSupport.get(server, "/api/v1/alerts" + query, "Authorization", "Bearer " + READ_KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    static List<JsonNode> ours(JsonNode alerts) {
        return StreamSupport.stream(alerts.spliterator(), false).filter(a -> a.get("poi_id").asText().equals(poi.getPersonId())).toList();
    }

    static List<String> ids(JsonNode alerts) {
        return StreamSupport.stream(alerts.spliterator(), false).map(a -> a.get("alert_id").asText()).toList();
    }

    static HttpResponse<String> send(ApiServer server, String method, String path, String key, String body) {
        return ApiTestSupport.send(ApiTestSupport.request(server, path, "Authorization", "Bearer " + key, "Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String registryUrl() {
        try {
            return KafkaFixture.registryUrl();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
