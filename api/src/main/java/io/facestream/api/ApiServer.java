package io.facestream.api;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.validation.ValidationError;
import io.javalin.validation.ValidationException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.handler.MinimumDataRateHandler;
import org.eclipse.jetty.session.NullSessionCache;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API service: Javalin serving the routes of the given {@link ApiModule}s, each behind the auth of
 * API.md and with errors in its seed's shape, plus GET /health, /metrics, /openapi.json and /docs.
 *
 * <pre>{@code
 * try (ApiServer server = ApiServer.builder(config).module(new PoiModule(...)).healthCheck("kafka", check).start()) {
 *     server.port();
 * }
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {
    static final String ROUTE_ATTRIBUTE = "facestream.route";
    static final String ERROR_ID_HEADER = "X-Error-Id";
    /**
     * Set when the connection is known to close after the answer, or not: {@link #guard} refused a request (whether it
     * declared a body, left unread), or {@link #closesAfterAnswer} said so.
     */
    private static final String REFUSED_UNREAD_ATTRIBUTE = "facestream.refused-unread";
    /** Largest unread body of an authenticated, refused request that is read and dropped rather than cut off. */
    private static final long DRAIN_LIMIT = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final Javalin app;
    private final ApiMetrics metrics;
    private final boolean ownsMetrics;
    private final HealthModule health;
    private final List<RouteSpec> routes;
    private final AnalysisPool analysis;

    private ApiServer(Builder builder) {
        ApiConfig config = builder.config;
        String version = version();
        this.metrics = builder.metrics != null ? builder.metrics : new ApiMetrics();
        this.ownsMetrics = builder.metrics == null;
        this.health = new HealthModule(version, builder.healthChecks, builder.gpu, builder.workers,
                builder.readiness, builder.healthFollowsReadiness);
        Authenticator authenticator = new Authenticator(config.auth());
        this.analysis = new AnalysisPool(config.limits().analysisWorkers(), config.limits().analysisQueue());
        Routes registry = new Routes(new Uploads(config.uploads(), analysis), metrics.registry(), authenticator.sessions());
        DocsModule docs = new DocsModule();
        List<ApiModule> modules = new ArrayList<>(List.of(health, this::registerMetrics, docs));
        modules.addAll(builder.modules);
        modules.forEach(module -> module.register(registry));
        this.routes = registry.freeze();
        docs.publish(OpenApiDocument.json(routes, config.auth(), version));

        this.app = Javalin.create(cfg -> configure(cfg, config, authenticator));
        authenticator.logStartupWarnings();
        try {
            app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            health.close();
            analysis.close();
            if (ownsMetrics) {
                metrics.close();
            }
            throw e;
        }
        LOG.info("API listening on {}:{} with {} routes", config.host(), port(), routes.size());
    }

    public static Builder builder(ApiConfig config) {
        return new Builder(config);
    }

    /** Starts a server with these modules and no health checks beyond liveness. */
    public static ApiServer start(ApiConfig config, List<ApiModule> modules) {
        return builder(config).modules(modules).start();
    }

    /** The bound port (the ephemeral one when configured with 0). */
    public int port() {
        return app.port();
    }

    /** The registry behind /metrics; add Kafka Streams and model meters here. */
    public MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /** Every route as registered, in registration order. */
    public List<RouteSpec> routes() {
        return routes;
    }

    @Override
    public void close() {
        app.stop();
        health.close();
        analysis.close();
        if (ownsMetrics) {
            metrics.close();
        }
    }

    private void registerMetrics(Routes routes) {
        routes.get("/metrics", ctx -> ctx.contentType(ApiMetrics.CONTENT_TYPE).result(metrics.scrape()))
                .keyOnly() // a scraper's, not a browser's
                .summary("Prometheus metrics: JVM, HTTP per route, and what other components register")
                .tags("system")
                .respondsBinary(200, "text/plain", "Prometheus text format 0.0.4");
    }

    private void configure(JavalinConfig cfg, ApiConfig config, Authenticator authenticator) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.jsonMapper(new JavalinJackson(ApiJson.mapper(), true));
        UploadLimits limits = config.uploads();
        ServerLimits server = config.limits();
        cfg.jetty.modifyServer(jetty -> {
            jetty.setErrorHandler(new JsonErrorHandler());
            // Javalin nests its context inside the innermost wrapper set here: per-client request rate first
            // (429), then the minimum rate a body must arrive at (a slower read fails with a timeout), then
            // the body-size cap: 413 on a declared Content-Length over it, before any route runs, or as the
            // bytes of a body without one pass it.
            org.eclipse.jetty.server.Handler.Wrapper sizeLimit = RouteBodyLimits.around(limits.maxRequestBytes(), routes);
            org.eclipse.jetty.server.Handler.Wrapper chain = server.minRequestDataRate() > 0
                    ? new MinimumDataRateHandler(sizeLimit, server.minRequestDataRate(), 0) : sizeLimit;
            jetty.setHandler(RequestRateLimit.around(server.requestsPerSecond(), chain));
            jetty.addBean(new NetworkConnectionLimit(server.maxConnections(), jetty));
            ClientConnectionLimit perClient = new ClientConnectionLimit(server.maxConnectionsPerClient());
            jetty.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(LifeCycle event) {
                    for (Connector connector : jetty.getConnectors()) {
                        connector.addEventListener(perClient);
                        if (connector instanceof AbstractConnector abstractConnector) {
                            abstractConnector.setIdleTimeout(server.idleTimeout().toMillis());
                        }
                    }
                }
            });
        });
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setIdleTimeout(server.idleTimeout().toMillis());
        });
        // No HTTP sessions: every request carries its credential. Javalin always installs a session handler,
        // and its WebSocket upgrade asks for a session on every attempt (refused ones included) to copy its
        // attributes; Jetty's null cache and null store keep none of them past the request, and without
        // cookies no JSESSIONID is ever sent.
        cfg.jetty.modifyServletContextHandler(context -> {
            SessionHandler sessions = context.getSessionHandler();
            sessions.setUsingCookies(false);
            NullSessionCache cache = new NullSessionCache(sessions);
            cache.setSessionDataStore(new NullSessionDataStore());
            sessions.setSessionCache(cache);
        });
        // Jetty stops reading a multipart part past these limits; Uploads re-checks what it reads.
        cfg.jetty.multipartConfig.maxFileSize(limits.maxFileBytes(), SizeUnit.BYTES);
        cfg.jetty.multipartConfig.maxTotalRequestSize(limits.maxRequestBytes(), SizeUnit.BYTES);
        cfg.requestLogger.http((ctx, millis) -> metrics.recordRequest(ctx.method().name(), routeTemplate(ctx),
                ctx.statusCode(), millis));

        for (RouteSpec route : routes) {
            if (route.ws() != null) {
                cfg.routes.wsBeforeUpgrade(route.path(), ctx -> {
                    try {
                        guard(route, ctx, authenticator);
                    } catch (ApiException e) {
                        // Javalin's upgrade path drops a result set by the exception mapper (an empty 401 went
                        // out): write the refusal here, then let the exception stop the upgrade.
                        renderError(ctx, e.kind(), e.getMessage());
                        writeNow(ctx, e.kind(), e.getMessage());
                        throw e;
                    }
                });
                cfg.routes.ws(route.path(), route.ws());
            } else {
                Handler guarded = ctx -> {
                    guard(route, ctx, authenticator);
                    StaleReads.take(); // a request before on this thread left nothing behind
                    try {
                        route.handler().handle(ctx);
                        if (StaleReads.take()) ctx.header(StaleReads.HEADER, "true");
                    } finally {
                        StaleReads.take();
                    }
                };
                cfg.routes.addHttpHandler(HandlerType.findOrCreate(route.method()), route.path(), guarded);
                if (route.method().equals("GET")) {
                    // HEAD is a GET without its body, under the same credential and scope (left to Javalin, a HEAD
                    // on a GET route was answered 200 without either).
                    cfg.routes.addHttpHandler(HandlerType.HEAD, route.path(), guarded);
                }
            }
        }

        cfg.routes.exception(ApiException.class, (e, ctx) -> renderError(ctx, e.kind(), e.getMessage()));
        cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
            ErrorKind kind = ErrorKind.forStatus(e.getStatus());
            String message = switch (e.getStatus()) {
                case 404 -> "Not Found";
                case 405 -> "Method Not Allowed";
                case 413 -> "Request body too large.";
                default -> e.getMessage();
            };
            renderError(ctx, kind, message);
        });
        cfg.routes.exception(ValidationException.class, (e, ctx) -> renderError(ctx, ErrorKind.VALIDATION,
                e.getErrors().entrySet().stream()
                        .map(entry -> entry.getKey() + ": " + entry.getValue().stream()
                                .map(ValidationError::getMessage).collect(Collectors.joining(", ")))
                        .collect(Collectors.joining("; "))));
        // A view read while the pipeline rebalances or restores: temporary, and the client may retry.
        cfg.routes.exception(InvalidStateStoreException.class, (e, ctx) -> renderError(ctx, ErrorKind.SERVICE_UNAVAILABLE,
                "The pipeline is starting or rebalancing; try again in a moment."));
        cfg.routes.exception(Exception.class, (e, ctx) -> {
            String id = errorId();
            LOG.error("Internal error {} on {} {}", id, ctx.method(), ctx.path(), e);
            ctx.header(ERROR_ID_HEADER, id);
            renderError(ctx, ErrorKind.INTERNAL, "Internal server error (error id " + id + ").");
        });
        cfg.router.javaLangErrorHandler((response, error) -> {
            // An Error (out of memory, stack overflow) bypasses the exception mappers and the route: answer
            // in the shape most paths use, and keep the details in the log.
            String id = errorId();
            LOG.error("Internal error {} (java.lang.Error)", id, error);
            try {
                response.setStatus(500);
                response.setContentType("application/json");
                response.setHeader(ERROR_ID_HEADER, id);
                response.getOutputStream().write(("{\"detail\":\"Internal server error (error id " + id + ").\"}")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException | IllegalStateException ignored) {
                // the response was already committed or the client is gone
            }
        });
    }

    /**
     * Refuses a request on its headers alone, before a byte of its body is read: the credential and scope (a
     * declared size over the limit was refused before, by the SizeLimitHandler). A refused body is never drained; the answer says {@code Connection: close}
     * and the connection is closed after it (see {@link #renderError}), so a slow or endless body holds
     * nothing once refused.
     */
    private static void guard(RouteSpec route, Context ctx, Authenticator authenticator) {
        ctx.attribute(ROUTE_ATTRIBUTE, route);
        try {
            if (!route.open()) {
                Principal principal = authenticator.authenticate(ctx, route);
                Authenticator.authorize(principal, route.scope());
                ctx.attribute(Principal.ATTRIBUTE, principal);
            }
        } catch (ApiException e) {
            // Not even touched: asking the input stream about the body would send a waiting client its
            // 100 Continue, and the body would come after all.
            ctx.attribute(REFUSED_UNREAD_ATTRIBUTE, declaresBody(ctx));
            throw e;
        }
    }

    /** Writes an error in the shape of the route's seed (or, where no route matched, the path's). */
    static void renderError(Context ctx, ErrorKind kind, String message) {
        RouteSpec route = ctx.attribute(ROUTE_ATTRIBUTE);
        ErrorFamily family = route != null ? route.family() : ErrorFamily.forPath(ctx.path());
        if (kind == ErrorKind.UNAUTHENTICATED || kind == ErrorKind.INVALID_CREDENTIALS) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        if (hasUnreadBody(ctx)) {
            // Refused before its body was read (auth, a size limit): the body is not drained, so the connection
            // is closed after this answer, and a client that reused it would see its next request fail.
            ctx.header("Connection", "close");
        }
        if (kind == ErrorKind.SERVICE_UNAVAILABLE && ctx.res().getHeader("Retry-After") == null) {
            ctx.header("Retry-After", "1"); // unless the handler knows better (a busy replay slot frees in seconds, not one)
        }
        ctx.status(family.status(kind)).json(family.body(kind, message));
    }

    /** Sends an error body at once, for the WebSocket upgrade path, which writes no result of its own. */
    private static void writeNow(Context ctx, ErrorKind kind, String message) throws IOException {
        RouteSpec route = ctx.attribute(ROUTE_ATTRIBUTE);
        ErrorFamily family = route != null ? route.family() : ErrorFamily.forPath(ctx.path());
        byte[] body = ApiJson.mapper().writeValueAsBytes(family.body(kind, message));
        ctx.res().setContentLength(body.length);
        ctx.res().getOutputStream().write(body);
        ctx.res().flushBuffer();
    }

    /**
     * The connection closes after this request's answer, whatever is left of its body (Jetty closes one whose multipart
     * form it gave up on): the error answer says {@code Connection: close}, so that a client does not send its next
     * request on it.
     */
    static void closesAfterAnswer(Context ctx) {
        ctx.attribute(REFUSED_UNREAD_ATTRIBUTE, true);
    }

    private static boolean declaresBody(Context ctx) {
        return ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
    }

    private static boolean hasUnreadBody(Context ctx) {
        Boolean refusedUnread = ctx.attribute(REFUSED_UNREAD_ATTRIBUTE);
        if (refusedUnread != null) {
            return refusedUnread;
        }
        if (!declaresBody(ctx)) {
            return false;
        }
        // An authenticated request a handler refused before reading its body (an unknown id, say): a small body is
        // read and dropped, so the connection stays usable; asking the stream anything makes Jetty send 100 Continue,
        // and closing while the client sends what it was told to would reset the connection before our answer.
        long length = ctx.req().getContentLengthLong();
        try (ServletInputStream body = ctx.req().getInputStream()) {
            if (length < 0 || length > DRAIN_LIMIT) return !body.isFinished();
            return !Uploads.drop(body, DRAIN_LIMIT, Uploads.DRAIN_TIME);
        } catch (IOException | IllegalStateException e) {
            return true;
        }
    }

    /** The route template for metrics; never the raw path, whose values would multiply the series. */
    private static String routeTemplate(Context ctx) {
        RouteSpec route = ctx.attribute(ROUTE_ATTRIBUTE);
        if (route != null) {
            return route.path();
        }
        return ctx.statusCode() == 404 ? "NOT_FOUND" : "UNMATCHED";
    }

    private static String errorId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** This build's version, as /health and /api/system report it. */
    public static String version() {
        try (InputStream in = ApiServer.class.getResourceAsStream("/facestream-api.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /** Collects the modules and health contributions, then {@link #start()}s the server. */
    public static final class Builder {
        private final ApiConfig config;
        private final List<ApiModule> modules = new ArrayList<>();
        private final Map<String, HealthCheck> healthChecks = new LinkedHashMap<>();
        private ApiMetrics metrics;
        private Supplier<GpuUsage> gpu;
        private Supplier<List<?>> workers;
        private HealthCheck readiness;
        private boolean healthFollowsReadiness;

        private Builder(ApiConfig config) {
            this.config = config;
        }

        public Builder module(ApiModule module) {
            modules.add(module);
            return this;
        }

        public Builder modules(List<? extends ApiModule> more) {
            modules.addAll(more);
            return this;
        }

        /** A named check reported under {@code checks} by GET /health; a DOWN check makes it answer 503. */
        public Builder healthCheck(String name, HealthCheck check) {
            if (healthChecks.putIfAbsent(name, check) != null) {
                throw new IllegalArgumentException("two health checks are named " + name);
            }
            return this;
        }

        /**
         * What GET /health/ready answers 200 for (anything but UP is 503); with {@code healthFollowsReadiness}
         * GET /health's status code follows it too. Default: ready once the server answers.
         */
        public Builder readiness(HealthCheck check, boolean healthFollowsReadiness) {
            this.readiness = check;
            this.healthFollowsReadiness = healthFollowsReadiness;
            return this;
        }

        /** GPU memory for /health's {@code gpu}; null there without it. */
        public Builder gpuUsage(Supplier<GpuUsage> supplier) {
            this.gpu = supplier;
            return this;
        }

        /** Per-worker states for /health's {@code workers} (seed 002); empty without it. */
        public Builder workers(Supplier<List<?>> supplier) {
            this.workers = supplier;
            return this;
        }

        /** Shares a registry with the rest of the process; the caller closes it. Default: the server's own. */
        public Builder metrics(ApiMetrics shared) {
            this.metrics = shared;
            return this;
        }

        public ApiServer start() {
            return new ApiServer(this);
        }
    }
}
