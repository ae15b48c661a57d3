package io.facestream.api;

import io.javalin.http.Handler;
import io.javalin.websocket.WsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where an {@link ApiModule} declares its routes, and finds what every module shares: the upload helper
 * and the meter registry. Each route is registered here once, with its docs and scope; the server serves
 * it with auth and error rendering around it and documents it in /openapi.json.
 */
public final class Routes {
    private final List<Route> routes = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();
    private final Uploads uploads;
    private final MeterRegistry meterRegistry;
    private final ConsoleSessions sessions;

    Routes(Uploads uploads, MeterRegistry meterRegistry, ConsoleSessions sessions) {
        this.uploads = uploads;
        this.meterRegistry = meterRegistry;
        this.sessions = sessions;
    }

    /** The web console's sign-in cookies. */
    public ConsoleSessions sessions() {
        return sessions;
    }

    public Route get(String path, Handler handler) {
        return add("GET", path, handler, null);
    }

    public Route post(String path, Handler handler) {
        return add("POST", path, handler, null);
    }

    public Route put(String path, Handler handler) {
        return add("PUT", path, handler, null);
    }

    public Route patch(String path, Handler handler) {
        return add("PATCH", path, handler, null);
    }

    public Route delete(String path, Handler handler) {
        return add("DELETE", path, handler, null);
    }

    /** A WebSocket; the upgrade request is authenticated like a GET ({@link Scope#READ} by default). */
    public Route ws(String path, Consumer<WsConfig> ws) {
        return add("WS", path, null, ws);
    }

    /** Reads and checks uploaded images under the configured limits. */
    public Uploads uploads() {
        return uploads;
    }

    /** The registry behind /metrics, for a module's own meters. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    private Route add(String method, String path, Handler handler, Consumer<WsConfig> ws) {
        if (!keys.add(method + " " + path)) {
            throw new IllegalArgumentException(method + " " + path + " is registered twice");
        }
        Route route = new Route(method, path, handler, ws);
        routes.add(route);
        return route;
    }

    List<RouteSpec> freeze() {
        return routes.stream().map(Route::freeze).toList();
    }
}
