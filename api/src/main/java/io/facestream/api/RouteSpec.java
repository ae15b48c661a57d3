package io.facestream.api;

import io.javalin.http.Handler;
import io.javalin.websocket.WsConfig;
import java.util.List;
import java.util.function.Consumer;

/**
 * A registered route as the server serves and documents it, frozen from a {@link Route} at start.
 *
 * @param method    HTTP method in capitals, or "WS" for a WebSocket
 * @param path      Javalin path template ({@code /api/v1/poi/{poi_id}})
 * @param handler   the HTTP handler; null for a WebSocket
 * @param ws        the WebSocket configuration; null for HTTP
 * @param scope     the scope a caller needs; null for an open route
 * @param family    how errors on this route are spelled
 * @param hidden    left out of the OpenAPI document (static assets)
 * @param acceptsSessionCookie whether the console's session cookie authenticates here ({@link ConsoleSessions})
 * @param bodyLimit the largest request body this route takes ({@link Route#bodyLimit}); 0: the server's own limit
 */
public record RouteSpec(String method, String path, Handler handler, Consumer<WsConfig> ws, Scope scope,
        ErrorFamily family, String summary, String description, List<String> tags, List<Param> params,
        Body body, List<Response> responses, boolean hidden, boolean acceptsSessionCookie, long bodyLimit) {

    public RouteSpec {
        tags = List.copyOf(tags);
        params = List.copyOf(params);
        responses = List.copyOf(responses);
    }

    public boolean open() {
        return scope == null;
    }

    /** A documented parameter. {@code type} is a JSON-schema type: string, integer, number, boolean. */
    public record Param(String name, In in, String type, boolean required, String description) {
        public enum In { PATH, QUERY, HEADER }
    }

    /** A documented request body: multipart fields, or a JSON body of {@code jsonType}. */
    public record Body(String mediaType, String description, List<FormField> fields, Class<?> jsonType,
            boolean required) {
        public Body {
            fields = List.copyOf(fields);
        }
    }

    /** One multipart field. */
    public record FormField(String name, Kind kind, boolean required, String description) {
        public enum Kind { FILE, FILES, STRING, INTEGER, NUMBER, BOOLEAN }

        public static FormField file(String name, boolean required, String description) {
            return new FormField(name, Kind.FILE, required, description);
        }

        public static FormField files(String name, boolean required, String description) {
            return new FormField(name, Kind.FILES, required, description);
        }

        public static FormField text(String name, boolean required, String description) {
            return new FormField(name, Kind.STRING, required, description);
        }

        public static FormField integer(String name, boolean required, String description) {
            return new FormField(name, Kind.INTEGER, required, description);
        }
    }

    /** A documented response; {@code jsonType} may be null (no schema), mediaType names binary bodies. */
    public record Response(int status, String description, String mediaType, Class<?> jsonType) {}
}
