package io.facestream.api.hls;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.schemas.camera.CameraUrls;
import io.facestream.topologies.views.CameraStatus;
import io.javalin.http.Context;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Seed 002's live HLS (live with sound; MJPEG has none): {@code index.m3u8} starts, idempotently, an ffmpeg session
 * that reads the camera's stream and writes a rolling HLS playlist of MPEG-TS segments (video stream-copied, audio
 * to AAC) under this instance's HLS directory; segments are served by name ({@code ^seg\d{5}\.ts$} only);
 * {@code close} ends it, as does a session nobody fetched for the idle timeout. Sessions are bounded (503 at
 * capacity, and when HLS is disabled). The session runs in the API instance that was asked, reading the camera
 * directly: a load balancer must keep a player on one instance.
 */
public final class HlsModule implements ApiModule, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HlsModule.class);
    static final Pattern SEGMENT = Pattern.compile("seg\\d{5}\\.ts");
    private static final String PLAYLIST = "index.m3u8";

    /**
     * @param enabled     false: every HLS request is 503
     * @param maxSessions ffmpeg sessions this instance runs at once
     * @param dir         where sessions write (a directory per camera, removed when the session ends)
     * @param idle        a session whose playlist and segments nobody fetched for this long is closed
     * @param startWait   how long index.m3u8 waits for the first playlist
     */
    public record Settings(boolean enabled, int maxSessions, Path dir, Duration idle, Duration startWait) {
        public static Settings disabled() {
            return new Settings(false, 0, null, Duration.ofSeconds(60), Duration.ofSeconds(15));
        }
    }

    private static final class Session {
        final Process process;
        final Path dir;
        final String url;
        volatile long touchedNanos = System.nanoTime();

        Session(Process process, Path dir, String url) {
            this.process = process;
            this.dir = dir;
            this.url = url;
        }
    }

    private final Backend backend;
    private final Settings settings;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reaper;

    public HlsModule(Backend backend, Settings settings) throws IOException {
        this.backend = backend;
        this.settings = settings;
        if (settings.enabled()) {
            if (settings.maxSessions() < 1) throw new IllegalArgumentException("HLS needs at least one session, got " + settings.maxSessions());
            Files.createDirectories(settings.dir());
            reaper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("hls-reaper").daemon().factory());
            reaper.scheduleWithFixedDelay(this::closeIdle, 5, 5, TimeUnit.SECONDS);
        } else {
            reaper = null;
        }
    }

    @Override
    public void register(Routes routes) {
        String prefix = "/api/live/{id}/hls";
        routes.get(prefix + "/" + PLAYLIST, this::playlist)
                .summary("Start (idempotent) the camera's HLS session and serve its playlist").tags("live")
                .pathParam("id", "The camera id")
                .description("Live with sound: the camera's stream as HLS (video copied, audio AAC), 2 s segments, the "
                        + "last 6 listed. The session ends on hls/close or after nobody fetched it for a while.")
                .respondsBinary(200, "application/vnd.apple.mpegurl", "The playlist")
                .responds(404, "No such camera").responds(409, "The camera is disabled")
                .responds(503, "HLS is disabled, at capacity, or the stream did not start in time");
        routes.get(prefix + "/close", this::close)
                .summary("Stop the camera's HLS session").tags("live").pathParam("id", "The camera id")
                .responds(200, "{closed}").responds(404, "No such camera");
        routes.post(prefix + "/close", this::close)
                .summary("Stop the camera's HLS session (sendBeacon)").tags("live").pathParam("id", "The camera id")
                .scope(io.facestream.api.Scope.READ)
                .responds(200, "{closed}").responds(404, "No such camera");
        routes.get(prefix + "/{segment}", this::segment)
                .summary("One segment of the camera's HLS session").tags("live").pathParam("id", "The camera id")
                .pathParam("segment", "seg<5 digits>.ts")
                .respondsBinary(200, "video/mp2t", "The segment")
                .responds(400, "Not a segment name").responds(404, "No such camera, session or segment")
                .responds(503, "HLS is disabled");
    }

    public record Closed(boolean closed) {
    }

    private CameraStatus camera(Context ctx) {
        return backend.queries().camera(ctx.pathParam("id")).orElseThrow(() -> ApiException.notFound("Camera not found."));
    }

    private void playlist(Context ctx) throws IOException, InterruptedException {
        if (!settings.enabled()) throw ApiException.unavailable("HLS is disabled.");
        CameraStatus camera = camera(ctx);
        if (!camera.camera().getEnabled()) throw ApiException.conflict("The camera is disabled.");
        Session session = session(camera);
        session.touchedNanos = System.nanoTime();
        Path playlist = session.dir.resolve(PLAYLIST);
        long deadline = System.nanoTime() + settings.startWait().toNanos();
        while (!Files.exists(playlist)) {
            if (!session.process.isAlive()) {
                end(camera.cameraId(), session);
                throw ApiException.unavailable("The camera's stream could not be read for HLS.");
            }
            if (System.nanoTime() > deadline) throw ApiException.unavailable("The camera's HLS stream did not start in time; try again.");
            Thread.sleep(100);
        }
        ctx.header("X-Accel-Buffering", "no").header("Cache-Control", "no-cache")
                .contentType("application/vnd.apple.mpegurl").result(Files.readAllBytes(playlist));
    }

    private synchronized Session session(CameraStatus camera) throws IOException {
        Session running = sessions.get(camera.cameraId());
        // a repointed camera's session is restarted on its new URL
        if (running != null && running.process.isAlive() && running.url.equals(camera.camera().getUrl())) return running;
        if (running != null) end(camera.cameraId(), running);
        if (sessions.size() >= settings.maxSessions())
            throw ApiException.unavailable("HLS is at capacity (" + settings.maxSessions() + " sessions); try again later.");
        // the camera id names a directory: it is the view's key, checked by the cameras API; refuse anything else
        if (!camera.cameraId().matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) throw ApiException.badRequest("Camera id unfit for HLS.");
        Path dir = Files.createDirectories(settings.dir().resolve(camera.cameraId()));
        clear(dir);
        List<String> cmd = new java.util.ArrayList<>(List.of(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class),
                "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"));
        if (camera.camera().getUrl().regionMatches(true, 0, "rtsp", 0, 4))
            cmd.addAll(List.of("-rtsp_transport", camera.camera().getRtspTransport(), "-timeout", "10000000"));
        cmd.addAll(List.of("-i", camera.camera().getUrl(), "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "copy", "-c:a", "aac",
                "-f", "hls", "-hls_time", "2", "-hls_list_size", "6", "-hls_flags", "delete_segments+omit_endlist",
                "-hls_segment_filename", dir.resolve("seg%05d.ts").toString(), dir.resolve(PLAYLIST).toString()));
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String cameraId = camera.cameraId();
        Thread.ofPlatform().daemon().name("hls-log-" + cameraId).start(() -> {
            try (var lines = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                // ffmpeg's messages can echo the URL: masked, never logged as they are
                while ((line = lines.readLine()) != null) log.info("camera {} HLS: {}", cameraId, CameraUrls.mask(line));
            } catch (IOException e) {
                // ended
            }
        });
        Session session = new Session(process, dir, camera.camera().getUrl());
        sessions.put(cameraId, session);
        log.info("camera {}: HLS session started", cameraId);
        return session;
    }

    private void segment(Context ctx) throws IOException {
        if (!settings.enabled()) throw ApiException.unavailable("HLS is disabled.");
        String name = ctx.pathParam("segment");
        if (!SEGMENT.matcher(name).matches()) throw ApiException.badRequest("Invalid segment name: expected seg<5 digits>.ts.");
        String id = camera(ctx).cameraId();
        Session session = sessions.get(id);
        if (session == null) throw ApiException.notFound("No HLS session for this camera; fetch index.m3u8 first.");
        session.touchedNanos = System.nanoTime();
        Path file = session.dir.resolve(name).normalize();
        if (!file.startsWith(session.dir)) throw ApiException.badRequest("Invalid segment name.");
        try {
            ctx.contentType("video/mp2t").header("Cache-Control", "no-cache").result(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw ApiException.notFound("Segment not found (it left the playlist).");
        }
    }

    private void close(Context ctx) {
        String id = camera(ctx).cameraId();
        Session session = sessions.get(id);
        boolean closed = session != null && end(id, session);
        ctx.json(new Closed(closed));
    }

    /** Closes sessions nobody fetched lately, whose ffmpeg ended, or whose camera was deleted, disabled or repointed. */
    private void closeIdle() {
        long idleNanos = settings.idle().toNanos();
        sessions.forEach((id, s) -> {
            String why = System.nanoTime() - s.touchedNanos > idleNanos ? "idle" : !s.process.isAlive() ? "ffmpeg ended" : cameraGone(id, s);
            if (why != null) {
                log.info("camera {}: HLS session closed ({})", id, why);
                end(id, s);
            }
        });
    }

    /** Why the session's camera no longer wants it; null when it still does (or the view cannot say now). */
    private String cameraGone(String id, Session s) {
        java.util.Optional<CameraStatus> camera;
        try {
            camera = backend.queries().camera(id);
        } catch (RuntimeException e) {
            return null; // the view is not queryable now (rebalancing): judge again at the next round
        }
        if (camera.isEmpty()) return "camera deleted";
        if (!camera.get().camera().getEnabled()) return "camera disabled";
        if (!camera.get().camera().getUrl().equals(s.url)) return "camera repointed";
        return null;
    }

    /** Stops the session's ffmpeg and removes its files; true when it was the running session. */
    private synchronized boolean end(String cameraId, Session session) {
        boolean removed = sessions.remove(cameraId, session);
        session.process.destroy();
        try {
            if (!session.process.waitFor(5, TimeUnit.SECONDS)) session.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            session.process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            clear(session.dir);
            Files.deleteIfExists(session.dir);
        } catch (IOException e) {
            log.warn("camera {}: HLS files not removed: {}", cameraId, e.toString());
        }
        return removed;
    }

    private static void clear(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.deleteIfExists(p);
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    /** Sessions running now. */
    public int sessions() {
        return sessions.size();
    }

    @Override
    public void close() {
        if (reaper != null) reaper.shutdownNow();
        sessions.forEach(this::end);
    }
}
