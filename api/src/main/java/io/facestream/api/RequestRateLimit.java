package io.facestream.api;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.DoSHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Requests per second per client IP address, by Jetty's {@link DoSHandler} (a leaky bucket per address, a
 * second's worth deep): above it, 429 with {@code Retry-After} in the error shape of the path's seed, before
 * any route, credential check or body read.
 */
final class RequestRateLimit {
    static final String MESSAGE = "Too many requests from this address; slow down and retry after the delay given.";
    /** Addresses tracked at once; beyond it, new addresses are refused too until old buckets drain. */
    private static final int MAX_TRACKED_CLIENTS = 100_000;

    private RequestRateLimit() {}

    /** {@code next} behind the limit, or {@code next} alone when {@code perSecond} is 0 (no limit). */
    static Handler.Wrapper around(int perSecond, Handler.Wrapper next) {
        if (perSecond == 0) {
            return next;
        }
        return new DoSHandler(next, DoSHandler.ID_FROM_REMOTE_ADDRESS,
                new DoSHandler.LeakingBucketTrackerFactory(perSecond), RequestRateLimit::reject, MAX_TRACKED_CLIENTS);
    }

    private static boolean reject(Request request, Response response, Callback callback) throws Exception {
        ErrorFamily family = ErrorFamily.forPath(Request.getPathInContext(request));
        byte[] body = ApiJson.mapper().writeValueAsBytes(family.body(ErrorKind.TOO_MANY_REQUESTS, MESSAGE));
        response.setStatus(family.status(ErrorKind.TOO_MANY_REQUESTS));
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            // the body is not read, so the connection cannot carry another request
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
