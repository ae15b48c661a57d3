package io.facestream.api;

import io.facestream.api.backend.Backend;
import io.facestream.api.poi.PoiModule;
import java.util.List;

/** The facestream API: every seed's endpoints over one {@link Backend}, on the {@link ApiServer}. */
public final class FacestreamApi {

    /** The endpoint modules, in the order their routes are documented. */
    static List<ApiModule> modules(Backend backend) {
        return List.of(new PoiModule(backend));
    }

    public static ApiServer start(ApiConfig config, Backend backend) {
        return ApiServer.builder(config)
                .modules(modules(backend))
                .healthCheck("pipeline", () -> switch (backend.streams().state()) {
                    case RUNNING -> HealthCheck.Result.up();
                    case REBALANCING, CREATED -> HealthCheck.Result.degraded("the pipeline is " + backend.streams().state());
                    default -> HealthCheck.Result.down("the pipeline is " + backend.streams().state());
                })
                .start();
    }

    private FacestreamApi() {
    }
}
