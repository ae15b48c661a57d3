package io.facestream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.testkit.S3Proxy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One blob store for every process: {@code facestream replay} and {@code facestream api} as two processes with two
 * data dirs, on one S3-compatible store (S3Proxy, its own process): the frame and thumbnail links the API gives in
 * alerts and search results answer 200 with the frames the replay process wrote.
 */
class SharedBlobStoreTest {
    private static final String KEY = "shared-blobs-admin-key";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void framesAReplayProcessWroteAreServedByAnApiProcessWithAnotherDataDir(@TempDir Path dir) throws Exception {
        byte[] face;
        Path clip = dir.resolve("door.mp4");
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            BufferedImage sprite = FaceSprites.fromPhoto(analyzer, "sample1", 1).getFirst();
            ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(sprite, "jpg", jpeg);
            face = jpeg.toByteArray();
            SceneVideoWriter.write(clip, 640, 360, 25, 50, List.of(new SceneVideoWriter.Sprite(sprite, 0, 49, 200, 180, 300, 180, 160, 160)));
        }
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.of(dir.resolve("kafka"), 0));
             S3Proxy s3 = S3Proxy.start(Files.createDirectories(dir.resolve("s3"))).bucket("facestream")) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, Topics.catalog(2, (short) 1));
            }
            try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(kafka.bootstrapServers(), Topics.SCHEMAS, "localhost", 0)) {
                String registryUrl = "http://localhost:" + registry.port();
                List<String> store = FacestreamProcess.set("blobs.store=s3", "blobs.s3.endpoint=" + s3.endpoint(),
                        "blobs.s3.bucket=facestream", "blobs.s3.access.key=" + S3Proxy.ACCESS_KEY, "blobs.s3.secret.key=" + S3Proxy.SECRET_KEY);
                // a bucket that does not exist: the replay stops before the models load, naming the store and what it tried
                Cli.Run refused = Cli.run("replay", clip.toString(), "--bootstrap", kafka.bootstrapServers(), "--registry", registryUrl,
                        "--set", "data.dir=" + dir.resolve("no-bucket"), "--set", "blobs.store=s3", "--set", "blobs.s3.endpoint=" + s3.endpoint(),
                        "--set", "blobs.s3.bucket=no-such-bucket", "--set", "blobs.s3.access.key=" + S3Proxy.ACCESS_KEY,
                        "--set", "blobs.s3.secret.key=" + S3Proxy.SECRET_KEY);
                assertThat(refused.exit()).as(refused.err()).isEqualTo(ReplayCommand.UNREACHABLE);
                assertThat(refused.err().strip()).startsWith("facestream replay: cannot open the blob store: S3 bucket no-such-bucket at " + s3.endpoint()
                        + " answered HTTP 404").doesNotContain(S3Proxy.SECRET_KEY).doesNotContain("\n");

                int port = FacestreamProcess.freePort();
                List<String> apiArgs = new ArrayList<>(List.of("api"));
                apiArgs.addAll(FacestreamProcess.set("data.dir=" + dir.resolve("api-data"), "kafka.bootstrap.servers=" + kafka.bootstrapServers(),
                        "registry.url=" + registryUrl, "topics.partitions=2", "api.port=" + port, "api.keys=tester:admin:" + KEY, "topologies.threads=1",
                        "topologies.application.id=shared-blobs-" + System.nanoTime()));
                apiArgs.addAll(store);
                Process api = FacestreamProcess.start(dir.resolve("api.log"), "1500m", apiArgs);
                try {
                    String base = "http://localhost:" + port;
                    await(() -> status(base + "/health/ready") == 200, api, dir.resolve("api.log"), "the API process ready", Duration.ofSeconds(120));

                    HttpResponse<String> enrolled = http.send(multipart(base + "/api/v1/poi", Map.of("notes", "Door Watcher", "severity", "high"),
                            "images", face), HttpResponse.BodyHandlers.ofString());
                    assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
                    String poiId = json.readTree(enrolled.body()).path("poi_id").asText();
                    assertThat(poiId).isNotEmpty();

                    List<String> replayArgs = new ArrayList<>(List.of("replay", clip.toString(), "--file-id", "door-1", "--sample-fps", "5",
                            "--bootstrap", kafka.bootstrapServers(), "--registry", registryUrl));
                    replayArgs.addAll(FacestreamProcess.set("data.dir=" + dir.resolve("replay-data")));
                    replayArgs.addAll(store);
                    Process replay = FacestreamProcess.start(dir.resolve("replay.log"), "1g", replayArgs);
                    assertThat(replay.waitFor(180, TimeUnit.SECONDS)).as("the replay ended").isTrue();
                    assertThat(replay.exitValue()).as(Files.readString(dir.resolve("replay.log"))).isZero();

                    // the frames are in the bucket, in neither process's data dir
                    try (Stream<Path> frames = Files.list(dir.resolve("s3/buckets/facestream/frame"))) {
                        assertThat(frames.map(p -> p.getFileName().toString())).isNotEmpty().allMatch(n -> n.startsWith("door-1:"));
                    }
                    assertThat(dir.resolve("replay-data/blobs")).doesNotExist();
                    assertThat(dir.resolve("api-data/blobs")).doesNotExist();

                    JsonNode[] alert = new JsonNode[1];
                    await(() -> {
                        for (JsonNode a : json.readTree(get(base + "/api/v1/alerts").body())) {
                            if (poiId.equals(a.path("poi_id").asText())) alert[0] = a;
                        }
                        return alert[0] != null;
                    }, api, dir.resolve("api.log"), "the POI's alert", Duration.ofSeconds(90));
                    assertImage(base + alert[0].path("match").path("thumbnail_path").asText());

                    JsonNode[] found = new JsonNode[1];
                    await(() -> {
                        HttpResponse<String> r = http.send(multipart(base + "/api/v1/search", Map.of("top_k", "5"), "image", face),
                                HttpResponse.BodyHandlers.ofString());
                        JsonNode body = json.readTree(r.body());
                        if (r.statusCode() == 200 && body.path("appearances").size() > 0) found[0] = body;
                        return found[0] != null;
                    }, api, dir.resolve("api.log"), "the POI's appearances in a search", Duration.ofSeconds(60));
                    assertThat(found[0].path("matched_poi_id").asText()).isEqualTo(poiId);
                    JsonNode appearance = found[0].path("appearances").get(0);
                    assertImage(base + appearance.path("entry_frame_url").asText());
                    assertImage(base + appearance.path("last_seen_frame_url").asText());
                    assertImage(base + appearance.path("thumbnail_url").asText());
                    // a frame the store never had is a 404, not an error
                    String missing = appearance.path("entry_frame_url").asText().replaceFirst("/[^/]+$", "/")
                            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("frame/door-1:999999".getBytes(StandardCharsets.UTF_8));
                    assertThat(status(base + missing)).isEqualTo(404);
                } finally {
                    api.destroy();
                    if (!api.waitFor(30, TimeUnit.SECONDS)) api.destroyForcibly().waitFor();
                }
            }
        }
    }

    private void assertImage(String url) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(r.body()).as("a JPEG").startsWith((byte) 0xFF, (byte) 0xD8);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String url) {
        try {
            return get(url).statusCode();
        } catch (Exception notYet) {
            return -1;
        }
    }

    private HttpRequest multipart(String url, Map<String, String> fields, String fileField, byte[] jpeg) {
        String boundary = "facestream" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name
                + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\"face.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(jpeg);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    interface Check {
        boolean done() throws Exception;
    }

    private static void await(Check check, Process process, Path log, String what, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (!process.isAlive()) throw new AssertionError("the process ended before " + what + ":\n" + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s; log:\n" + tail(log));
            Thread.sleep(250);
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
