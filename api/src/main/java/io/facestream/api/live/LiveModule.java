package io.facestream.api.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.facestream.api.ApiException;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiModule;
import io.facestream.api.Envelope;
import io.facestream.api.ErrorFamily;
import io.facestream.api.ErrorKind;
import io.facestream.api.Routes;
import io.facestream.api.UploadedImage;
import io.facestream.api.Uploads;
import io.facestream.api.backend.Backend;
import io.facestream.models.DetectedFace;
import io.facestream.models.FaceBox;
import io.facestream.topologies.gallery.Gallery;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 004's live identification WebSocket at {@code /api/v1/ws}: the client streams frames as binary
 * messages and gets one JSON text message back per frame, in order, with every face, its box, the
 * registered person it matches (any person, POI or not) and the similarity. A frame is processed on the
 * socket's own thread before the next one is read, so a client that sends faster than frames are
 * identified is slowed down by the socket rather than queued without bound.
 */
public final class LiveModule implements ApiModule {
    static final String PATH = "/api/v1/ws";
    static final String FRAME_FIELD = "frame";
    private static final Logger LOG = LoggerFactory.getLogger(LiveModule.class);

    /** A face box in frame pixels: left, top, width, height. */
    public record Box(int x, int y, int w, int h) {
        static Box of(FaceBox box) {
            return new Box(Math.round(box.x1()), Math.round(box.y1()), Math.round(box.width()), Math.round(box.height()));
        }
    }

    public record MatchedPerson(String personId, String name) {}

    /**
     * One face. {@code person} is null when nobody reaches the person threshold; {@code similarity} is then the
     * similarity to the closest registered person all the same (null when nobody is registered).
     */
    public record FaceResult(Box bbox, double score, MatchedPerson person, Double similarity) {}

    /** The answer to the {@code frame}-th binary message of the connection (counted from 1). */
    public record FrameResult(long frame, List<FaceResult> faces, double latencyMs) {}

    /** A frame that could not be identified: seed 004's error envelope plus the frame it answers. */
    public record FrameError(long frame, boolean success, Object data, Envelope.Error error) {
        static FrameError of(long frame, String code, String message) {
            return new FrameError(frame, false, null, new Envelope.Error(code, message));
        }
    }

    private final Backend backend;
    /** Messages received per open connection, to number the answers. */
    private final Map<String, AtomicLong> frameCounts = new ConcurrentHashMap<>();

    public LiveModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        Uploads uploads = routes.uploads();
        routes.ws(PATH, ws -> {
            ws.onConnect(ctx -> {
                // Jetty refuses binary messages over 64 KiB by default: a frame may be as large as an upload.
                ctx.session.setMaxBinaryMessageSize(uploads.limits().maxFileBytes());
                frameCounts.put(ctx.sessionId(), new AtomicLong());
            });
            ws.onBinaryMessage(ctx -> {
                long frame = nextFrame(ctx);
                send(ctx, answer(uploads, frame, bytes(ctx.data())));
            });
            ws.onMessage(ctx -> send(ctx, FrameError.of(nextFrame(ctx), ErrorKind.BAD_REQUEST.code(),
                    "Send each frame as a binary message holding JPEG or PNG bytes.")));
            ws.onClose(ctx -> frameCounts.remove(ctx.sessionId()));
        })
                .summary("Live identification: stream frames, get the faces and who they are")
                .description("Path: /api/v1/ws (ws:// or wss://). Send each frame as a binary message (JPEG or "
                        + "PNG bytes, same size limits as uploads). Each frame is answered, in order, by one text "
                        + "message `{\"frame\": n, \"faces\": [{\"bbox\": {\"x\",\"y\",\"w\",\"h\"}, \"score\", "
                        + "\"person\": {\"person_id\", \"name\"} or null, \"similarity\"}], \"latency_ms\"}`: n counts "
                        + "this connection's messages from 1; faces are matched against every registered person "
                        + "(POIs included) at the recogniser's person threshold; similarity is to the closest "
                        + "person even when below the threshold (null when nobody is registered); latency_ms is "
                        + "the server's time from receiving the frame to answering it. A frame that is not a "
                        + "JPEG/PNG image is answered `{\"frame\": n, \"success\": false, \"data\": null, "
                        + "\"error\": {\"code\": \"INVALID_IMAGE\", \"message\"}}` and the socket stays open. "
                        + "Live POI alerts are pushed on /api/v1/ws/alerts.")
                .tags("register", "live");
    }

    private Object answer(Uploads uploads, long frame, byte[] bytes) {
        long start = System.nanoTime();
        try {
            UploadedImage image = uploads.check(FRAME_FIELD, null, bytes);
            List<FaceResult> faces = identify(image.withPixels(backend.analyzer()::analyzeStill));
            return new FrameResult(frame, faces, (System.nanoTime() - start) / 1e6);
        } catch (ApiException e) {
            return FrameError.of(frame, ErrorFamily.ENVELOPE.code(e.kind()), e.getMessage());
        } catch (RuntimeException e) {
            String id = UUID.randomUUID().toString().substring(0, 12);
            LOG.error("Internal error {} identifying frame {} on {}", id, frame, PATH, e);
            return FrameError.of(frame, ErrorKind.INTERNAL.code(), "Internal server error (error id " + id + ").");
        }
    }

    private List<FaceResult> identify(List<DetectedFace> detected) {
        if (detected.isEmpty()) {
            return List.of();
        }
        List<float[]> embeddings = backend.analyzer().embedAll(detected.stream().map(DetectedFace::aligned).toList());
        double threshold = backend.thresholds().person();
        List<FaceResult> faces = new ArrayList<>(detected.size());
        for (int i = 0; i < detected.size(); i++) {
            DetectedFace face = detected.get(i);
            Optional<Gallery.Match> best = backend.gallery().best(embeddings.get(i), false);
            MatchedPerson person = best.filter(m -> m.similarity() >= threshold)
                    .map(m -> new MatchedPerson(m.person().getPersonId(), m.person().getName()))
                    .orElse(null);
            faces.add(new FaceResult(Box.of(face.box()), face.score(), person,
                    best.map(Gallery.Match::similarity).orElse(null)));
        }
        return faces;
    }

    private long nextFrame(WsContext ctx) {
        return frameCounts.computeIfAbsent(ctx.sessionId(), id -> new AtomicLong()).incrementAndGet();
    }

    private static byte[] bytes(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return bytes;
    }

    static void send(WsContext ctx, Object message) {
        try {
            ctx.send(ApiJson.mapper().writeValueAsString(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a live message could not be written as JSON", e);
        }
    }
}
