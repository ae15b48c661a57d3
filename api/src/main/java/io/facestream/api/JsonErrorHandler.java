package io.facestream.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before any route runs (a URI it refuses, such as one whose dot segments climb
 * above the root): JSON in the shape of the path's seed rather than Jetty's HTML page, and never a stack.
 */
final class JsonErrorHandler extends ErrorHandler {

    JsonErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        String path;
        try {
            path = Request.getPathInContext(request);
        } catch (RuntimeException e) {
            path = null;
        }
        ErrorFamily family = ErrorFamily.forPath(path == null ? "/" : path);
        // Jetty's own reason for a client error ("Ambiguous URI path separator"); a status text for the rest
        String text = code < 500 && message != null && !message.isBlank() && !message.contains("\n")
                ? message : HttpStatus.getMessage(code);
        byte[] body = ApiJson.mapper().writeValueAsBytes(family.body(ErrorKind.forStatus(code), text));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
