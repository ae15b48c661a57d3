package io.facestream.api;

import io.facestream.api.backend.Backend;
import io.facestream.api.backend.InternalViewsModule;
import io.facestream.api.backend.Readiness;
import io.facestream.api.cameras.CamerasModule;
import io.facestream.api.events.EventsModule;
import io.facestream.api.hls.HlsModule;
import io.facestream.api.console.ConsoleModule;
import io.facestream.api.facegroups.FaceGroupsModule;
import io.facestream.api.faces.FacesModule;
import io.facestream.api.identities.IdentitiesModule;
import io.facestream.api.index.IndexModule;
import io.facestream.api.index.VideoUploadModule;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.live.LiveModule;
import io.facestream.api.live.LiveViewModule;
import io.facestream.api.live.RegisterModule;
import io.facestream.api.people.PeopleModule;
import io.facestream.api.poi.PoiModule;
import io.facestream.api.system.SystemModule;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The facestream API: every seed's endpoints over one {@link Backend}, on the {@link ApiServer}. */
public final class FacestreamApi {

    /** The endpoint modules, in the order their routes are documented. */
    static List<ApiModule> modules(Backend backend, LiveAlertsModule liveAlerts, LiveViewModule liveView, Duration cameraStatusStale) {
        return modules(backend, liveAlerts, liveView, cameraStatusStale, EventsModule.Settings.defaults(), null, null);
    }

    /**
     * {@link #modules(Backend, LiveAlertsModule, LiveViewModule, Duration)} with the events' own settings, live HLS and
     * the video upload (null: HLS disabled, no upload in this process).
     */
    static List<ApiModule> modules(Backend backend, LiveAlertsModule liveAlerts, LiveViewModule liveView, Duration cameraStatusStale,
                                   EventsModule.Settings events, HlsModule hls, VideoUploadModule videoUploads) {
        if (hls == null) {
            try {
                hls = new HlsModule(backend, HlsModule.Settings.disabled());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return List.of(new PoiModule(backend), new RegisterModule(backend), new LiveModule(backend), liveAlerts,
                new CamerasModule(backend, cameraStatusStale), liveView, new EventsModule(backend, events), hls,
                new FacesModule(backend), new IndexModule(backend), videoUploads != null ? videoUploads : VideoUploadModule.disabled(),
                new IdentitiesModule(backend), new PeopleModule(backend),
                new FaceGroupsModule(backend), new SystemModule(backend, ApiServer.version()), new InternalViewsModule(backend.router()), new ConsoleModule());
    }

    /**
     * @param liveAlerts             the alerts WebSocket's feed, which the caller closes after the server
     * @param liveView               seed 002's live view with its frames consumer, which the caller closes after the server
     * @param cameraStatusStale      a camera whose latest heartbeat is older than this reads offline at /api/cameras
     * @param events                 how far back a manual recording may start, and how long its stop waits for the clip
     * @param hls                    live HLS sessions, which the caller closes after the server
     * @param videoUploads           the video upload with the replays it runs, which the caller closes after the server
     * @param healthFollowsReadiness GET /health answers 503 until {@link Readiness} passes (GET /health/ready always does)
     */
    public static ApiServer start(ApiConfig config, Backend backend, LiveAlertsModule liveAlerts, LiveViewModule liveView,
                                  Duration cameraStatusStale, EventsModule.Settings events, HlsModule hls, VideoUploadModule videoUploads,
                                  boolean healthFollowsReadiness) {
        ApiServer server = ApiServer.builder(config)
                .modules(modules(backend, liveAlerts, liveView, cameraStatusStale, events, hls, videoUploads))
                .readiness(() -> Readiness.check(backend.streams(), backend.router()), healthFollowsReadiness)
                .workers(() -> backend.queries(cameraStatusStale).cameras().stream()
                        .map(c -> Map.of("camera_id", c.cameraId(), "status", c.status().name().toLowerCase(Locale.ROOT),
                                "fps", c.measuredFps())).toList())
                .healthCheck("pipeline", () -> switch (backend.streams().state()) {
                    case RUNNING -> HealthCheck.Result.up();
                    case REBALANCING, CREATED -> HealthCheck.Result.degraded("the pipeline is " + backend.streams().state());
                    default -> HealthCheck.Result.down("the pipeline is " + backend.streams().state());
                })
                .start();
        // the pipeline's own figures (process rates, commit latency, lag...) beside the HTTP ones at /metrics
        new KafkaStreamsMetrics(backend.streams()).bindTo(server.meterRegistry());
        return server;
    }

    private FacestreamApi() {
    }
}
