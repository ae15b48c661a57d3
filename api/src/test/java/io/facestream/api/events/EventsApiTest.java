package io.facestream.api.events;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.cameras.CamerasModule;
import io.facestream.api.identities.IdentitiesModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.api.testing.LiveIngest;
import io.facestream.ingest.video.RtspServer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Sighting;
import java.awt.image.BufferedImage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's events against the real product: the shared broker, a pipeline, the real models, the ingest role's
 * worker manager with segment buffers and the event recorder, and a live RTSP camera (ffmpeg publishing a generated
 * video into rtsp-server-perl) through which a face walks for 3 s of every 8. Everything is asked over real HTTP;
 * clips are checked with ffprobe.
 */
class EventsApiTest {
    static final String PREFIX = "evtest-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID().toString().substring(0, 8);
    /** Every log line of the JVM while this class runs (API, workers, the segment recorder's ffmpeg), to check the password never shows. */
    static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static RtspServer camera;
    static RtspServer otherCamera;
    static LiveIngest ingest;

    @BeforeAll
    static void start() throws Exception {
        logs.start();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        fixture = ApiFixture.start(dir, backend -> List.of(new CamerasModule(backend, Duration.ofSeconds(30)),
                new EventsModule(backend, new EventsModule.Settings(Duration.ofSeconds(60), Duration.ofSeconds(40))),
                new IdentitiesModule(backend)));
        BufferedImage visitor = FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample3", 1).getFirst();
        // 8 s at 10 fps: the face walks across during frames 10-39 (3 s), then nobody for 4 s, so each loop's track ends
        Path clip = dir.resolve("hall.mp4");
        SceneVideoWriter.write(clip, 640, 360, 10, 80, List.of(new SceneVideoWriter.Sprite(visitor, 10, 39, 150, 170, 380, 170, 160, 160)));
        camera = new RtspServer(clip).start();
        Path empty = dir.resolve("empty.mp4");
        SceneVideoWriter.write(empty, 320, 180, 10, 40, List.of());
        otherCamera = new RtspServer(empty).start();
        ingest = LiveIngest.start(fixture, dir, PREFIX, "events-test", Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (ingest != null) ingest.close();
        if (camera != null) camera.close();
        if (otherCamera != null) otherCamera.close();
        if (fixture != null) fixture.close();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        List<String> lines;
        synchronized (logs) {
            lines = logs.list.stream().map(e -> e.getFormattedMessage()).toList();
        }
        assertThat(lines).as("log lines").isNotEmpty().noneMatch(l -> l.contains(PASSWORD));
    }

    @Test
    void aPresenceIsRecordedAsAnEventWithAClipServedInRangesThenRepointingAndDeletingTheCameraRemoveEverything() throws Exception {
        String id = PREFIX + "hall";
        HttpResponse<String> created = send("POST", "/api/cameras", """
                {"id": "%s", "name": "Hall", "rtsp_url": "%s", "rtsp_transport": "udp", "detect_interval": 0.2,
                 "live_view_fps": 2, "pre_seconds": 1, "post_seconds": 1}""".formatted(id,
                camera.url().replace("rtsp://", "rtsp://viewer:" + PASSWORD + "@")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        // a presence: an event with a clip, within a couple of the video's 8 s loops
        JsonNode list = await("/api/events?camera_id=" + id, l -> l.get("total").asInt() >= 1, Duration.ofSeconds(90));
        JsonNode event = list.get("items").get(0);
        String eventId = event.get("id").asText();
        System.out.println("first event: " + event);
        assertThat(event.get("kind").asText()).isEqualTo("presence");
        assertThat(event.get("label").asText()).isEqualTo("face");
        assertThat(event.get("camera_name").asText()).isEqualTo("Hall");
        assertThat(event.get("clip_url").asText()).isEqualTo("/api/events/" + eventId + "/clip");
        String trackId = event.get("track_id").asText();
        Sighting sighting = fixture.backend.queries().sighting(trackId).orElseThrow();
        assertThat(event.get("identity_id").asText()).isEqualTo(sighting.getIdentityId());
        assertThat(ApiTestSupport.json(get("/api/events/" + eventId)).get("id").asText()).isEqualTo(eventId);

        // the clip: an MP4 that FFmpeg decodes, covering the presence with its pre- and post-roll
        HttpResponse<byte[]> full = getBytes("/api/events/" + eventId + "/clip", null);
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(full.headers().firstValue("Content-Type")).hasValue("video/mp4");
        byte[] mp4 = full.body();
        assertThat(mp4.length).isEqualTo(event.get("size_bytes").asInt());
        Path file = Files.write(dir.resolve(eventId + ".mp4"), mp4);
        double duration = Double.parseDouble(probe(file, "format=duration").replaceAll("(?s).*duration=([0-9.]+).*", "$1"));
        double presence = (sighting.getExitTime().toEpochMilli() - sighting.getEntryTime().toEpochMilli()) / 1000.0;
        System.out.printf("presence %.1f s (pre 1 s, post 1 s): clip %.2f s, %d bytes%n", presence, duration, mp4.length);
        // whole segments are named by the second they began in: a clip's edges may fall up to a second short
        assertThat(duration).isGreaterThanOrEqualTo(presence + 2 - 1.0);
        assertThat(probe(file, "stream=codec_name")).contains("codec_name=mpeg4");
        assertThat(decodedFrames(file)).isGreaterThanOrEqualTo((long) ((presence + 1) * 10));

        // Range: a prefix, a middle, a suffix, an open end; 416 past the end
        assertRange(eventId, "bytes=0-99", mp4, 0, 99);
        assertRange(eventId, "bytes=1000-1999", mp4, 1000, 1999);
        assertRange(eventId, "bytes=-100", mp4, mp4.length - 100, mp4.length - 1);
        assertRange(eventId, "bytes=" + (mp4.length - 10) + "-", mp4, mp4.length - 10, mp4.length - 1);
        for (String bad : List.of("bytes=" + mp4.length + "-", "bytes=" + (mp4.length + 5) + "-" + (mp4.length + 10), "bytes=-0", "bytes=5-1", "pages=0-1")) {
            HttpResponse<byte[]> unsatisfiable = getBytes("/api/events/" + eventId + "/clip", bad);
            assertThat(unsatisfiable.statusCode()).as(bad).isEqualTo(416);
            assertThat(unsatisfiable.headers().firstValue("Content-Range")).as(bad).hasValue("bytes */" + mp4.length);
        }
        HttpResponse<byte[]> thumbnail = getBytes("/api/events/" + eventId + "/thumbnail", null);
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        assertThat(thumbnail.headers().firstValue("Content-Type")).hasValue("image/jpeg");

        // issue 13's reads: the identity's events, and the clips a face group appears in
        JsonNode ofIdentity = ApiTestSupport.json(get("/api/identities/" + sighting.getIdentityId() + "/events"));
        assertThat(ofIdentity.get("items").findValuesAsText("id")).contains(eventId);
        Face face = fixture.backend.queries().facesOf(sighting.getIdentityId()).stream()
                .filter(f -> trackId.equals(f.getTrackId())).findFirst().orElseThrow();
        JsonNode groupClips = ApiTestSupport.json(send("POST", "/api/face-groups/clips", "{\"sample_ids\": [\"" + face.getFaceId() + "\"]}"));
        assertThat(groupClips.get("items").findValuesAsText("id")).contains(eventId);

        // filters
        assertThat(ApiTestSupport.json(get("/api/events?camera_id=" + id + "&label=manual")).get("total").asInt()).isZero();
        assertThat(ApiTestSupport.json(get("/api/events?camera_id=" + id + "&from=" + Instant.now().plusSeconds(60))).get("total").asInt()).isZero();
        assertThat(ApiTestSupport.json(get("/api/events?camera_id=" + id + "&to=" + Instant.now().plusSeconds(60) + "&limit=1")).get("items").size()).isEqualTo(1);

        // manual recording: start, 3 s, stop: a manual event spanning them
        JsonNode started = ApiTestSupport.json(send("POST", "/api/live/" + id + "/record/start", null));
        Thread.sleep(3_000);
        HttpResponse<String> stopped = send("POST", "/api/live/" + id + "/record/stop", "{\"started_at\": \"" + started.get("started_at").asText() + "\"}");
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        JsonNode manual = ApiTestSupport.json(stopped);
        System.out.println("manual recording: " + manual);
        assertThat(manual.get("duration").asDouble()).isGreaterThanOrEqualTo(3.0);
        String manualId = manual.get("event_id").asText();
        assertThat(manual.get("clip").asText()).isEqualTo("/api/events/" + manualId + "/clip");
        assertThat(ApiTestSupport.json(get("/api/events?label=manual&camera_id=" + id)).get("items").findValuesAsText("id")).containsExactly(manualId);
        Path manualClip = Files.write(dir.resolve("manual.mp4"), getBytes(manual.get("clip").asText(), null).body());
        assertThat(Double.parseDouble(probe(manualClip, "format=duration").replaceAll("(?s).*duration=([0-9.]+).*", "$1"))).isGreaterThanOrEqualTo(3.0);

        // delete one: 204, then gone with its files
        String clipKey = fixture.backend.queries().event(manualId).orElseThrow().getClipRef();
        assertThat(send("DELETE", "/api/events/" + manualId, null).statusCode()).isEqualTo(204);
        assertThat(get("/api/events/" + manualId).statusCode()).isEqualTo(404);
        assertThat(getBytes("/api/events/" + manualId + "/clip", null).statusCode()).isEqualTo(404);
        assertThat(fixture.blobs.get(clipKey)).isEmpty();

        // repointed: the camera's earlier events go, with their files
        List<String> before = ApiTestSupport.json(get("/api/events?camera_id=" + id)).get("items").findValuesAsText("id");
        assertThat(before).isNotEmpty();
        HttpResponse<String> repointed = send("PUT", "/api/cameras/" + id, "{\"rtsp_url\": \"" + otherCamera.url() + "\"}");
        assertThat(repointed.statusCode()).as(repointed.body()).isEqualTo(200);
        assertThat(Integer.parseInt(repointed.headers().firstValue("X-Facestream-Purged-Events").orElseThrow())).isGreaterThanOrEqualTo(before.size());
        for (String gone : before) assertThat(get("/api/events/" + gone).statusCode()).as(gone).isEqualTo(404);
        assertThat(ApiTestSupport.json(get("/api/events?camera_id=" + id)).get("total").asInt()).isZero();

        // deleted: its identities seen nowhere else and its faces go too, and the header says so
        HttpResponse<String> deleted = send("DELETE", "/api/cameras/" + id, null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        String removed = deleted.headers().firstValue("X-Facestream-Removed").orElseThrow();
        System.out.println("camera delete removed: " + removed);
        assertThat(removed).contains("worker stopped").containsPattern("[1-9]\\d* identities seen only by it");
        assertThat(fixture.backend.queries().identity(sighting.getIdentityId())).isEmpty();
        assertThat(fixture.backend.queries().face(face.getFaceId())).isEmpty();
        assertThat(get("/api/identities/" + sighting.getIdentityId() + "/events").statusCode()).isEqualTo(404);
    }

    @Test
    void badInputsAreRefusedWithTheirExactErrors() throws Exception {
        String id = PREFIX + "door";
        assertThat(send("POST", "/api/cameras", """
                {"id": "%s", "name": "Door", "rtsp_url": "%s", "rtsp_transport": "udp", "enabled": false}""".formatted(id, otherCamera.url()))
                .statusCode()).isEqualTo(201);
        String unknown = "ev-" + UUID.randomUUID();
        expect(get("/api/events/" + unknown), 404, "Event not found.");
        expect(get("/api/events/" + unknown + "/clip"), 404, "Event not found.");
        for (String traversal : List.of("..%2F..%2Fetc%2Fpasswd", "ev-..", "..", "ev-" + UUID.randomUUID() + "..", "clip%00")) {
            HttpResponse<String> r = get("/api/events/" + traversal + "/clip");
            assertThat(r.statusCode()).as(traversal).isEqualTo(400);
        }
        expect(get("/api/events/ev-..%2F..%2Fsecret/thumbnail"), 400, null);
        expect(get("/api/events/not-an-event"), 400, "Invalid event id: expected ev-<uuid>.");
        expect(get("/api/events?limit=0"), 422, "limit: must be between 1 and 500");
        expect(get("/api/events?limit=501"), 422, "limit: must be between 1 and 500");
        expect(get("/api/events?offset=-1"), 422, "offset: must be between 0 and 2147483647");
        expect(get("/api/events?from=yesterday"), 422, "from: must be an ISO 8601 time with an offset, e.g. 2026-01-31T08:00:00Z");
        expect(send("POST", "/api/events/bulk-delete", "{\"ids\": []}"), 422, "ids: 1 to 1000 ids are required");
        String tooMany = IntStream.range(0, 1001).mapToObj(i -> "\"ev-" + i + "\"").collect(Collectors.joining(",", "[", "]"));
        expect(send("POST", "/api/events/bulk-delete", "{\"ids\": " + tooMany + "}"), 422, "ids: at most 1000 ids, got 1001");
        JsonNode bulk = ApiTestSupport.json(send("POST", "/api/events/bulk-delete", "{\"ids\": [\"" + unknown + "\", \"../x\"]}"));
        assertThat(bulk.get("deleted").asInt()).isZero();
        assertThat(bulk.get("not_found").findValuesAsText("")).isEmpty();
        assertThat(bulk.get("not_found").size()).isEqualTo(2);
        expect(send("POST", "/api/events/clear-all", "{}"), 400, "Clearing events requires \"confirm\": true.");
        expect(send("POST", "/api/events/clear-all", "{\"confirm\": false}"), 400, "Clearing events requires \"confirm\": true.");
        assertThat(ApiTestSupport.json(send("POST", "/api/events/clear-all", "{\"confirm\": true, \"camera_id\": \"" + id + "\"}"))
                .get("deleted").asInt()).isZero();
        expect(send("POST", "/api/face-groups/clips", "{\"sample_ids\": []}"), 422, "sample_ids: 1 to 1000 ids are required");
        expect(get("/api/identities/" + UUID.randomUUID() + "/events"), 404, "Identity not found.");
        // manual recording
        expect(send("POST", "/api/live/" + PREFIX + "nowhere/record/start", null), 404, "Camera not found.");
        expect(send("POST", "/api/live/" + id + "/record/start", null), 409, "The camera is disabled: it records nothing.");
        assertThat(send("PUT", "/api/cameras/" + id, "{\"enabled\": true}").statusCode()).isEqualTo(200);
        String stop = "/api/live/" + id + "/record/stop";
        expect(send("POST", stop, "{}"), 400, "started_at: field required");
        expect(send("POST", stop, "{\"started_at\": \"yesterday\"}"), 400, "started_at: must be an ISO 8601 time with an offset, as record/start returned it");
        expect(send("POST", stop, "{\"started_at\": \"" + Instant.now().plusSeconds(3600) + "\"}"), 400, "started_at: is in the future");
        expect(send("POST", stop, "{\"started_at\": \"" + Instant.now().minusSeconds(3600) + "\"}"), 400, "started_at: older than the camera's segment buffer (60 s)");
        expect(send("POST", stop, "[1]"), 422, null);
        // read keys cannot delete or record
        HttpResponse<String> readOnly = ApiTestSupport.send(ApiTestSupport.request(fixture.server, "/api/events/clear-all", "X-API-Key", READ_KEY,
                "Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"confirm\": true}")).build());
        assertThat(readOnly.statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "/api/cameras/" + id, null).statusCode()).isEqualTo(204);
    }

    static void expect(HttpResponse<String> r, int status, String detail) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        if (detail != null) assertThat(ApiTestSupport.json(r).get("detail").asText()).isEqualTo(detail);
    }

    static void assertRange(String eventId, String range, byte[] whole, int first, int last) {
        HttpResponse<byte[]> r = getBytes("/api/events/" + eventId + "/clip", range);
        assertThat(r.statusCode()).as(range).isEqualTo(206);
        assertThat(r.headers().firstValue("Content-Range")).as(range).hasValue("bytes " + first + "-" + last + "/" + whole.length);
        assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(r.body()).as(range).isEqualTo(Arrays.copyOfRange(whole, first, last + 1));
    }

    static String probe(Path file, String entries) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", entries, "-of", "default=nw=1",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** Frames FFmpeg decodes from the file (every one, not the container's claim). */
    static long decodedFrames(Path file) throws Exception {
        String out = probe(file, "stream=nb_read_frames").replace("-show_entries", "");
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=nb_read_frames", "-of", "default=nw=1:nk=1", file.toString()).redirectErrorStream(true).start();
        String frames = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(frames + out).isZero();
        return Long.parseLong(frames.lines().findFirst().orElseThrow());
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "X-API-Key", READ_KEY);
    }

    static HttpResponse<byte[]> getBytes(String path, String range) {
        try {
            HttpRequest.Builder request = range == null ? ApiTestSupport.request(fixture.server, path, "X-API-Key", READ_KEY)
                    : ApiTestSupport.request(fixture.server, path, "X-API-Key", READ_KEY, "Range", range);
            return ApiTestSupport.CLIENT.send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> send(String method, String path, String json) {
        HttpRequest.Builder request = ApiTestSupport.request(fixture.server, path, "X-API-Key", ADMIN_KEY, "Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        return ApiTestSupport.send(request.build());
    }

    static JsonNode await(String path, Predicate<JsonNode> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = get(path);
        while (!(last.statusCode() == 200 && wanted.test(ApiTestSupport.json(last)))) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + "; last: " + last.statusCode() + " " + last.body());
            Thread.sleep(500);
            last = get(path);
        }
        return ApiTestSupport.json(last);
    }
}
