package io.facestream.api.live;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.topologies.views.CameraStatus;
import io.javalin.http.Context;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 002's live view, {@code /api/live/{id}/snapshot} and {@code /stream} (MJPEG): each camera's latest frame from
 * the frames topic ({@link LatestFrames}, so any instance serves any camera), with the boxes of the faces found in it
 * drawn and named ({@link FaceLabels}). Before a camera's first frame, and after it was repointed, disabled or re-created, a "no signal" placeholder
 * (200) keeps {@code <img>} elements working; only an unknown camera is 404.
 */
public final class LiveViewModule implements ApiModule, AutoCloseable {
    static final String PREFIX = "/api/live";
    static final String BOUNDARY = "frame";
    private static final Logger LOG = LoggerFactory.getLogger(LiveViewModule.class);
    /** While nothing changes, the latest part is sent again this often, so a client that left is noticed. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    /**
     * @param mjpegFps   the highest rate a stream sends ({@code live_mjpeg_fps}); {@code ?fps=} is clamped to [1, it]
     * @param maxStreams MJPEG streams served at once by this process (each holds a server thread); more are 503
     * @param maxCameras cameras whose latest frame is kept in memory
     * @param maxBytes   JPEG bytes kept in memory for them in all
     */
    public record Settings(int mjpegFps, int maxStreams, int maxCameras, long maxBytes) {
        public Settings {
            if (mjpegFps < 1 || maxStreams < 1 || maxCameras < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("live settings must be positive");
            }
        }

        /** 10 fps, 32 streams, 1024 cameras, 256 MiB of frames. */
        public static Settings defaults() {
            return new Settings(10, 32, 1024, 256L << 20);
        }

        public Settings withStreams(int fps, int streams) {
            return new Settings(fps, streams, maxCameras, maxBytes);
        }
    }

    private final Backend backend;
    private final Settings settings;
    private final LatestFrames frames;
    private final Semaphore streams;
    private final FaceLabels faceLabels;
    private final byte[] noSignal = placeholder();
    /** The annotated JPEG of each camera's latest frame, drawn once however many clients watch. */
    private final Map<String, Annotated> annotated = new ConcurrentHashMap<>();

    private record Annotated(long version, int boxes, String names, byte[] jpeg) {}
    private static final Color BOX = new Color(0, 220, 90);

    /** Starts the frames consumer of this cluster and registry. */
    public LiveViewModule(Backend backend, String bootstrapServers, String registryUrl, Settings settings) {
        this.backend = backend;
        this.settings = settings;
        this.frames = new LatestFrames(bootstrapServers, registryUrl, settings.maxCameras(), settings.maxBytes());
        this.streams = new Semaphore(settings.maxStreams());
        this.faceLabels = new FaceLabels(backend);
    }

    @Override
    public void register(Routes routes) {
        routes.get(PREFIX + "/{id}/snapshot", this::snapshot)
                .summary("The camera's latest frame as one JPEG, face boxes drawn").tags("live")
                .pathParam("id", "The camera's id")
                .description("Frames come from the frames topic at the camera's live_view_fps. Boxes of the faces "
                        + "detected in the frame are drawn, each with the name of the known person, POI or named identity "
                        + "its track was recognised as (none while the track is unresolved or an unnamed automatic "
                        + "identity); X-Frame-Names lists the names drawn, percent-encoded and comma-separated. Before the camera's first frame "
                        + "(and when its latest frame predates its last change: disabled, repointed) the answer is a "
                        + "\"no signal\" placeholder JPEG with 200 and X-Facestream-Placeholder: no-signal; a frame comes with its "
                        + "capture time in X-Frame-Time.")
                .respondsBinary(200, "image/jpeg", "The latest frame, or the placeholder")
                .responds(404, "No such camera");
        routes.get(PREFIX + "/{id}/stream", this::stream)
                .summary("MJPEG stream (multipart/x-mixed-replace) of the camera's frames").tags("live")
                .pathParam("id", "The camera's id")
                .queryParam("fps", "number", false, "Parts per second at most, clamped to [1, live_mjpeg_fps] "
                        + "(api.live.mjpeg.fps); default: live_mjpeg_fps")
                .description("The first part is the latest frame or the \"no signal\" placeholder; then a part is "
                        + "sent only when the frame changed (at most fps per second; the same part is repeated every "
                        + KEEP_ALIVE.toSeconds() + " s while nothing changes, so a client that left is noticed), until "
                        + "the client goes. The first part and each repeated one are sent twice in a row, as a browser draws "
                        + "a part only once the next one begins. Boundary: " + BOUNDARY + "; each part of a frame carries its capture time in X-Frame-Time "
                        + "and the names drawn on it in X-Frame-Names, as the snapshot does. "
                        + "X-Accel-Buffering: no is set for nginx.")
                .respondsBinary(200, "multipart/x-mixed-replace", "The stream")
                .responds(404, "No such camera")
                .responds(422, "fps is not a number")
                .responds(503, "This instance serves its maximum of MJPEG streams (api.live.max.streams)");
    }

    private CameraStatus camera(Context ctx) {
        String id = ctx.pathParam("id");
        return backend.queries().camera(id).orElseThrow(() -> ApiException.notFound("Camera not found."));
    }

    /**
     * What is shown: a frame's JPEG, its capture time and the names drawn on it, or the placeholder (no time).
     * {@code names} are percent-encoded (UTF-8) and comma-separated, for a header; empty when none is drawn.
     */
    private record Picture(byte[] jpeg, Instant capturedAt, String names) {}

    private void snapshot(Context ctx) {
        CameraStatus camera = camera(ctx);
        Picture picture = current(camera);
        if (picture.capturedAt() == null) ctx.header("X-Facestream-Placeholder", "no-signal");
        else ctx.header("X-Frame-Time", picture.capturedAt().toString());
        if (!picture.names().isEmpty()) ctx.header("X-Frame-Names", picture.names());
        ctx.header("Cache-Control", "no-store").contentType("image/jpeg").result(picture.jpeg());
    }

    /** The camera's latest frame, annotated, or the placeholder when there is none it can show. */
    private Picture current(CameraStatus camera) {
        var frame = frames.latest(camera.cameraId()).filter(f -> showable(camera, f));
        if (frame.isEmpty()) {
            annotated.remove(camera.cameraId());
            return new Picture(noSignal, null, "");
        }
        return annotate(camera.cameraId(), frame.get());
    }

    /** A frame from before the camera's latest change (disabled, repointed, re-created) is not its live picture. */
    private static boolean showable(CameraStatus camera, LatestFrames.Latest frame) {
        return camera.camera().getEnabled() && !frame.timestamp().isBefore(camera.camera().getUpdatedAt());
    }

    private void stream(Context ctx) throws Exception {
        CameraStatus camera = camera(ctx);
        double fps = fps(ctx.queryParam("fps"));
        if (!streams.tryAcquire()) {
            throw ApiException.unavailable("This instance serves its maximum of " + settings.maxStreams()
                    + " live streams; try again later or lower the number of open viewers.");
        }
        try {
            ctx.res().setStatus(200);
            ctx.res().setContentType("multipart/x-mixed-replace; boundary=" + BOUNDARY);
            ctx.res().setHeader("Cache-Control", "no-store");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            long interval = Math.round(1_000_000_000 / fps);
            String id = camera.cameraId();
            long version = frames.latest(id).map(LatestFrames.Latest::version).orElse(-1L);
            writeDrawnAtOnce(out, current(camera));
            long lastPart = System.nanoTime();
            while (frames.running()) {
                // at most fps parts a second: wait out the interval, then for a newer frame
                long early = lastPart + interval - System.nanoTime();
                if (early > 0) Thread.sleep(early / 1_000_000, (int) (early % 1_000_000));
                var next = frames.awaitNewer(id, version, KEEP_ALIVE);
                boolean changed = next.isPresent() && next.get().version() > version;
                if (changed) version = next.get().version();
                // the camera may have been disabled or deleted meanwhile: its current picture (or the placeholder)
                CameraStatus now;
                try {
                    now = backend.queries().camera(id).orElse(null);
                } catch (RuntimeException rebalancing) {
                    now = camera; // the view is moving: keep to what was known
                }
                if (now == null) break; // deleted
                camera = now;
                if (!changed && System.nanoTime() - lastPart < KEEP_ALIVE.toNanos()) continue;
                if (changed) writePart(out, current(now)); // it draws the part before it
                else writeDrawnAtOnce(out, current(now));
                lastPart = System.nanoTime();
            }
        } catch (IOException e) {
            LOG.debug("live stream of {} ended: the client went ({})", ctx.pathParam("id"), e.toString());
        } finally {
            streams.release();
        }
    }

    /**
     * A picture no other part may follow soon (a stream's first, a repeated one: no signal, a stopped camera), sent
     * twice in a row: Chromium shows a part of multipart/x-mixed-replace only once the next part's headers have arrived
     * (Blink's MultipartImageResourceParser finishes a part as it parses the next one's), so sent once it would stay
     * undrawn until the next keep-alive. A changing stream's next part draws the one before it.
     */
    private static void writeDrawnAtOnce(OutputStream out, Picture picture) throws IOException {
        writePart(out, picture);
        writePart(out, picture);
    }

    /** One part; a frame's carries its capture time (X-Frame-Time), so a client can tell how late it is. */
    private static void writePart(OutputStream out, Picture picture) throws IOException {
        byte[] jpeg = picture.jpeg();
        out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
                + (picture.capturedAt() == null ? "" : "\r\nX-Frame-Time: " + picture.capturedAt())
                + (picture.names().isEmpty() ? "" : "\r\nX-Frame-Names: " + picture.names()) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(jpeg);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** ?fps= clamped to [1, live_mjpeg_fps]; absent means the cap. */
    double fps(String raw) {
        if (raw == null || raw.isBlank()) return settings.mjpegFps();
        double fps;
        try {
            fps = Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            throw ApiException.validation("fps: must be a number");
        }
        if (Double.isNaN(fps)) throw ApiException.validation("fps: must be a number");
        return Math.max(1, Math.min(settings.mjpegFps(), fps));
    }

    /**
     * The frame with its faces' boxes drawn, each with the name of the person it was recognised as when there is one;
     * kept until the camera's next frame, once every expected box is in and its names are the same.
     */
    private Picture annotate(String cameraId, LatestFrames.Latest frame) {
        if (frame.boxes().isEmpty()) return new Picture(frame.jpeg(), frame.timestamp(), "");
        List<String> labels = faceLabels.of(frame, frames.liveTracks(cameraId));
        String names = labels.stream().filter(java.util.Objects::nonNull)
                .map(n -> URLEncoder.encode(n, StandardCharsets.UTF_8)).collect(Collectors.joining(","));
        Annotated cached = annotated.get(cameraId);
        if (cached != null && cached.version() == frame.version() && cached.boxes() == frame.boxes().size()
                && cached.names().equals(names)) {
            return new Picture(cached.jpeg(), frame.timestamp(), names);
        }
        byte[] jpeg;
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(frame.jpeg()));
            if (image == null) return new Picture(frame.jpeg(), frame.timestamp(), "");
            Graphics2D g = image.createGraphics();
            double sx = (double) frame.width() / Math.max(1, frame.sourceWidth());
            double sy = (double) frame.height() / Math.max(1, frame.sourceHeight());
            g.setStroke(new BasicStroke(Math.max(2f, frame.width() / 320f)));
            for (int i = 0; i < frame.boxes().size(); i++) {
                BoundingBox b = frame.boxes().get(i);
                int x = (int) Math.round(b.getX() * sx), y = (int) Math.round(b.getY() * sy);
                g.setColor(BOX);
                g.drawRect(x, y, (int) Math.round(b.getWidth() * sx), (int) Math.round(b.getHeight() * sy));
                if (labels.get(i) != null) drawLabel(g, labels.get(i), x, y);
            }
            g.dispose();
            jpeg = encode(image);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not draw boxes on a frame of {}: {}", cameraId, e.toString());
            return new Picture(frame.jpeg(), frame.timestamp(), "");
        }
        if (annotated.size() >= settings.maxCameras()) annotated.clear(); // bounded like the frames themselves
        annotated.put(cameraId, new Annotated(frame.version(), frame.boxes().size(), names, jpeg));
        return new Picture(jpeg, frame.timestamp(), names);
    }

    /** The name on a box-coloured band above the box (inside the picture); nothing where the host has no fonts. */
    private static void drawLabel(Graphics2D g, String name, int x, int y) {
        String text = name.length() > 40 ? name.substring(0, 40) + "..." : name;
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            var metrics = g.getFontMetrics();
            int height = metrics.getHeight() + 4;
            int top = Math.max(0, y - height);
            g.setColor(BOX);
            g.fillRect(x, top, metrics.stringWidth(text) + 8, height);
            g.setColor(Color.BLACK);
            g.drawString(text, x + 4, top + 2 + metrics.getAscent());
        } catch (RuntimeException | Error noFonts) {
            // a headless host without fonts (AWT throws an Error there): the box alone, the name in X-Frame-Names
        }
    }

    private static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "jpg", out)) throw new IOException("no JPEG writer");
        return out.toByteArray();
    }

    /** A dark 640x360 JPEG saying "No signal". */
    private static byte[] placeholder() {
        BufferedImage image = new BufferedImage(640, 360, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(24, 24, 28));
        g.fillRect(0, 0, 640, 360);
        g.setColor(new Color(200, 200, 200));
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 36));
            String text = "No signal";
            g.drawString(text, (640 - g.getFontMetrics().stringWidth(text)) / 2, 190);
        } catch (RuntimeException | Error noFonts) {
            // a headless host without fonts (AWT throws an Error there): a crossed frame says the same
            g.setStroke(new BasicStroke(4f));
            g.drawLine(220, 100, 420, 260);
            g.drawLine(420, 100, 220, 260);
        }
        g.dispose();
        try {
            return encode(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        frames.close();
    }
}
