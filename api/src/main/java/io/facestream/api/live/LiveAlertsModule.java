package io.facestream.api.live;

import io.facestream.api.Envelope;
import io.facestream.api.ErrorKind;
import io.facestream.api.ApiModule;
import io.facestream.api.poi.PoiBodies;
import io.facestream.api.Routes;
import io.facestream.schemas.avro.PoiAlert;
import io.javalin.websocket.WsCloseStatus;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/ws/alerts}: every POI alert raised after the client connected, pushed as it is committed,
 * as one text message in the shape of seed 001's alert. One {@link AlertFeed} (one consumer thread) serves
 * every connection; it starts with the module and stops when the module is closed.
 */
public final class LiveAlertsModule implements ApiModule, AutoCloseable {
    static final String PATH = "/api/v1/ws/alerts";
    private static final Logger LOG = LoggerFactory.getLogger(LiveAlertsModule.class);

    private final AlertFeed feed;

    /** Starts the shared consumer on the alerts topic of this cluster and registry. */
    public LiveAlertsModule(String bootstrapServers, String registryUrl) {
        this.feed = new AlertFeed(bootstrapServers, registryUrl);
    }

    /** The shared alerts consumer, for other listeners of this process (the alert-latency histogram). */
    public AlertFeed feed() {
        return feed;
    }

    @Override
    public void register(Routes routes) {
        routes.ws(PATH, ws -> {
            ws.onConnect(ctx -> {
                // a quiet hour is normal here: pings keep idle-timeouts of Jetty and proxies from closing it
                ctx.enableAutomaticPings(15, TimeUnit.SECONDS);
                try {
                    feed.subscribe(ctx.sessionId(), alert -> LiveModule.send(ctx, message(alert)),
                            (alertId, ack) -> LiveModule.send(ctx, PoiBodies.AlertAckEvent.of(alertId, ack)));
                } catch (RuntimeException e) {
                    LOG.warn("Could not subscribe a client to live alerts: {}", e.getMessage());
                    LiveModule.send(ctx, Envelope.failure(ErrorKind.SERVICE_UNAVAILABLE.code(),
                            "Live alerts are unavailable: Kafka did not answer. Reconnect in a moment."));
                    ctx.closeSession(WsCloseStatus.TRY_AGAIN_LATER, "alerts unavailable");
                }
            });
            ws.onClose(ctx -> feed.unsubscribe(ctx.sessionId()));
            ws.onError(ctx -> feed.unsubscribe(ctx.sessionId()));
        })
                .summary("Live POI alerts, pushed as they happen")
                .description("Path: /api/v1/ws/alerts (ws:// or wss://). Receive-only: each POI alert committed "
                        + "after the connection opened arrives as one text message shaped as seed 001's alert: "
                        + "{event_type: \"poi_match_alert\", alert_id, poi_id, severity, timestamp, match: "
                        + "{camera_id, confidence, similarity_score, bbox: [x1, y1, x2, y2], frame_number, "
                        + "thumbnail_path}, poi_metadata: {notes, enrollment_date, total_previous_matches}, kind, "
                        + "identity_id}; kind is \"poi\", or \"unknown\" (event_type \"unknown_face_alert\") for a face "
                        + "matching nobody enrolled at a camera with unknown_face_alerts, poi_id then being its automatic identity. "
                        + "Beyond the seed, an acknowledgement made through any instance (POST /api/v1/alerts/{alert_id}/ack) "
                        + "arrives as {event_type: \"alert_acknowledged\", alert_id, acknowledged: true, acknowledged_by, "
                        + "acknowledged_at, acknowledgement_note}, and its withdrawal (DELETE) as {event_type: "
                        + "\"alert_unacknowledged\", alert_id, acknowledged: false}. Earlier alerts: GET /api/v1/alerts.")
                .tags("register", "live", "alerts");
    }

    static PoiBodies.Alert message(PoiAlert alert) {
        return PoiBodies.Alert.of(alert);
    }

    /** Connected clients, for health and tests. */
    public int clients() {
        return feed.subscriberCount();
    }

    @Override
    public void close() {
        feed.close();
    }
}
