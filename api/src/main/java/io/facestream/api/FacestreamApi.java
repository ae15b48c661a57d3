package io.facestream.api;

import io.facestream.api.backend.Backend;
import io.facestream.api.backend.InternalViewsModule;
import io.facestream.api.faces.FacesModule;
import io.facestream.api.facegroups.FaceGroupsModule;
import io.facestream.api.identities.IdentitiesModule;
import io.facestream.api.people.PeopleModule;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.live.LiveModule;
import io.facestream.api.live.RegisterModule;
import io.facestream.api.poi.PoiModule;
import io.facestream.api.system.SystemModule;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The facestream API: every seed's endpoints over one {@link Backend}, on the {@link ApiServer}. */
public final class FacestreamApi {

    /** The endpoint modules, in the order their routes are documented. */
    static List<ApiModule> modules(Backend backend, LiveAlertsModule liveAlerts) {
        return List.of(new PoiModule(backend), new RegisterModule(backend), new LiveModule(backend), liveAlerts,
                new FacesModule(backend), new IdentitiesModule(backend), new PeopleModule(backend), new FaceGroupsModule(backend), new SystemModule(backend, ApiServer.version()), new InternalViewsModule(backend.router()));
    }

    /** @param liveAlerts the alerts WebSocket's feed, which the caller closes after the server */
    public static ApiServer start(ApiConfig config, Backend backend, LiveAlertsModule liveAlerts) {
        ApiServer server = ApiServer.builder(config)
                .modules(modules(backend, liveAlerts))
                .workers(() -> backend.queries().cameras().stream()
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
