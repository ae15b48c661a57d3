package io.facestream.api.hls;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.cameras.CamerasModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.RtspServer;
import io.facestream.ingest.video.SceneVideoWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's live HLS against a live RTSP camera (ffmpeg publishing into rtsp-server-perl): the playlist starts a
 * session, its segments decode in ffprobe, segment names are checked, a second camera at capacity is 503, close
 * ends it; a disabled HLS is 503. No camera worker is needed: the session reads the camera itself.
 */
class HlsApiTest {
    static final String PREFIX = "hlstest-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static HlsModule hls;
    static HlsModule disabled;
    static RtspServer camera;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> {
            try {
                hls = new HlsModule(backend, new HlsModule.Settings(true, 1, dir.resolve("hls"), Duration.ofSeconds(60), Duration.ofSeconds(20)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of(new CamerasModule(backend, Duration.ofSeconds(30)), hls);
        });
        Path video = dir.resolve("gate.mp4");
        SceneVideoWriter.write(video, 320, 180, 10, 40, List.of());
        camera = new RtspServer(video).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (camera != null) camera.close();
        if (fixture != null) fixture.close();
        if (hls != null) hls.close();
    }

    @Test
    void thePlaylistStartsASessionWhoseSegmentsDecodeAndCloseEndsIt() throws Exception {
        String id = PREFIX + "gate", other = PREFIX + "yard";
        for (String c : List.of(id, other)) {
            assertThat(send("POST", "/api/cameras", """
                    {"id": "%s", "name": "Gate", "rtsp_url": "%s", "rtsp_transport": "udp", "faces_enabled": false}""".formatted(c, camera.url()))
                    .statusCode()).isEqualTo(201);
        }
        String base = "/api/live/" + id + "/hls/";
        HttpResponse<String> playlist = get(base + "index.m3u8");
        assertThat(playlist.statusCode()).as(playlist.body()).isEqualTo(200);
        assertThat(playlist.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/vnd.apple.mpegurl");
        assertThat(playlist.body()).startsWith("#EXTM3U");
        String segment = playlist.body().lines().filter(l -> l.endsWith(".ts")).findFirst().orElseThrow();
        assertThat(segment).matches("seg\\d{5}\\.ts");
        HttpResponse<byte[]> bytes = getBytes(base + segment);
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.headers().firstValue("Content-Type")).hasValue("video/mp2t");
        Path ts = Files.write(dir.resolve(segment), bytes.body());
        Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name",
                "-of", "default=nw=1", ts.toString()).redirectErrorStream(true).start();
        String probed = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(probed).contains("codec_name=mpeg4");
        // idempotent: the same session answers again
        assertThat(get(base + "index.m3u8").statusCode()).isEqualTo(200);
        assertThat(hls.sessions()).isEqualTo(1);

        for (String bad : List.of("seg1.ts", "seg000001.ts", "seg00001.mp4", "index.m3u8.ts", "..%2Findex.m3u8", "seg00001.ts%00")) {
            HttpResponse<String> r = get(base + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(get(base + "seg99999.ts").statusCode()).isEqualTo(404);
        HttpResponse<String> full = get("/api/live/" + other + "/hls/index.m3u8");
        assertThat(full.statusCode()).isEqualTo(503);
        assertThat(ApiTestSupport.json(full).get("detail").asText()).isEqualTo("HLS is at capacity (1 sessions); try again later.");
        assertThat(get("/api/live/" + PREFIX + "nowhere/hls/index.m3u8").statusCode()).isEqualTo(404);

        HttpResponse<String> closed = send("POST", base + "close", null);
        assertThat(closed.statusCode()).isEqualTo(200);
        assertThat(ApiTestSupport.json(closed).get("closed").asBoolean()).isTrue();
        assertThat(hls.sessions()).isZero();
        assertThat(get(base + segment).statusCode()).isEqualTo(404);
        assertThat(Files.exists(dir.resolve("hls").resolve(id))).isFalse();
        assertThat(ApiTestSupport.json(get(base + "close")).get("closed").asBoolean()).isFalse();
        // a deleted camera's session ends without a close (the reaper looks every 5 s)
        assertThat(get(base + "index.m3u8").statusCode()).isEqualTo(200);
        assertThat(hls.sessions()).isEqualTo(1);
        assertThat(send("DELETE", "/api/cameras/" + id, null).statusCode()).isEqualTo(204);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (hls.sessions() > 0 && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(hls.sessions()).isZero();
        assertThat(send("DELETE", "/api/cameras/" + other, null).statusCode()).isEqualTo(204);
    }

    @Test
    void aDisabledHlsAnswers503() throws Exception {
        try (HlsModule off = new HlsModule(fixture.backend, HlsModule.Settings.disabled());
             ApiServer server = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                     .modules(List.of(new CamerasModule(fixture.backend, Duration.ofSeconds(30)), off)).start()) {
            for (String path : List.of("index.m3u8", "seg00001.ts")) {
                HttpResponse<String> r = ApiTestSupport.get(server, "/api/live/any-camera/hls/" + path, "X-API-Key", READ_KEY);
                assertThat(r.statusCode()).as(path).isEqualTo(503);
                assertThat(ApiTestSupport.json(r).get("detail").asText()).isEqualTo("HLS is disabled.");
            }
        }
    }

    static HttpResponse<String> get(String path) {
        return ApiTestSupport.get(fixture.server, path, "X-API-Key", READ_KEY);
    }

    static HttpResponse<byte[]> getBytes(String path) throws Exception {
        return ApiTestSupport.CLIENT.send(ApiTestSupport.request(fixture.server, path, "X-API-Key", READ_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<String> send(String method, String path, String json) {
        HttpRequest.Builder request = ApiTestSupport.request(fixture.server, path, "X-API-Key", ADMIN_KEY, "Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        return ApiTestSupport.send(request.build());
    }
}
