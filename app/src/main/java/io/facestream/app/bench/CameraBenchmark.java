package io.facestream.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.app.Standalone;
import io.facestream.app.config.Config;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.RtspServer;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.PoiAlert;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code facestream bench cameras}: how many live cameras one core keeps analysed at 10 fps. A standalone runs in this
 * JVM (embedded broker, ingest role with segment buffers and the event recorder, every topology, the API); a generated
 * 640x360 scene with two real faces (a POI enrolled beforehand, coming and going, and a stranger) is published by ffmpeg
 * into rtsp-server-perl as a live RTSP camera, and cameras reading it are added through {@code /api/cameras} one at a
 * time. Each step watches every camera's measured fps ({@code /api/cameras/{id}/status}) and the live view's delay from
 * capture to MJPEG part on the first camera; the ramp stops at the first step where a camera's mean rate leaves 10 fps
 * by more than {@value #TOLERANCE}: under it, frames were lost (RTP over UDP is not held back for a slow reader); over
 * it, the worker was catching up on frames its socket had buffered, so it had fallen behind. Then the
 * cameras that kept up are switched to {@code faces_enabled: false} (ingest alone: decoding, live view frames and segment
 * recording, no detection, tracking, embedding or alerts) and the live view's delay is measured again, for the ratio.
 */
public final class CameraBenchmark {
    private static final double FPS = 10;
    /**
     * A camera keeps up when its mean measured rate over a step is within this of the camera's 10 fps (heartbeats count
     * the frames of about a second, so a steady camera reads 9.9-10.1). Under it frames were lost; over it the worker was
     * working off frames its socket had buffered, that is, it had fallen behind.
     */
    private static final double TOLERANCE = 0.2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Duration window;
    private final int maxCameras;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String key = "bench-" + UUID.randomUUID();
    private String api;

    private CameraBenchmark(PrintStream out, Duration window, int maxCameras) {
        this.out = out;
        this.window = window;
        this.maxCameras = maxCameras;
    }

    /**
     * @param window     how long each step is measured (after a settling time of its own)
     * @param maxCameras the ramp stops here even when every camera keeps up
     * @throws IllegalStateException when rtsp-server-perl or ffmpeg is missing
     */
    public static void run(PrintStream out, Duration window, int maxCameras) throws Exception {
        List<String> missing = RtspServer.missingTools();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("bench cameras serves its cameras with rtsp-server-perl and ffmpeg; missing on the PATH: "
                    + String.join(", ", missing) + " (Debian: apt-get install rtsp-server-perl ffmpeg)");
        }
        new CameraBenchmark(out, window, maxCameras).run();
    }

    private record Step(int cameras, double minFps, double meanFps, double maxFps, List<Long> delays) {
        boolean keptUp() {
            return minFps >= FPS - TOLERANCE && maxFps <= FPS + TOLERANCE;
        }
    }

    private void run() throws Exception {
        Path work = Files.createTempDirectory("facestream-bench-cameras");
        try {
            Path video = work.resolve("scene.mp4");
            Person poi;
            try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
                List<BufferedImage> sprites = FaceSprites.fromPhoto(analyzer, "sample1", 2);
                PipelineBenchmark.twoFaceVideo(video, sprites, 20);
                poi = SamplePoi.fromFace(analyzer, sprites.get(0), "bench-poi", "Bench POI", null);
            }
            Map<String, String> settings = new HashMap<>(Map.of("data.dir", work.resolve("data").toString(),
                    "kafka.embedded.port", "0", "kafka.embedded.controller.port", "0", "registry.embedded.port", "0",
                    "api.port", "0", "api.keys", "bench:admin:" + key));
            try (RtspServer camera = new RtspServer(video).start();
                 Standalone product = Standalone.start(Config.load(null, Map.of(), settings))) {
                if (!product.awaitReady(Duration.ofMinutes(3), reason -> { })) throw new IllegalStateException("the standalone did not become ready");
                api = "http://localhost:" + product.apiPort();
                enrol(product, poi);
                int cores = Runtime.getRuntime().availableProcessors();
                out.printf("cameras: 640x360 at %.0f fps (two faces: a POI coming and going, a stranger throughout), RTSP over UDP from "
                        + "rtsp-server-perl fed by ffmpeg (-re, looped), on this machine with %d cores; each step: %d s settling, then %d s measured%n",
                        FPS, cores, settle().toSeconds(), window.toSeconds());
                out.println();
                out.println("| cameras | lowest camera's fps | mean fps | highest camera's fps | live view delay p50 | p99 | MJPEG parts | kept up |");
                out.println("|---:|---:|---:|---:|---:|---:|---:|---|");
                List<Step> steps = new ArrayList<>();
                for (int n = 1; n <= maxCameras; n++) {
                    create("bench-cam-" + n, camera.url());
                    Step step = measure(n);
                    steps.add(step);
                    print(step);
                    if (!step.keptUp()) break;
                }
                int sustained = (int) steps.stream().filter(Step::keptUp).count();
                out.println();
                if (sustained == 0) {
                    out.println("not even one camera kept up with 10 fps analysed");
                    return;
                }
                boolean capped = sustained == steps.size();
                out.printf("cameras kept at %.0f fps analysed: %d%s -> %.2f cameras per core (%d cores)%n", FPS, sustained,
                        capped ? " (the ramp's cap, --max-cameras, not a limit found)" : "", (double) sustained / cores, cores);
                Step analysed = steps.get(sustained - 1);
                // the ramp's last camera did not keep up: without it, the others are back where the kept step measured them
                if (!capped) delete("bench-cam-" + steps.size());
                for (int n = 1; n <= sustained; n++) facesEnabled("bench-cam-" + n, false);
                Step ingestAlone = measure(sustained);
                out.printf("ingest alone (faces_enabled false: decode, live view, segments) on the same %d cameras: min fps %.2f, "
                        + "live view delay p50 %d ms, p99 %d ms%n", sustained, ingestAlone.minFps(), percentile(ingestAlone.delays(), 50),
                        percentile(ingestAlone.delays(), 99));
                out.printf("live view delay with analysis / ingest alone: p50 x%.2f, p99 x%.2f%n",
                        ratio(percentile(analysed.delays(), 50), percentile(ingestAlone.delays(), 50)),
                        ratio(percentile(analysed.delays(), 99), percentile(ingestAlone.delays(), 99)));
                out.printf("the whole run raised %d POI alerts and recorded %d events (clips) over its cameras%n",
                        poiAlerts(product), get("/api/events?limit=1").get("total").asLong());
            }
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void print(Step s) {
        out.printf("| %d | %.2f | %.2f | %.2f | %d ms | %d ms | %d | %s |%n", s.cameras(), s.minFps(), s.meanFps(), s.maxFps(),
                percentile(s.delays(), 50), percentile(s.delays(), 99), s.delays().size(), s.keptUp() ? "yes" : "no");
    }

    private static double ratio(long a, long b) {
        return b <= 0 ? Double.NaN : (double) a / b;
    }

    private Duration settle() {
        return Duration.ofSeconds(8);
    }

    /** After settling, samples every camera's status each second for the window while one client watches camera 1's MJPEG. */
    private Step measure(int cameras) throws Exception {
        Thread.sleep(settle().toMillis());
        List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + window.toNanos();
        Thread viewer = Thread.ofPlatform().name("bench-mjpeg-viewer").start(() -> watch("bench-cam-1", end, delays));
        Map<Integer, List<Double>> fps = new HashMap<>();
        while (System.nanoTime() < end) {
            for (int n = 1; n <= cameras; n++) {
                JsonNode status = get("/api/cameras/bench-cam-" + n + "/status");
                fps.computeIfAbsent(n, k -> new ArrayList<>()).add(status.get("fps").asDouble());
            }
            Thread.sleep(1000);
        }
        viewer.join(Duration.ofSeconds(15).toMillis());
        double min = Double.MAX_VALUE, max = 0, sum = 0;
        for (int n = 1; n <= cameras; n++) {
            double mean = fps.get(n).stream().mapToDouble(Double::doubleValue).average().orElse(0);
            min = Math.min(min, mean);
            max = Math.max(max, mean);
            sum += mean;
        }
        List<Long> sorted;
        synchronized (delays) {
            sorted = delays.stream().sorted().toList();
        }
        return new Step(cameras, min, sum / cameras, max, sorted);
    }

    /**
     * Reads the camera's MJPEG stream at the product's full rate until {@code end}: each new part's arrival minus the
     * capture time it carries (X-Frame-Time). The first part is whatever frame was latest, so it is not counted.
     */
    private void watch(String camera, long end, List<Long> delays) {
        try {
            HttpResponse<InputStream> response = http.send(request("/api/live/" + camera + "/stream?fps=30").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) throw new IOException("MJPEG stream answered " + response.statusCode());
            try (InputStream in = response.body()) {
                String previous = null;
                boolean first = true;
                while (System.nanoTime() < end) {
                    String head = readHead(in);
                    long arrived = System.currentTimeMillis();
                    String length = header(head, "Content-Length");
                    in.readNBytes(Integer.parseInt(length) + 2);
                    if (head.equals(previous)) continue; // a picture sent twice, so a browser draws it at once
                    previous = head;
                    String captured = header(head, "X-Frame-Time");
                    if (!first && captured != null) delays.add(arrived - Instant.parse(captured).toEpochMilli());
                    first = false;
                }
            }
        } catch (IOException | InterruptedException e) {
            out.println("MJPEG viewer stopped: " + e.getMessage());
        }
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) return line.substring(name.length() + 1).strip();
        }
        return null;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new IOException("the stream ended");
            if (head.length() > 4096) throw new IOException("an MJPEG part head over 4 KiB");
            head.append((char) c);
        }
        return head.toString().strip();
    }

    /** POI alerts on the alerts topic, all of them: evidence that the analysis ran through to alerts. */
    private static long poiAlerts(Standalone product) {
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(product.registryUrl()));
        try (KafkaConsumer<String, PoiAlert> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                product.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "bench-cameras-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), serdes.of(PoiAlert.class).deserializer())) {
            consumer.subscribe(List.of(Topics.POI_ALERTS));
            long count = 0;
            int emptyPolls = 0;
            while (emptyPolls < 3) {
                var records = consumer.poll(Duration.ofSeconds(1));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (var r : records) if (r.value().getKind() == AlertKind.POI) count++;
            }
            return count;
        }
    }

    private void enrol(Standalone product, Person poi) throws Exception {
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(product.registryUrl()));
        try (KafkaProducer<String, Person> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                product.bootstrapServers()), new StringSerializer(), serdes.of(Person.class).serializer())) {
            producer.send(new ProducerRecord<>(Topics.PEOPLE, poi.getPersonId(), poi)).get();
        }
    }

    private void create(String id, String url) throws Exception {
        // detect_interval 0.1: 10 fps analysed; the live view at the same rate, so the MJPEG delay is one of every frame
        send("POST", "/api/cameras", """
                {"id": "%s", "name": "%s", "rtsp_url": "%s", "rtsp_transport": "udp", "detect_interval": 0.1, "live_view_fps": 10,
                 "pre_seconds": 2, "post_seconds": 2}""".formatted(id, id, url), 201);
    }

    private void facesEnabled(String id, boolean enabled) throws Exception {
        send("PUT", "/api/cameras/" + id, "{\"faces_enabled\": " + enabled + "}", 200);
    }

    private void delete(String id) throws Exception {
        send("DELETE", "/api/cameras/" + id, null, 204);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(api + path)).header("X-API-Key", key).timeout(Duration.ofSeconds(30));
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private void send(String method, String path, String json, int expected) throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return -1;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
