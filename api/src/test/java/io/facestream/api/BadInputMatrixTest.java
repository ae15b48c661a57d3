package io.facestream.api;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.live.FaceImages.Client;
import io.facestream.api.live.FaceImages;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.live.LiveViewModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.Views;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input matrix against the real product (every module of {@link FacestreamApi#modules}, the
 * shared broker, a fresh pipeline, the real models) over real HTTP and a real WebSocket. Real state is made
 * first through the API and a replay (a POI enrolled, a person registered, a video where both walk by, so
 * sightings, faces, alerts and frames exist) and snapshotted through the API; then every bad input of the
 * matrix is sent and its exact status and body asserted (the seed's shape at the seed's path); then the
 * snapshot is taken again and must be identical. No body may carry a stack trace.
 *
 * <p>The faces come from the package photo sample5, which no other API test uses: the people topic is
 * shared by every test class of the JVM, and a face enrolled elsewhere would compete for the matches.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputMatrixTest {
    static final Instant BASE = Instant.parse("2026-11-23T10:00:00Z");
    static final int FRAMES = 25;
    static final String CAMERA = "matrix-cam";
    static final long MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static LiveAlertsModule liveAlerts;
    static LiveViewModule liveView;
    static byte[] poiPhoto, personPhoto;
    static String poiId, personId, fileId;
    static Face poiFace, personFace;
    static Sighting poiSighting;
    static Map<String, String> before;
    static final List<String> table = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> {
            // built after the fixture created the topics, as the service builds it at start
            liveAlerts = new LiveAlertsModule(KafkaFixture.bootstrap(), registryUrl());
            liveView = new LiveViewModule(backend, KafkaFixture.bootstrap(), registryUrl(), LiveViewModule.Settings.defaults());
            return FacestreamApi.modules(backend, liveAlerts, liveView, Duration.ofSeconds(30));
        });
        List<BufferedImage> faces = FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample5", 2);
        poiPhoto = FaceImages.jpeg(faces.get(0));
        personPhoto = FaceImages.jpeg(faces.get(1));

        HttpResponse<String> enrolled = multipart("/api/v1/poi", List.of(Part.file("images", "suspect.jpg", "image/jpeg", poiPhoto),
                Part.text("severity", "critical"), Part.text("notes", "Matrix suspect")), admin());
        assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
        poiId = ApiTestSupport.json(enrolled).get("poi_id").asText();

        HttpResponse<String> registered = multipart("/api/v1/register", List.of(Part.text("name", "Matrix Person"),
                Part.text("relationship", "Colleague"), Part.file("image", "photo.jpg", "image/jpeg", personPhoto)), admin());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        personId = ApiTestSupport.json(registered).get("data").get("person_id").asText();

        fileId = "file-" + UUID.randomUUID();
        Path video = FaceImages.video(dir.resolve("matrix.mp4"), FRAMES, List.of(
                new Sprite(faces.get(0), 0, FRAMES - 1, 60, 120, 100, 110, 150, 150),
                new Sprite(faces.get(1), 0, FRAMES - 1, 420, 120, 400, 110, 150, 150)));
        fixture.replay(video, fileId, CAMERA, BASE);
        FaceImages.await(() -> finalSightings().size() == 2, Duration.ofSeconds(90), "two final sightings");
        poiSighting = finalSightings().stream().filter(s -> poiId.equals(s.getPersonId())).findFirst().orElseThrow();
        FaceImages.await(() -> ApiTestSupport.json(get("/api/v1/alerts", read())).findValuesAsText("poi_id").contains(poiId),
                Duration.ofSeconds(60), "an alert for the POI");
        List<Face> ofFile = facesOfFile();
        poiFace = ofFile.stream().filter(f -> poiId.equals(f.getPersonId())).findFirst().orElseThrow();
        personFace = ofFile.stream().filter(f -> personId.equals(f.getPersonId())).findFirst().orElseThrow();

        // The pipeline has settled when two snapshots a while apart agree (the vector store commits each second).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, String> previous = snapshot();
        while (true) {
            Thread.sleep(2_000);
            Map<String, String> now = snapshot();
            if (now.equals(previous)) {
                before = now;
                break;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("the state did not settle: " + previous + " vs " + now);
            previous = now;
        }
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            try {
                for (String id : new String[] {poiId, personId}) {
                    if (id != null) {
                        fixture.backend.writes().deletePerson(id);
                        fixture.backend.awaitVisible(() -> fixture.backend.gallery().person(id).isEmpty(), "the deletion");
                    }
                }
            } finally {
                fixture.close();
            }
        }
        if (liveAlerts != null) liveAlerts.close();
        if (liveView != null) liveView.close();
        System.out.println("BAD-INPUT MATRIX (" + table.size() + " cases)\n" + String.join("\n", table));
    }

    // ------------------------------------------------------------------------------------------------------
    // The matrix

    @Test
    @Order(1)
    void theStateIsRealBeforeTheMatrix() {
        assertThat(before.get("GET /api/v1/poi")).contains(poiId);
        assertThat(before.get("GET /api/v1/alerts")).contains(poiId);
        assertThat(before.get("GET /api/faces/poi-face")).contains(poiId);
        assertThat(before.get("GET /api/faces/person-face")).contains(personId);
        assertThat(before.get("gallery " + personId)).contains("Matrix Person");
        assertThat(before.get("frame bytes")).isNotEqualTo("absent");
        assertThat(ApiTestSupport.json(get("/api/v1/status", read())).get("faiss_vectors").asLong()).isPositive();
    }

    @Test
    @Order(2)
    void noFace() throws Exception {
        byte[] faceless = FaceImages.frame();
        expect("POST /api/v1/poi, no face", multipart("/api/v1/poi", List.of(Part.file("images", "wall.jpg", "image/jpeg", faceless)), admin()),
                422, detail("No face detected in image 1 (wall.jpg); use a photo where the face is clearly visible."));
        expect("POST /api/v1/poi, a face then no face", multipart("/api/v1/poi", List.of(Part.file("images", "ok.jpg", "image/jpeg", poiPhoto),
                        Part.file("images", "wall.jpg", "image/jpeg", faceless)), admin()),
                422, detail("No face detected in image 2 (wall.jpg); use a photo where the face is clearly visible."));
        expect("POST /api/v1/register, no face", register(faceless), 400,
                envelope("NO_FACE_DETECTED", "No face detected in the provided image"));
        expect("POST /api/v1/search, no face", search(faceless), 422,
                detail("No face detected in the query image; use a photo where the face is clearly visible."));
        try (Client ws = ws("Authorization", "Bearer " + READ_KEY)) {
            ws.sendBinary(faceless);
            JsonNode answer = ws.next(Duration.ofSeconds(30));
            row("WS /api/v1/ws, no face", "frame answer", answer.toString());
            assertThat(answer.get("frame").asLong()).isEqualTo(1);
            assertThat(answer.get("faces")).isEmpty();
            assertNoStackTrace(answer.toString());
        }
    }

    @Test
    @Order(3)
    void nonImageBytes() throws Exception {
        byte[] text = "this is not a picture, honest".getBytes(StandardCharsets.UTF_8);
        String invalid = "Invalid image format. Supported: JPEG, PNG";
        expect("POST /api/v1/poi, non-image", poi(text), 415, detail(invalid));
        expect("POST /api/v1/register, non-image", register(text), 400, envelope("INVALID_IMAGE", invalid));
        expect("POST /api/v1/search, non-image", search(text), 415, detail(invalid));
        expectFrame("WS /api/v1/ws, non-image", text, "INVALID_IMAGE", invalid);
    }

    @Test
    @Order(4)
    void truncatedJpeg() throws Exception {
        byte[] jpeg = ApiTestSupport.image("jpg", 256, 256);
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 6 / 10);
        String message = "The JPEG image in field '%s' is truncated (it ends before its end marker).";
        expect("POST /api/v1/poi, truncated JPEG", poi(cut), 400, detail(message.formatted("images")));
        expect("POST /api/v1/register, truncated JPEG", register(cut), 400, envelope("INVALID_IMAGE", message.formatted("image")));
        expect("POST /api/v1/search, truncated JPEG", search(cut), 400, detail(message.formatted("image")));
        expectFrame("WS /api/v1/ws, truncated JPEG", cut, "INVALID_IMAGE", message.formatted("frame"));
    }

    @Test
    @Order(5)
    void nineMebibyteUpload() throws Exception {
        byte[] big = new byte[(int) (9 * MIB)];
        new Random(9).nextBytes(big);
        big[0] = (byte) 0xFF;
        big[1] = (byte) 0xD8;
        big[2] = (byte) 0xFF;
        // Jetty stops reading the part at the limit, so the size is not known: the message says the limit.
        String message = "File too large: the upload in field '%s' is over the limit of 8 MiB.";
        expect("POST /api/v1/poi, 9 MiB", poi(big), 413, detail(message.formatted("images")));
        expect("POST /api/v1/register, 9 MiB", register(big), 413, envelope("PAYLOAD_TOO_LARGE", message.formatted("image")));
        expect("POST /api/v1/search, 9 MiB", search(big), 413, detail(message.formatted("image")));
        // Over the socket's message limit (the upload limit), Jetty closes the connection with 1009 (too big).
        try (Client ws = ws("Authorization", "Bearer " + READ_KEY)) {
            try {
                ws.sendBinary(big);
            } catch (ExecutionException e) {
                // the server may close before the whole message is written
            }
            int code = ws.closeCode.get(30, TimeUnit.SECONDS);
            row("WS /api/v1/ws, 9 MiB frame", "close " + code, ws.messages.isEmpty() ? "(no message)" : ws.messages.toString());
            assertThat(code).isEqualTo(1009);
            assertThat(ws.messages).isEmpty();
        }
    }

    @Test
    @Order(6)
    void sixtyMegapixelPng() throws Exception {
        byte[] bomb = ApiTestSupport.pngClaiming(8000, 7500);
        String message = "Image resolution too large: 8000x7500 is over the limit of 50 megapixels.";
        expect("POST /api/v1/poi, 60 MP PNG", poi(bomb), 413, detail(message));
        expect("POST /api/v1/register, 60 MP PNG", register(bomb), 413, envelope("IMAGE_TOO_LARGE", message));
        expect("POST /api/v1/search, 60 MP PNG", search(bomb), 413, detail(message));
        expectFrame("WS /api/v1/ws, 60 MP PNG", bomb, "IMAGE_TOO_LARGE", message);
    }

    @Test
    @Order(7)
    void zeroAndSixImagesForAPoi() {
        expect("POST /api/v1/poi, 0 images", multipart("/api/v1/poi", List.of(Part.text("severity", "high")), admin()), 422,
                detail("Expected 1 to 5 images (JPEG or PNG) in multipart field 'images', got 0."));
        List<Part> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) six.add(Part.file("images", "p" + i + ".jpg", "image/jpeg", poiPhoto));
        expect("POST /api/v1/poi, 6 images", multipart("/api/v1/poi", six, admin()), 422,
                detail("Expected 1 to 5 images (JPEG or PNG) in multipart field 'images', got 6."));
    }

    @Test
    @Order(8)
    void unknownIds() {
        expect("GET /api/v1/poi/{unknown}", get("/api/v1/poi/poi-00000000", read()), 404, detail("POI not found: poi-00000000"));
        expect("DELETE /api/v1/poi/{unknown}", delete("/api/v1/poi/poi-00000000", admin()), 404, detail("POI not found: poi-00000000"));
        // a registered person is no POI: neither shown nor deleted through the POI routes
        expect("GET /api/v1/poi/{registered person}", get("/api/v1/poi/" + personId, read()), 404, detail("POI not found: " + personId));
        expect("DELETE /api/v1/poi/{registered person}", delete("/api/v1/poi/" + personId, admin()), 404,
                detail("POI not found: " + personId));
        expect("GET /api/v1/cameras/{unknown}", get("/api/v1/cameras/no-such-camera", read()), 404,
                detail("Camera not found: no-such-camera"));
        expect("GET /api/faces/{unknown}", get("/api/faces/no-such-face", read()), 404, detail("Face not found: no-such-face"));
        expect("GET /api/v1/thumbnail/{unknown}", get("/api/v1/thumbnail/no-such-track", read()), 404,
                detail("No thumbnail for no-such-track."));
        expect("GET /api/v1/frames/{valid, absent}", get("/api/v1/frames/" + encode("frame/" + fileId + ":99999"), read()), 404,
                detail("Frame not found (never stored, or expired)."));
    }

    @Test
    @Order(9)
    void traversalInFrameKeys() throws Exception {
        String secret = "TOP-SECRET-" + UUID.randomUUID();
        Files.writeString(dir.resolve("secret.txt"), secret); // beside the blob store
        Files.writeString(dir.resolve("blobs").resolve("secret.txt"), secret); // inside it, but of no kind
        String onlyFrames = "Invalid frame key: only frame keys (frame/<source>:<frame>) are served.";
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("base64url(../etc/passwd)", "../etc/passwd");
        keys.put("base64url(frame/../../x)", "frame/../../x");
        keys.put("base64url(frame/../../secret.txt)", "frame/../../secret.txt");
        keys.put("base64url(frame/%2e%2e/x)", "frame/%2e%2e/x");
        keys.put("base64url(/etc/passwd)", "/etc/passwd");
        keys.put("base64url(" + dir.resolve("secret.txt") + ")", dir.resolve("secret.txt").toString());
        keys.put("base64url(profile/{registered person}) (another blob kind)", "profile/" + personId);
        keys.put("base64url(crop/...) (another blob kind)", "crop/" + poiFace.getFaceId());
        keys.put("base64url(secret.txt)", "secret.txt");
        for (Map.Entry<String, String> key : keys.entrySet()) {
            HttpResponse<String> response = get("/api/v1/frames/" + encode(key.getValue()), read());
            expect("GET /api/v1/frames/" + key.getKey(), response, 400, detail(onlyFrames));
            assertThat(response.body()).doesNotContain(secret).doesNotContain("root:");
        }
        // the other kind's blob is really there: refused for its kind, not for being absent
        assertThat(fixture.blobs.get("profile/" + personId)).isPresent();

        expect("GET /api/v1/frames/not*base64!", get("/api/v1/frames/not*base64!", read()), 400,
                detail("Invalid frame key: not base64url."));
        expect("GET /api/v1/frames/{over-long key}", get("/api/v1/frames/" + "A".repeat(400), read()), 400,
                detail("Invalid frame key."));
        // Tricks in the URL itself, not in the key: an encoded slash or dots in the segment.
        // The router decodes the segment: what reaches the handler is not base64url ('/', '.', '%').
        for (String raw : List.of("frame%2F..%2F..%2Fsecret.txt", "..%2F..%2Fsecret.txt", "%2e%2e%2fsecret.txt",
                "%2e%2e", "..%252F..%252Fsecret.txt", "ZnJhbWUv%2FLi4v")) {
            HttpResponse<String> response = get("/api/v1/frames/" + raw, read());
            expect("GET /api/v1/frames/" + raw + " (raw path)", response, 400, detail("Invalid frame key: not base64url."));
            assertThat(response.body()).as(raw).doesNotContain(secret).doesNotContain("root:");
        }
        // Dot segments in the path itself are Jetty's: climbing above the root is a bad request (answered by
        // JsonErrorHandler in the seed's shape), encoded ones resolve to a path no route serves.
        HttpResponse<String> climbing = get("/api/v1/frames/../../../../etc/passwd", read());
        expect("GET /api/v1/frames/../../../../etc/passwd (dot segments)", climbing, 400, detail("Bad Request"));
        HttpResponse<String> encodedDots = get("/api/v1/frames/%2e%2e/%2e%2e/%2e%2e/etc/passwd", read());
        expect("GET /api/v1/frames/%2e%2e/%2e%2e/%2e%2e/etc/passwd (dot segments)", encodedDots, 404, detail("Not Found"));
        assertThat(climbing.body() + encodedDots.body()).doesNotContain("root:");
    }

    @Test
    @Order(10)
    void authOnARouteOfEachSeedFamily() throws Exception {
        String missing = "Authentication required.", invalid = "Invalid API key.";
        String lacksAdmin = "This credential lacks the 'admin' scope this route needs.";
        byte[] photo = personPhoto;
        // seed 001 (detail): destructive writes and a read
        Map<String, Function<String[], HttpResponse<String>>> seed001 = new LinkedHashMap<>();
        seed001.put("DELETE /api/v1/poi/{real POI}", h -> delete("/api/v1/poi/" + poiId, h));
        seed001.put("DELETE /api/v1/alerts", h -> delete("/api/v1/alerts", h));
        seed001.put("POST /api/v1/poi", h -> multipart("/api/v1/poi", List.of(Part.file("images", "a.jpg", "image/jpeg", poiPhoto)), h));
        seed001.put("GET /api/v1/poi", h -> get("/api/v1/poi", h));
        for (var route : seed001.entrySet()) {
            authCases(route.getKey(), route.getValue(), route.getKey().startsWith("GET") ? null : detail(lacksAdmin),
                    detail(missing), detail(invalid));
        }
        // seed 003 (detail) and seed 002's /api/system (detail): reads only
        authCases("GET /api/faces/{real face}", h -> get("/api/faces/" + poiFace.getFaceId(), h), null, detail(missing), detail(invalid));
        authCases("GET /api/system", h -> get("/api/system", h), null, detail(missing), detail(invalid));
        // seed 004 (envelope)
        authCases("POST /api/v1/register", h -> multipart("/api/v1/register",
                        List.of(Part.text("name", "Intruder"), Part.file("image", "p.jpg", "image/jpeg", photo)), h),
                envelope("FORBIDDEN", lacksAdmin), envelope("UNAUTHORIZED", missing), envelope("UNAUTHORIZED", invalid));
        // seed 004's WebSocket: the upgrade is refused
        for (String[] headers : List.of(new String[0], new String[] {"Authorization", "Bearer wrong-key-0000"},
                new String[] {"X-API-Key", "wrong-key-0000"}, new String[] {"X-Email", "mallory@example.com"})) {
            String what = "WS /api/v1/ws upgrade, " + (headers.length == 0 ? "no key" : headers[0] + ": " + headers[1]);
            try {
                ws(headers).close();
                throw new AssertionError(what + " was accepted");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).as(what).isInstanceOf(WebSocketHandshakeException.class);
                HttpResponse<?> response = ((WebSocketHandshakeException) e.getCause()).getResponse();
                String body = String.valueOf(response.body());
                row(what, String.valueOf(response.statusCode()), body);
                assertThat(response.statusCode()).as(what).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).as(what).hasValue("Bearer");
                assertNoStackTrace(body);
            }
        }
        // seed 000 (success flag): its routes need the identity-level scope, which a read key lacks
        authCases("GET /api/v1/identities", h -> get("/api/v1/identities", h),
                "{\"success\": false, \"error\": \"This credential lacks the 'identity-level' scope this route needs.\"}",
                "{\"success\": false, \"error\": \"" + missing + "\"}", "{\"success\": false, \"error\": \"" + invalid + "\"}");
    }

    /** No key, wrong key (both spellings), the SSO header while SSO is off, and (for a write) a read key. */
    private static void authCases(String route, Function<String[], HttpResponse<String>> call,
            String forbidden, String missing, String invalid) {
        expect401(route + ", no key", call.apply(new String[0]), missing);
        expect401(route + ", wrong Bearer key", call.apply(new String[] {"Authorization", "Bearer wrong-key-0000"}), invalid);
        expect401(route + ", wrong X-API-Key", call.apply(new String[] {"X-API-Key", "wrong-key-0000"}), invalid);
        expect401(route + ", X-Email with SSO off", call.apply(new String[] {"X-Email", "admin@example.com", "X-User", "Admin"}), missing);
        if (forbidden != null) {
            expect(route + ", read key", call.apply(read()), 403, forbidden);
        }
    }

    @Test
    @Order(11)
    void everythingStoredBeforeIsStillThereAndUnchanged() throws Exception {
        Map<String, String> after = snapshot();
        assertThat(after).isEqualTo(before);
        // what the refused requests would have made is not there
        List<String> names = new ArrayList<>();
        try (var people = fixture.backend.router().<Person>store(Views.PEOPLE.name()).all()) {
            people.forEachRemaining(kv -> names.add(kv.value.getName()));
        }
        assertThat(names).doesNotContain("Intruder");
    }

    // ------------------------------------------------------------------------------------------------------
    // Snapshot through the API (and the gallery, where no API lists people)

    static Map<String, String> snapshot() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("GET /api/v1/poi", ok(get("/api/v1/poi", read())));
        s.put("GET /api/v1/poi/" + poiId, ok(get("/api/v1/poi/" + poiId, read())));
        s.put("GET /api/v1/alerts", ok(get("/api/v1/alerts", read())));
        s.put("GET /api/faces/poi-face", ok(get("/api/faces/" + poiFace.getFaceId() + "?include=cluster_assignment", read())));
        s.put("GET /api/faces/person-face", ok(get("/api/faces/" + personFace.getFaceId() + "?include=cluster_assignment", read())));
        JsonNode status = ApiTestSupport.json(get("/api/v1/status", read()));
        s.put("GET /api/v1/status", status.toString());
        s.put("GET /api/v1/cameras", ok(get("/api/v1/cameras", read())));
        s.put("gallery " + personId, fixture.backend.gallery().person(personId).map(Object::toString).orElse("absent"));
        s.put("gallery " + poiId, fixture.backend.gallery().person(poiId).map(Object::toString).orElse("absent"));
        s.put("gallery size", String.valueOf(fixture.backend.gallery().size()));
        s.put("profile image of " + personId, fixture.blobs.get("profile/" + personId).map(BadInputMatrixTest::sha).orElse("absent"));
        s.put("frame bytes", bytes("/api/v1/frames/" + encode("frame/" + fileId + ":" + poiSighting.getEntryFrame())));
        s.put("thumbnail bytes", bytes("/api/v1/thumbnail/" + poiSighting.getTrackId()));
        return s;
    }

    private static String ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(200);
        return ApiTestSupport.json(response).toString();
    }

    private static String bytes(String path) throws Exception {
        HttpResponse<byte[]> response = ApiTestSupport.CLIENT.send(HttpRequest.newBuilder(URI.create(fixture.url(path)))
                .header("Authorization", "Bearer " + READ_KEY).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return response.statusCode() == 200 ? sha(response.body()) : "absent (" + response.statusCode() + ")";
    }

    private static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    static List<Face> facesOfFile() {
        List<Face> out = new ArrayList<>();
        try (var it = fixture.backend.router().<Face>store(Views.FACES.name()).all()) {
            it.forEachRemaining(kv -> {
                if (fileId.equals(kv.value.getFileId())) out.add(kv.value);
            });
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------------
    // Requests and expectations

    /** The exact status and body (JSON, compared as a tree), and never a stack trace; one row of the table. */
    private static void expect(String what, HttpResponse<String> response, int status, String body) {
        row(what, String.valueOf(response.statusCode()), response.body());
        assertNoStackTrace(response.body());
        assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/json");
        try {
            assertThat(ApiTestSupport.json(response)).as(what).isEqualTo(ApiJson.mapper().readTree(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void expect401(String what, HttpResponse<String> response, String body) {
        expect(what, response, 401, body);
        assertThat(response.headers().firstValue("WWW-Authenticate")).as(what).hasValue("Bearer");
    }

    /** A WebSocket frame answered with seed 004's error envelope, numbered, and the socket left open. */
    private static void expectFrame(String what, byte[] frame, String code, String message) throws Exception {
        try (Client ws = ws("Authorization", "Bearer " + READ_KEY)) {
            ws.sendBinary(frame);
            JsonNode answer = ws.next(Duration.ofSeconds(30));
            row(what, "frame answer", answer.toString());
            assertNoStackTrace(answer.toString());
            assertThat(answer).as(what).isEqualTo(ApiJson.mapper().readTree(
                    "{\"frame\": 1, \"success\": false, \"data\": null, \"error\": " + error(code, message) + "}"));
            ws.sendBinary(FaceImages.frame());
            assertThat(ws.next(Duration.ofSeconds(30)).get("frame").asLong()).as(what + ": the socket stays open").isEqualTo(2);
        }
    }

    private static void assertNoStackTrace(String body) {
        assertThat(body).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("at java.")
                .doesNotContain("at org.");
    }

    private static void row(String what, String status, String body) {
        table.add("| " + what + " | " + status + " | " + body.replace("|", "\\|").replace("\n", " ") + " |");
    }

    static String detail(String message) {
        return "{\"detail\": " + quote(message) + "}";
    }

    static String envelope(String code, String message) {
        return "{\"success\": false, \"data\": null, \"error\": " + error(code, message) + "}";
    }

    private static String error(String code, String message) {
        return "{\"code\": " + quote(code) + ", \"message\": " + quote(message) + "}";
    }

    private static String quote(String s) {
        try {
            return ApiJson.mapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String[] admin() {
        return new String[] {"Authorization", "Bearer " + ADMIN_KEY};
    }

    static String[] read() {
        return new String[] {"Authorization", "Bearer " + READ_KEY};
    }

    static HttpResponse<String> get(String path, String... headers) {
        return ApiTestSupport.get(fixture.server, path, headers);
    }

    static HttpResponse<String> delete(String path, String... headers) {
        return ApiTestSupport.send(ApiTestSupport.request(fixture.server, path, headers).DELETE().build());
    }

    static HttpResponse<String> multipart(String path, List<Part> parts, String... headers) {
        return ApiTestSupport.postMultipart(fixture.server, path, parts, headers);
    }

    static HttpResponse<String> poi(byte[] image) {
        return multipart("/api/v1/poi", List.of(Part.file("images", "x.jpg", "image/jpeg", image), Part.text("severity", "high")), admin());
    }

    static HttpResponse<String> register(byte[] image) {
        return multipart("/api/v1/register", List.of(Part.text("name", "Nobody"), Part.file("image", "x.jpg", "image/jpeg", image)), admin());
    }

    static HttpResponse<String> search(byte[] image) {
        return multipart("/api/v1/search", List.of(Part.file("image", "x.jpg", "image/jpeg", image),
                Part.text("start_time", "2026-01-01T00:00:00Z")), admin());
    }

    static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String registryUrl() {
        try {
            return KafkaFixture.registryUrl();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client of /api/v1/ws with these headers (name, value, ...). */
    static Client ws(String... headers) throws Exception {
        return Client.connect(ApiTestSupport.CLIENT, "ws://127.0.0.1:" + fixture.server.port() + "/api/v1/ws", headers);
    }
}
