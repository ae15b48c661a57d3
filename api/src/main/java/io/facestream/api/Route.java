package io.facestream.api;

import io.facestream.api.RouteSpec.Body;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.RouteSpec.Param;
import io.facestream.api.RouteSpec.Response;
import io.javalin.http.Handler;
import io.javalin.websocket.WsConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A route being declared: returned by {@link Routes#get} and friends, documented fluently, frozen into a
 * {@link RouteSpec} when the server starts. A GET needs {@link Scope#READ}, any other method
 * {@link Scope#ADMIN}, unless {@link #scope} or {@link #open} says otherwise; seed 000's paths default to
 * {@link Scope#IDENTITY_LEVEL} as that seed documents.
 */
public final class Route {
    private final String method;
    private final String path;
    private final Handler handler;
    private final Consumer<WsConfig> ws;
    private Scope scope;
    private ErrorFamily family;
    private String summary;
    private String description;
    private final List<String> tags = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();
    private Body body;
    private final List<Response> responses = new ArrayList<>();
    private boolean hidden;
    private boolean keyOnly;
    private long bodyLimit;

    Route(String method, String path, Handler handler, Consumer<WsConfig> ws) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a route path starts with '/': " + path);
        }
        this.method = method;
        this.path = path;
        this.handler = handler;
        this.ws = ws;
        this.family = ErrorFamily.forPath(path);
        this.scope = family == ErrorFamily.SUCCESS_FLAG ? Scope.IDENTITY_LEVEL
                : method.equals("GET") || method.equals("WS") ? Scope.READ : Scope.ADMIN;
    }

    public Route summary(String text) {
        this.summary = text;
        return this;
    }

    public Route description(String text) {
        this.description = text;
        return this;
    }

    public Route tags(String... names) {
        tags.addAll(Arrays.asList(names));
        return this;
    }

    /** The scope a caller needs. */
    public Route scope(Scope required) {
        this.scope = required;
        return this;
    }

    /** No credential needed. API.md allows it for GET /health only; say why wherever else it is used. */
    public Route open() {
        this.scope = null;
        return this;
    }

    /**
     * Refuses the console's session cookie here: only an API key (or the SSO header) will do. Routes of the
     * instances' internal scope are key-only without saying so.
     */
    public Route keyOnly() {
        this.keyOnly = true;
        return this;
    }

    /**
     * Takes a request body of up to {@code bytes} here instead of the server's image-sized limit
     * ({@link UploadLimits#maxRequestBytes()}): for a video upload. Refused 413 on a declared length over it before the
     * route runs, or as the bytes pass it. Exact paths only (no path parameters).
     */
    public Route bodyLimit(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException(method + " " + path + ": a body limit is positive");
        if (path.contains("{")) throw new IllegalArgumentException(method + " " + path + ": a body limit is for an exact path");
        this.bodyLimit = bytes;
        return this;
    }

    /** The error spelling, where the path's default ({@link ErrorFamily#forPath}) is wrong. */
    public Route errors(ErrorFamily errorFamily) {
        this.family = errorFamily;
        return this;
    }

    public Route pathParam(String name, String text) {
        params.add(new Param(name, Param.In.PATH, "string", true, text));
        return this;
    }

    /** A query parameter; {@code type} is string, integer, number or boolean. */
    public Route queryParam(String name, String type, boolean required, String text) {
        params.add(new Param(name, Param.In.QUERY, type, required, text));
        return this;
    }

    public Route multipart(String text, FormField... fields) {
        this.body = new Body("multipart/form-data", text, List.of(fields), null, true);
        return this;
    }

    public Route jsonBody(Class<?> type, String text) {
        this.body = new Body("application/json", text, List.of(), type, true);
        return this;
    }

    /** A response without a documented body schema. */
    public Route responds(int status, String text) {
        responses.add(new Response(status, text, null, null));
        return this;
    }

    /** A JSON response whose schema is derived from {@code type} (a record, in the seed's snake_case). */
    public Route responds(int status, String text, Class<?> type) {
        responses.add(new Response(status, text, "application/json", type));
        return this;
    }

    /** A binary response such as image/jpeg. */
    public Route respondsBinary(int status, String mediaType, String text) {
        responses.add(new Response(status, text, mediaType, null));
        return this;
    }

    /**
     * Left out of the OpenAPI document, for the reason given (e.g. static assets). The reason is required so
     * that every hidden route says beside it why clients are not told about it.
     */
    public Route hidden(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException(method + " " + path + ": a hidden route says why it is hidden");
        }
        this.hidden = true;
        return this;
    }

    String method() {
        return method;
    }

    String path() {
        return path;
    }

    RouteSpec freeze() {
        return new RouteSpec(method, path, handler, ws, scope, family, summary, description, tags, params, body,
                responses, hidden, !keyOnly && scope != Scope.INTERNAL, bodyLimit);
    }
}
