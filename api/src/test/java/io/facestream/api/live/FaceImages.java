package io.facestream.api.live;

import io.facestream.api.ApiJson;
import io.facestream.api.testing.ApiFixture;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceBox;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Real faces for the live and faces tests: the two largest faces of the model store's group photo
 * "sample1" (two different people), frames and videos composed from them, a POI record as the POI API
 * enrols one, and a WebSocket client that queues the server's text messages.
 */
public final class FaceImages {
    public static final int FRAME_W = 640, FRAME_H = 360;

    private static List<BufferedImage> sprites;

    private FaceImages() {}

    /** Face 0 ("the person") and face 1 ("the stranger") of sample1, each with a margin around it. */
    public static synchronized List<BufferedImage> sprites() throws Exception {
        if (sprites == null) sprites = FaceSprites.fromPhoto(ApiFixture.analyzer(), "sample1", 2);
        return sprites;
    }

    public static byte[] jpeg(BufferedImage image) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(rgb, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A face placed at (x, y) with the given height on a grey frame. */
    public record Placed(BufferedImage face, int x, int y, int height) {
        int width() {
            return Math.round(height * (float) face.getWidth() / face.getHeight());
        }
    }

    /** A grey 640x360 JPEG frame with the faces drawn where the placements say. */
    public static byte[] frame(Placed... faces) {
        BufferedImage canvas = new BufferedImage(FRAME_W, FRAME_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setColor(new Color(120, 120, 120));
        g.fillRect(0, 0, FRAME_W, FRAME_H);
        for (Placed p : faces) g.drawImage(p.face(), p.x(), p.y(), p.width(), p.height(), null);
        g.dispose();
        return jpeg(canvas);
    }

    /**
     * The face of an image cropped tight, brow to chin (a square of 75 % of its detector box), and resized to
     * 150x150: how ID photos and face data sets come.
     */
    public static BufferedImage tightCrop(BufferedImage image) throws Exception {
        FaceBox box = ApiFixture.analyzer().analyze(jpeg(image)).stream()
                .max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow().box();
        int side = Math.round(0.75f * Math.max(box.width(), box.height()));
        int x = Math.max(0, Math.min(image.getWidth() - side, Math.round(box.centerX() - side / 2f)));
        int y = Math.max(0, Math.min(image.getHeight() - side, Math.round(box.centerY() - side / 2f)));
        BufferedImage tight = new BufferedImage(150, 150, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = tight.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image.getSubimage(x, y, side, side), 0, 0, 150, 150, null);
        g.dispose();
        return tight;
    }

    /** The embedding of the largest face in an image, as the API computes it. */
    public static float[] embedding(BufferedImage image) throws Exception {
        FaceAnalyzer analyzer = ApiFixture.analyzer();
        DetectedFace face = analyzer.analyzeStill(jpeg(image)).stream()
                .max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow();
        return analyzer.embed(face.aligned());
    }

    /** A person of interest with one reference face, as the POI API enrols one. */
    public static Person poi(String name, float[] embedding) {
        Instant now = Instant.now();
        List<Float> values = new ArrayList<>();
        for (float v : embedding) values.add(v);
        String id = "poi-" + UUID.randomUUID();
        return Person.newBuilder().setPersonId(id).setName(name).setMetadata(Map.of())
                .setWatchlist(new Watchlist(Severity.HIGH, WatchlistStatus.ACTIVE, "seen near the loading bay", now))
                .setFaces(List.of(new ReferenceFace(id + ":0", null, values,
                        ApiFixture.analyzer().config().catalog().model(Role.EMBEDDER).id(), 1f, now)))
                .setCreatedAt(now).setUpdatedAt(now).build();
    }

    /** A 10 fps video: each sprite walks from (x0, y0) to (x1, y1) at the given size, as PipelineEndToEndTest's. */
    public static Path video(Path file, int frames, List<Sprite> sprites) throws IOException {
        SceneVideoWriter.write(file, FRAME_W, FRAME_H, 10, frames, sprites);
        return file;
    }

    public static void await(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // a view restoring: try again until the deadline
            }
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(100);
        }
    }

    /** A WebSocket client that queues each whole text message the server sends and records how it closed. */
    public static final class Client implements WebSocket.Listener, AutoCloseable {
        public final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        public final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        public static Client connect(HttpClient http, String uri, String... headers) throws Exception {
            Client client = new Client();
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            for (int i = 0; i < headers.length; i += 2) builder.header(headers[i], headers[i + 1]);
            client.socket = builder.buildAsync(URI.create(uri), client).get(15, TimeUnit.SECONDS);
            return client;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }

        public void sendBinary(byte[] bytes) throws Exception {
            socket.sendBinary(ByteBuffer.wrap(bytes), true).get(30, TimeUnit.SECONDS);
        }

        public void sendText(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        }

        /** The next message as JSON, failing after {@code timeout}. */
        public JsonNode next(Duration timeout) throws Exception {
            String message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) throw new AssertionError("no message within " + timeout);
            return ApiJson.mapper().readTree(message);
        }

        @Override
        public void close() {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        }
    }
}
