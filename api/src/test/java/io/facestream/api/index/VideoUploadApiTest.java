package io.facestream.api.index;

import static io.facestream.api.ApiTestSupport.ADMIN_KEY;
import static io.facestream.api.ApiTestSupport.IDENTITY_KEY;
import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.live.FaceImages;
import io.facestream.api.testing.ApiFixture;
import io.facestream.api.testing.VideoUploads;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /api/v1/files over the real product: a video made with FFmpeg, uploaded by a real HTTP client, replayed by the
 * real ingest replay into the pipeline, followed at GET /api/v1/files until completed with its sightings. Then a
 * hostile client at each limit: too large (declared, and streamed without a length), not a video (text, an HLS
 * playlist naming a local file), the wrong key, more uploads at once than allowed, a path in the file name. After
 * each refusal nothing is left on disk.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VideoUploadApiTest {
    static final long MAX_BYTES = 2L * 1024 * 1024;

    @TempDir
    static Path dir;
    static Path uploads;
    static ApiFixture fixture;
    static VideoUploads videoUploads;
    static byte[] video;

    @BeforeAll
    static void start() throws Exception {
        uploads = dir.resolve("uploads");
        fixture = ApiFixture.start(dir, backend -> {
            try {
                videoUploads = new VideoUploads(backend, new VideoUploadModule.Settings(uploads, MAX_BYTES, 1));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of(new IndexModule(backend), videoUploads.module);
        });
        var sprites = FaceImages.sprites();
        video = Files.readAllBytes(FaceImages.video(dir.resolve("walk.mp4"), 40, List.of(
                new Sprite(sprites.get(0), 0, 39, 200, 180, 260, 180, 150, 150))));
        assertThat(video.length).isLessThan((int) MAX_BYTES);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) fixture.close();
        if (videoUploads != null) videoUploads.close();
    }

    @Test
    @Order(1)
    void anUploadedVideoIsReplayedToCompletionWithItsSightingsAndASecondAtOnceWaits() throws Exception {
        HttpResponse<String> accepted = upload("lobby camera.mp4", video, "cam-upload-1", ADMIN_KEY);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode body = json(accepted);
        String fileId = body.get("file_uuid").asText();
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("name").asText()).isEqualTo("lobby camera.mp4");
        assertThat(body.get("camera_id").asText()).isEqualTo("cam-upload-1");
        assertThat(body.get("bytes").asLong()).isEqualTo(video.length);

        // one replay at a time here: a second upload while the first replays is refused before its body is read
        HttpResponse<String> busy = upload("second.mp4", video, null, ADMIN_KEY);
        assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue(VideoUploadModule.RETRY_AFTER_SECONDS);
        assertThat(json(busy).get("success").asBoolean()).isFalse();
        assertThat(json(busy).get("error").asText()).contains("api.upload.video.max.replays");

        AtomicReference<JsonNode> file = new AtomicReference<>();
        FaceImages.await(() -> {
            file.set(listed(fileId));
            return file.get() != null && file.get().get("status").asText().equals("completed") && file.get().get("sightings").asLong() > 0;
        }, Duration.ofSeconds(120), "the uploaded file completed with sightings: " + file);
        assertThat(file.get().get("name").asText()).isEqualTo("lobby camera.mp4");
        assertThat(file.get().get("camera_id").asText()).isEqualTo("cam-upload-1");
        assertThat(file.get().get("progress").asDouble()).isEqualTo(1.0);
        assertThat(file.get().get("faces_detected").asLong()).isPositive();
        // the replay's slot and disk are given back once it ended
        FaceImages.await(() -> entries(uploads).isEmpty(), Duration.ofSeconds(10), "the upload removed after its replay");
    }

    @Test
    @Order(2)
    void tooLargeIsRefusedAndNothingIsKept() throws Exception {
        // a length declared over the limit: refused on the headers, before any body is sent
        HttpResponse<String> declared = upload("big.mp4", new byte[(int) (3 * MAX_BYTES)], null, ADMIN_KEY);
        assertThat(declared.statusCode()).as(declared.body()).isEqualTo(413);
        assertThat(json(declared).get("success").asBoolean()).isFalse();
        assertThat(entries(uploads)).isEmpty();

        // a file one byte over, in a request the form's slack lets through: the multipart reader counts it
        HttpResponse<String> justOver = upload("big.mp4", new byte[(int) MAX_BYTES + 1], null, ADMIN_KEY);
        assertThat(justOver.statusCode()).as(justOver.body()).isEqualTo(413);
        assertThat(json(justOver).get("error").asText()).contains("over the limit of 2 MiB");
        // Jetty closes a connection whose form it gave up on: the answer must say so, or the client's next
        // request goes out on a connection about to close and is lost ("header parser received no bytes")
        assertThat(justOver.headers().firstValue("connection")).as("the answer's Connection header").hasValue("close");
        assertThat(entries(uploads)).isEmpty();

        // no length at all (chunked): counted as it streams, cut at the limit, the partial file removed
        HttpResponse<String> streamed = uploadChunked("big.mp4", 3 * MAX_BYTES);
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(413);
        assertThat(json(streamed).get("error").asText()).contains("over the limit of 2 MiB");
        assertThat(streamed.headers().firstValue("connection")).as("the answer's Connection header").hasValue("close");
        assertThat(entries(uploads)).isEmpty();
    }

    @Test
    @Order(3)
    void notAVideoIs415AndNothingIsKept() throws Exception {
        HttpResponse<String> text = upload("notes.mp4", "not a video at all\n".repeat(100).getBytes(StandardCharsets.UTF_8), null, ADMIN_KEY);
        assertThat(text.statusCode()).as(text.body()).isEqualTo(415);
        assertThat(json(text).get("success").asBoolean()).isFalse();
        assertThat(json(text).get("error").asText()).startsWith("Not a video").doesNotContain(uploads.toString());
        assertThat(entries(uploads)).isEmpty();

        // an HLS playlist would make FFmpeg open the files it names: not among the demuxers an upload may use
        // (VideoSourceTest shows FFmpeg following such lists when the probe's whitelist is not there)
        Files.write(dir.resolve("secret.mp4"), video);
        byte[] playlist = ("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n" + dir.resolve("secret.mp4").toUri() + "\n#EXT-X-ENDLIST\n")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> hls = upload("playlist.m3u8", playlist, null, ADMIN_KEY);
        assertThat(hls.statusCode()).as(hls.body()).isEqualTo(415);
        assertThat(entries(uploads)).isEmpty();

        HttpResponse<String> empty = upload("empty.mp4", new byte[0], null, ADMIN_KEY);
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
        assertThat(entries(uploads)).isEmpty();
    }

    @Test
    @Order(4)
    void onlyAnAdminKeyUploads() {
        for (String key : List.of(READ_KEY, IDENTITY_KEY)) {
            HttpResponse<String> refused = upload("walk.mp4", video, null, key);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(json(refused).get("success").asBoolean()).isFalse();
        }
        HttpResponse<String> none = upload("walk.mp4", video, null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(entries(uploads)).isEmpty();
    }

    @Test
    @Order(5)
    void aBadCameraIdOrNoFileIs400() {
        HttpResponse<String> camera = upload("walk.mp4", video, "../cam", ADMIN_KEY);
        assertThat(camera.statusCode()).as(camera.body()).isEqualTo(400);
        assertThat(json(camera).get("error").asText()).contains("camera_id");
        HttpResponse<String> noFile = ApiTestSupport.postMultipart(fixture.server, "/api/v1/files",
                List.of(Part.text("camera_id", "cam-1")), "X-API-Key", ADMIN_KEY);
        assertThat(noFile.statusCode()).as(noFile.body()).isEqualTo(400);
        assertThat(entries(uploads)).isEmpty();
    }

    @Test
    @Order(6)
    void aPathInTheFileNameIsNeverUsed() throws Exception {
        HttpResponse<String> accepted = upload("../../outside/..\\evil name?.mp4", video, null, ADMIN_KEY);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String fileId = json(accepted).get("file_uuid").asText();
        assertThat(json(accepted).get("name").asText()).isEqualTo("evil name_.mp4");
        assertThat(dir.resolve("outside")).doesNotExist();
        assertThat(uploads.getParent().resolve("outside")).doesNotExist();
        FaceImages.await(() -> {
            JsonNode file = listed(fileId);
            return file != null && file.get("status").asText().equals("completed");
        }, Duration.ofSeconds(120), "the upload with a hostile name replayed");
        assertThat(listed(fileId).get("name").asText()).isEqualTo("evil name_.mp4");
        FaceImages.await(() -> entries(uploads).isEmpty(), Duration.ofSeconds(10), "the upload removed after its replay");
    }

    @Test
    @Order(7)
    void aReplayStoppedWithItsProcessReadsFailedWithWhy() throws Exception {
        Path longVideo = FaceImages.video(dir.resolve("long.mp4"), 300, List.of(
                new Sprite(FaceImages.sprites().get(0), 0, 299, 100, 180, 500, 180, 150, 150)));
        Path otherUploads = dir.resolve("uploads-of-a-stopping-process");
        String fileId;
        // a second API process over the same pipeline, stopped the way Standalone stops one: the server, then the uploads
        try (VideoUploads stopping = new VideoUploads(fixture.backend, new VideoUploadModule.Settings(otherUploads, 64L << 20, 1));
             ApiServer server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())), List.of(stopping.module))) {
            HttpResponse<String> accepted = ApiTestSupport.postMultipart(server, "/api/v1/files",
                    List.of(Part.file("file", "long.mp4", "video/mp4", Files.readAllBytes(longVideo))), "X-API-Key", ADMIN_KEY);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            fileId = json(accepted).get("file_uuid").asText();
            FaceImages.await(() -> {
                JsonNode file = listed(fileId);
                return file != null && file.get("status").asText().equals("processing");
            }, Duration.ofSeconds(60), "the long replay running");
        }
        AtomicReference<JsonNode> last = new AtomicReference<>();
        FaceImages.await(() -> {
            last.set(listed(fileId));
            return !last.get().get("status").asText().equals("processing");
        }, Duration.ofSeconds(30), "the stopped replay's last record in the files view: " + last);
        JsonNode stopped = last.get();
        assertThat(stopped.get("status").asText()).as(stopped.toString()).isEqualTo("failed");
        assertThat(stopped.get("error").asText()).isEqualTo(io.facestream.ingest.replay.Replayer.STOPPED);
        assertThat(stopped.get("frames_processed").asLong()).isLessThan(300);
        assertThat(entries(otherUploads)).isEmpty();
    }

    @Test
    @Order(8)
    void anUploadThatWouldLeaveTooLittleFreeDiskIs507BeforeItsBodyIsRead() throws Exception {
        Path fullUploads = dir.resolve("uploads-on-a-full-disk");
        // a reserve no disk has: as if the disk were full
        try (VideoUploads full = new VideoUploads(fixture.backend, new VideoUploadModule.Settings(fullUploads, 64L << 20, 1, Long.MAX_VALUE / 4));
             ApiServer server = ApiServer.start(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())), List.of(full.module))) {
            HttpResponse<String> refused = ApiTestSupport.postMultipart(server, "/api/v1/files",
                    List.of(Part.file("file", "clip.mp4", "video/mp4", video)), "X-API-Key", ADMIN_KEY);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(507);
            assertThat(json(refused).get("success").asBoolean()).isFalse();
            assertThat(json(refused).get("error").asText()).contains("Not enough free disk").contains("api.upload.video.min.free.bytes");
            assertThat(entries(fullUploads)).isEmpty();
            // the refusal gave its slot back: the next one is judged on the disk again, not turned away as busy
            HttpResponse<String> again = ApiTestSupport.postMultipart(server, "/api/v1/files",
                    List.of(Part.file("file", "clip.mp4", "video/mp4", video)), "X-API-Key", ADMIN_KEY);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(507);
        }
    }

    @Test
    void theOpenApiDocumentDescribesTheUploadBeyondTheSeed() {
        JsonNode post = json(ApiTestSupport.get(fixture.server, "/openapi.json", "X-API-Key", ADMIN_KEY)).at("/paths/~1api~1v1~1files/post");
        assertThat(post.get("summary").asText()).contains("beyond seed 000");
        assertThat(post.get("x-required-scope").asText()).isEqualTo("admin");
        assertThat(post.get("responses").has("202")).isTrue();
        assertThat(post.get("responses").has("413")).isTrue();
        assertThat(post.get("responses").has("415")).isTrue();
        assertThat(post.toString()).contains("camera_id");
    }

    @Test
    void storedNamesKeepNoPathAndAreBounded() {
        assertThat(VideoUploadModule.storedName("/etc/passwd")).isEqualTo("passwd");
        assertThat(VideoUploadModule.storedName("C:\\Users\\me\\clip.mkv")).isEqualTo("clip.mkv");
        assertThat(VideoUploadModule.storedName("..")).isEqualTo("upload");
        assertThat(VideoUploadModule.storedName(".hidden.mp4")).isEqualTo("hidden.mp4");
        assertThat(VideoUploadModule.storedName("vidéo\u0000\n.mp4")).isEqualTo("vid_o__.mp4");
        assertThat(VideoUploadModule.storedName(null)).isEqualTo("upload");
        String longName = VideoUploadModule.storedName("a".repeat(500) + ".webm");
        assertThat(longName).hasSize(VideoUploadModule.MAX_NAME).endsWith(".webm");
    }

    private static JsonNode listed(String fileId) {
        HttpResponse<String> files = ApiTestSupport.get(fixture.server, "/api/v1/files?limit=200", "X-API-Key", IDENTITY_KEY);
        assertThat(files.statusCode()).as(files.body()).isEqualTo(200);
        for (JsonNode f : json(files).get("data")) {
            if (f.get("file_uuid").asText().equals(fileId)) return f;
        }
        return null;
    }

    private static HttpResponse<String> upload(String filename, byte[] bytes, String cameraId, String key) {
        List<Part> parts = cameraId == null ? List.of(Part.file("file", filename, "video/mp4", bytes))
                : List.of(Part.text("camera_id", cameraId), Part.file("file", filename, "video/mp4", bytes));
        return key == null ? ApiTestSupport.postMultipart(fixture.server, "/api/v1/files", parts)
                : ApiTestSupport.postMultipart(fixture.server, "/api/v1/files", parts, "X-API-Key", key);
    }

    /** A multipart body sent chunked (no Content-Length): {@code size} bytes of file, more than any limit allows. */
    private static HttpResponse<String> uploadChunked(String filename, long size) {
        String boundary = "facestream-upload-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        InputStream zeros = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        HttpRequest request = ApiTestSupport.request(fixture.server, "/api/v1/files", "X-API-Key", ADMIN_KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(Collections.enumeration(List.of(
                        new ByteArrayInputStream(head), zeros, new ByteArrayInputStream(tail))))))
                .build();
        try {
            return ApiTestSupport.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new AssertionError("the server should answer 413, not drop the connection: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<Path> entries(Path folder) {
        if (!Files.exists(folder)) return List.of();
        try (var list = Files.list(folder)) {
            return list.toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
