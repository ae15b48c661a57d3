package io.facestream.api.cameras;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.events.EventsModule;
import io.facestream.api.live.LiveViewModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.api.testing.LiveIngest;
import io.facestream.ingest.testing.HttpCamera;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A camera that streams MPEG-TS over HTTP (with Basic authentication), beside the RTSP camera of
 * {@link CamerasApiTest}: created through the API with its {@code http://} URL, it goes online with a measured rate,
 * its snapshot shows the face's box, and its segment buffer (a second HTTP connection) records the presence that
 * becomes an event whose clip FFmpeg decodes. Real parts throughout: the shared broker, a pipeline, the real models,
 * the ingest role with segment buffers and the event recorder, ffmpeg serving a generated video.
 */
class HttpCameraApiTest {
    static final String PREFIX = "httpcam-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    static final String PASSWORD = "s3cret-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static LiveViewModule liveView;
    static LiveIngest ingest;
    static HttpCamera camera;
    static HttpCamera mjpegCamera;
    /** Every response body this class saw, to check the password never appears in one. */
    static CameraApiClient api;

    @BeforeAll
    static void start() throws Exception {
        fixture = ApiFixture.start(dir, backend -> {
            try {
                liveView = new LiveViewModule(backend, KafkaFixture.bootstrap(), KafkaFixture.registryUrl(), LiveViewModule.Settings.defaults());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of(new CamerasModule(backend, Duration.ofSeconds(30)), liveView,
                    new EventsModule(backend, new EventsModule.Settings(Duration.ofSeconds(60), Duration.ofSeconds(40))));
        });
        api = new CameraApiClient(fixture.server);
        ingest = LiveIngest.start(fixture, dir, PREFIX, "http-camera-test", Duration.ofSeconds(60));
        // 6 s at 10 fps: a face crosses during frames 0-29, then nobody for 3 s, so each loop's track ends (an event)
        Path clip = dir.resolve("gate.mp4");
        SceneVideoWriter.write(clip, 640, 360, 10, 60, List.of(new SceneVideoWriter.Sprite(
                FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample3", 1).getFirst(), 0, 29, 150, 170, 380, 170, 160, 160)));
        camera = new HttpCamera(clip, HttpCamera.Format.MPEG_TS, "viewer", PASSWORD).start();
        mjpegCamera = new HttpCamera(clip, HttpCamera.Format.MJPEG, "viewer", PASSWORD).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (ingest != null) ingest.close();
        if (camera != null) camera.close();
        if (mjpegCamera != null) mjpegCamera.close();
        if (liveView != null) liveView.close();
        if (fixture != null) fixture.close();
        assertThat(api.responses()).as("responses").isNotEmpty().noneMatch(b -> b.contains(PASSWORD));
    }

    @Test
    void anHttpMpegTsCameraGoesLiveShowsTheFaceAndRecordsItsPresenceAsAnEventWithAClip() throws Exception {
        String id = PREFIX + "gate";
        long started = System.nanoTime();
        HttpResponse<String> created = api.send("POST", "/api/cameras", """
                {"id": "%s", "name": "Gate", "rtsp_url": "%s", "detect_interval": 0.2, "live_view_fps": 2,
                 "pre_seconds": 1, "post_seconds": 1}""".formatted(id, camera.urlWithCredentials()));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(ApiTestSupport.json(created).get("rtsp_url").asText()).isEqualTo(camera.url().replace("http://", "http://***@"));

        JsonNode status = api.await("/api/cameras/" + id + "/status", s -> s.get("status").asText().equals("online")
                && s.get("fps").asDouble() > 0, Duration.ofSeconds(30));
        System.out.printf("HTTP camera online with %.1f fps %d ms after its creation%n", status.get("fps").asDouble(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        // the worker's decoder and its segment recorder each hold a connection
        CameraApiClient.awaitTrue(() -> camera.clients() == 2, Duration.ofSeconds(10));

        HttpResponse<byte[]> snapshot = CameraApiClient.await(() -> api.getBytes("/api/live/" + id + "/snapshot"),
                r -> r.headers().firstValue("X-Facestream-Placeholder").isEmpty() && CamerasApiTest.boxPixels(r.body()) > 100,
                Duration.ofSeconds(20));
        assertThat(snapshot.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(ImageIO.read(new ByteArrayInputStream(snapshot.body())).getWidth()).isEqualTo(640);

        // the presence, recorded from the HTTP stream's segments: an event whose clip FFmpeg decodes
        JsonNode event = api.await("/api/events?camera_id=" + id, l -> l.get("total").asInt() >= 1, Duration.ofSeconds(40)).get("items").get(0);
        System.out.printf("first event %d ms after the camera's creation: %s%n", Duration.ofNanos(System.nanoTime() - started).toMillis(), event);
        assertThat(event.get("kind").asText()).isEqualTo("presence");
        HttpResponse<byte[]> clip = api.getBytes(event.get("clip_url").asText());
        assertThat(clip.statusCode()).isEqualTo(200);
        assertThat(clip.headers().firstValue("Content-Type")).hasValue("video/mp4");
        Path file = Files.write(dir.resolve("event.mp4"), clip.body());
        String probed = probe(file);
        assertThat(probed).contains("codec_name=mpeg4");
        double duration = Double.parseDouble(probed.replaceAll("(?s).*duration=([0-9.]+).*", "$1"));
        // 3 s of face with 1 s of pre- and post-roll; whole segments may leave an edge up to a second short
        assertThat(duration).isGreaterThanOrEqualTo(3 + 2 - 1.0);

        // deleted: the worker lets go of both connections
        assertThat(api.send("DELETE", "/api/cameras/" + id, null).statusCode()).isEqualTo(204);
        CameraApiClient.awaitTrue(() -> camera.clients() == 0, Duration.ofSeconds(15));
        assertThat(api.get("/api/cameras/" + id).statusCode()).isEqualTo(404);
    }

    /**
     * An MJPEG camera (multipart JPEGs over HTTP) is watched and analysed like any other. It records no clips: its
     * segment buffer copies the stream as it comes, and MPEG-TS carries JPEG pictures only as opaque data, from which
     * no MP4 can be cut (README, ingest).
     */
    @Test
    void anHttpMjpegCameraGoesLiveAndShowsTheFace() throws Exception {
        String id = PREFIX + "door";
        HttpResponse<String> created = api.send("POST", "/api/cameras", """
                {"id": "%s", "name": "Door", "rtsp_url": "%s", "detect_interval": 0.2, "live_view_fps": 2}"""
                .formatted(id, mjpegCamera.urlWithCredentials()));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode status = api.await("/api/cameras/" + id + "/status", s -> s.get("status").asText().equals("online")
                && s.get("fps").asDouble() > 0, Duration.ofSeconds(30));
        System.out.printf("MJPEG camera online with %.1f fps%n", status.get("fps").asDouble());
        CameraApiClient.await(() -> api.getBytes("/api/live/" + id + "/snapshot"),
                r -> r.headers().firstValue("X-Facestream-Placeholder").isEmpty() && CamerasApiTest.boxPixels(r.body()) > 100,
                Duration.ofSeconds(20));
        assertThat(api.send("DELETE", "/api/cameras/" + id, null).statusCode()).isEqualTo(204);
        CameraApiClient.awaitTrue(() -> mjpegCamera.clients() == 0, Duration.ofSeconds(15));
    }

    static String probe(Path file) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name:format=duration", "-of", "default=nw=1", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
