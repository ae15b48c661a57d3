package io.facestream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.api.live.FaceImages;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.live.LiveViewModule;
import io.facestream.api.events.EventsModule;
import io.facestream.api.hls.HlsModule;
import io.facestream.api.testing.ApiFixture;
import io.facestream.api.testing.LiveIngest;
import io.facestream.api.testing.VideoUploads;
import io.facestream.api.index.VideoUploadModule;
import io.facestream.ingest.video.RtspServer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser against the real product: Debian's headless Chromium driven by
 * playwright-core (pinned, installed by npm into target/ at test time, never a browser download), running
 * src/test/resources/console/console-browser-test.mjs. Sign-in, a POI enrolled by uploading a photo, a video
 * replayed through real ingest and its alert seen on the feed without a reload, acknowledged by keyboard and seen
 * acknowledged by a second console live, filtered, undone, and shown without write buttons to a read key, an identity renamed, two merged, a search
 * by photo, the unauthenticated and cross-site cases; a live RTSP camera (ffmpeg into rtsp-server-perl, with the ingest
 * role's segment buffer and event recorder) added with the form, whose presence event and a manual recording from its
 * tile are listed, filtered, played and sought (HTTP Range) and deleted on the events page, and played from the
 * identity's page and a face group; a video uploaded from the files page (dropped on the form, sent by keyboard, a photo
 * refused first with the API's message) followed until its replay completed; a screenshot of each page under
 * target/console-browser/.
 * Where Chromium, Node or the npm package is unavailable, the test is reported skipped with the reason.
 */
class ConsoleBrowserTest {
    /** Pinned; speaks CDP to Debian's Chromium, so no Playwright browser build is fetched. */
    static final String PLAYWRIGHT_CORE = "playwright-core@1.65.1";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path WORK = Path.of("target", "console-browser").toAbsolutePath();
    static final Instant BASE = Instant.parse("2026-11-21T09:00:00Z");

    @TempDir
    static Path dir;
    static ApiFixture fixture;
    static LiveAlertsModule liveAlerts;
    static LiveViewModule liveView;
    static Path playwright;
    /** Cameras with this id prefix get an ingest worker (the browser adds one); the others stay idle. */
    static final String LIVE_PREFIX = "console-live-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    static LiveIngest ingest;
    static HlsModule hls;
    static RtspServer liveCamera;
    static VideoUploads videoUploads;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "SKIPPED: no Chromium at " + CHROMIUM + " (bin/ensure-tools.sh installs Debian's chromium)");
        Assumptions.assumeTrue(run(List.of("node", "--version"), WORK.getParent(), 30).exit == 0,
                "SKIPPED: node is not on the PATH");
        playwright = WORK.resolve("node_modules/playwright-core");
        if (!Files.isDirectory(playwright)) {
            Files.createDirectories(WORK);
            Result npm = run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", WORK.toString(),
                    PLAYWRIGHT_CORE), WORK, 180);
            Assumptions.assumeTrue(npm.exit == 0 && Files.isDirectory(playwright),
                    "SKIPPED: npm could not install " + PLAYWRIGHT_CORE + ": " + String.join("\n", npm.lines));
        }
        fixture = ApiFixture.start(dir, backend -> {
            liveAlerts = new LiveAlertsModule(KafkaFixture.bootstrap(), registryUrl());
            liveView = new LiveViewModule(backend, KafkaFixture.bootstrap(), registryUrl(), LiveViewModule.Settings.defaults());
            try {
                hls = new HlsModule(backend, new HlsModule.Settings(true, 2, dir.resolve("hls"), Duration.ofSeconds(60), Duration.ofSeconds(20)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                videoUploads = new VideoUploads(backend, new VideoUploadModule.Settings(dir.resolve("uploads"), 64L << 20, 2));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return FacestreamApi.modules(backend, liveAlerts, liveView, Duration.ofSeconds(30), EventsModule.Settings.defaults(), hls,
                    videoUploads.module);
        });
        ingest = LiveIngest.start(fixture, dir, LIVE_PREFIX, "console-test", EventsModule.Settings.defaults().segmentRetention());
        // 8 s at 10 fps: a face walks across during frames 10-39, then nobody for 4 s, so each loop's track ends (an event)
        Path hall = dir.resolve("hall.mp4");
        SceneVideoWriter.write(hall, 640, 360, 10, 80, List.of(new SceneVideoWriter.Sprite(
                FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample3", 1).getFirst(), 10, 39, 150, 170, 380, 170, 160, 160)));
        liveCamera = new RtspServer(h264(hall, dir.resolve("hall-h264.mp4"))).start();
    }

    /**
     * The camera's video as H.264 (Debian's ffmpeg with libx264): clips are stream copies of what a camera sends, and
     * Chromium plays H.264 in MP4 but not the MPEG-4 part 2 that JavaCV's LGPL build writes. Baseline profile, a
     * keyframe a second (the segment buffer cuts on keyframes), and the parameter sets repeated in-band at each one
     * (a player joining the relayed stream mid-way, as the worker does, found no picture size without them).
     */
    static Path h264(Path video, Path out) throws IOException, InterruptedException {
        Result encoded = run(List.of("ffmpeg", "-y", "-v", "error", "-i", video.toString(), "-c:v", "libx264", "-preset", "veryfast",
                "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0",
                "-x264-params", "repeat-headers=1", out.toString()),
                video.getParent(), 120);
        assertThat(encoded.exit).as(String.join("\n", encoded.lines)).isZero();
        return out;
    }

    @AfterAll
    static void stop() throws Exception {
        if (ingest != null) ingest.close();
        if (hls != null) hls.close();
        if (liveCamera != null) liveCamera.close();
        if (fixture != null) fixture.close();
        if (videoUploads != null) videoUploads.close();
        if (liveAlerts != null) liveAlerts.close();
        if (liveView != null) liveView.close();
    }

    @Test
    void anOperatorSignsInEnrolsAPoiSeesItsAlertLiveRenamesAnIdentityAndSearches() throws Exception {
        long began = System.nanoTime();
        var sprites = FaceImages.sprites();
        Path photo = dir.resolve("suspect.jpg");
        Files.write(photo, FaceImages.jpeg(sprites.get(0)));
        Path video = FaceImages.video(dir.resolve("walk-by.mp4"), 40,
                List.of(new Sprite(sprites.get(0), 0, 39, 140, 180, 220, 170, 150, 160),
                        new Sprite(sprites.get(1), 0, 39, 470, 190, 440, 180, 150, 150)));
        Path upload = FaceImages.video(dir.resolve("front-door.mp4"), 30,
                List.of(new Sprite(sprites.get(1), 0, 29, 200, 180, 260, 180, 150, 150)));
        Path shots = Files.createDirectories(WORK.resolve("screenshots"));
        Path script = Path.of(ConsoleBrowserTest.class.getResource("/console/console-browser-test.mjs").toURI());

        ProcessBuilder builder = new ProcessBuilder("node", script.toString()).redirectErrorStream(true);
        builder.environment().put("BASE_URL", "http://127.0.0.1:" + fixture.server.port());
        builder.environment().put("ADMIN_KEY", ApiTestSupport.ADMIN_KEY);
        builder.environment().put("READ_KEY", ApiTestSupport.READ_KEY);
        builder.environment().put("PHOTO", photo.toString());
        builder.environment().put("UPLOAD_VIDEO", upload.toString());
        builder.environment().put("SHOTS", shots.toString());
        builder.environment().put("PLAYWRIGHT", playwright.toString());
        builder.environment().put("LIVE_CAMERA_ID", LIVE_PREFIX + "hall");
        builder.environment().put("LIVE_RTSP_URL", liveCamera.url());
        Process browser = builder.start();
        // a hung browser or script fails the test instead of holding the build
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!browser.waitFor(480, TimeUnit.SECONDS)) browser.destroyForcibly();
            } catch (InterruptedException e) {
                browser.destroyForcibly();
            }
        });
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = browser.getOutputStream()) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                System.out.println("[browser] " + line);
                if (line.equals("AWAIT_REPLAY")) {
                    fixture.replay(video, "console-" + UUID.randomUUID(), "console-cam", BASE);
                    in.write('\n');
                    in.flush();
                }
            }
        } finally {
            if (!browser.waitFor(30, TimeUnit.SECONDS)) browser.destroyForcibly();
            watchdog.interrupt();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
        Files.write(WORK.resolve("browser-test.log"), lines);
        System.out.println("console browser test: " + seconds + " s (fixture start excluded)");
        assertThat(browser.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).contains("AWAIT_REPLAY").anyMatch(l -> l.startsWith("STEP signed-out"))
                .anyMatch(l -> l.startsWith("STEP alert-acknowledged")).anyMatch(l -> l.startsWith("STEP video-uploaded")).anyMatch(l -> l.startsWith("STEP alert-read-only"))
                .noneMatch(l -> l.startsWith("PAGEERROR"));
        for (String page : List.of("signin", "people", "alerts", "alerts-acknowledged", "identities", "identity", "identities-analytics", "identity-split", "search", "face-groups", "cameras", "files",
                "system", "events", "events-player", "camera-live-sound", "identity-events", "face-group-clips", "alerts-phone", "identities-phone",
                "face-groups-phone", "files-phone", "system-phone", "events-phone", "cameras-phone")) {
            assertThat(shots.resolve(page + ".png")).as(page).isNotEmptyFile();
        }
    }

    private record Result(int exit, List<String> lines) {}

    private static Result run(List<String> command, Path cwd, int timeoutSeconds) throws IOException, InterruptedException {
        Files.createDirectories(cwd);
        Process process;
        try {
            process = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, List.of(e.getMessage()));
        }
        List<String> lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                .lines().toList();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, lines);
        }
        return new Result(process.exitValue(), lines);
    }

    private static String registryUrl() {
        try {
            return KafkaFixture.registryUrl();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
