package io.facestream.api;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The request-body cap, per route: Jetty's {@link SizeLimitHandler} at the server's image-sized limit for every
 * request, except on the routes that declare one of their own ({@link Route#bodyLimit}, a video upload): a declared
 * length over it is answered 413 here, and an outer SizeLimitHandler caps every body at the largest limit as the bytes
 * pass (the route's own reader counts its bytes against its own limit). Refusals come before any route runs.
 */
final class RouteBodyLimits extends SizeLimitHandler {
    /** "METHOD path" of the routes with a limit of their own. */
    private final Map<String, Long> own;

    private RouteBodyLimits(long defaultLimit, Map<String, Long> own) {
        super(defaultLimit, -1);
        this.own = own;
    }

    /** The wrapper chain to nest the server's handlers in (its innermost wrapper has no handler yet). */
    static Handler.Wrapper around(long defaultLimit, List<RouteSpec> routes) {
        Map<String, Long> own = routes.stream().filter(r -> r.bodyLimit() > 0)
                .collect(Collectors.toMap(r -> r.method() + " " + r.path(), RouteSpec::bodyLimit));
        RouteBodyLimits inner = new RouteBodyLimits(defaultLimit, own);
        if (own.isEmpty()) return inner;
        long largest = own.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        SizeLimitHandler outer = new SizeLimitHandler(Math.max(largest, defaultLimit), -1);
        outer.setHandler(inner);
        return outer;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Long limit = own.get(request.getMethod() + " " + Request.getPathInContext(request));
        if (limit != null) {
            // declared over the route's own limit: refused before the body is read (the route's reader counts the rest)
            if (request.getLength() > limit) {
                Response.writeError(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413,
                        "Request body too large: over the limit of " + limit + " bytes.");
                return true;
            }
            Handler next = getHandler();
            return next != null && next.handle(request, response, callback);
        }
        return super.handle(request, response, callback);
    }
}
