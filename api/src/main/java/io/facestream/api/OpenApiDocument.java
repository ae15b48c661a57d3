package io.facestream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.RouteSpec.Param;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.core.converter.ResolvedSchema;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of the registered routes, derived from their {@link RouteSpec}s so it cannot
 * drift from what is served. Each secured operation lists the scope it needs in its security
 * requirements (3.1 allows scopes on any scheme) and in {@code x-required-scope}; an open one has
 * {@code security: []}. Error responses use the schema of the route's {@link ErrorFamily}.
 */
// swagger-models' fluent setters (type, items, required...) return the raw Schema type.
@SuppressWarnings({"rawtypes", "unchecked"})
final class OpenApiDocument {
    static final String API_KEY_SCHEME = "apiKey";
    static final String BEARER_SCHEME = "bearer";
    static final String SESSION_SCHEME = "consoleSession";
    static final String SSO_SCHEME = "ssoHeader";
    private static final Pattern PATH_PARAM = Pattern.compile("[{<]([^}>]+)[}>]");

    private final ModelConverters converters = new ModelConverters(true);
    private final Map<String, Schema> schemas = new TreeMap<>();

    private OpenApiDocument() {
        // Schemas are introspected through a copy of the API's own mapper, so they show snake_case names;
        // a copy, because the resolver registers its annotation introspector on the mapper it is given.
        converters.addConverter(new ModelResolver(ApiJson.mapper().copy()).openapi31(true));
    }

    /** The document as JSON. */
    static String json(List<RouteSpec> routes, AuthConfig auth, String version) {
        try {
            return Json31.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(build(routes, auth, version));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document could not be written", e);
        }
    }

    static OpenAPI build(List<RouteSpec> routes, AuthConfig auth, String version) {
        return new OpenApiDocument().document(routes, auth, version);
    }

    private OpenAPI document(List<RouteSpec> routes, AuthConfig auth, String version) {
        Components components = new Components()
                .addSecuritySchemes(API_KEY_SCHEME, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER).name(Authenticator.API_KEY_HEADER)
                        .description("An API key with the operation's scope."))
                .addSecuritySchemes(BEARER_SCHEME, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                        .scheme("bearer").description("The same API key as Authorization: Bearer <key>."))
                .addSecuritySchemes(SESSION_SCHEME, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.COOKIE).name(ConsoleSessions.COOKIE)
                        .description("The web console's session cookie (POST /api/console/session), with the scopes of"
                                + " the key that signed in; a write also needs its " + ConsoleSessions.CSRF_HEADER
                                + " header."));
        if (auth.ssoEnabled()) {
            components.addSecuritySchemes(SSO_SCHEME, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                    .in(SecurityScheme.In.HEADER).name(auth.ssoEmailHeader())
                    .description("Set by the SSO gateway only; scopes: " + auth.ssoScopes()));
        }
        errorSchemas();
        Paths paths = new Paths();
        for (RouteSpec route : routes) {
            if (route.hidden()) {
                continue;
            }
            PathItem item = paths.computeIfAbsent(openApiPath(route.path()), key -> new PathItem());
            PathItem.HttpMethod method = route.method().equals("WS") ? PathItem.HttpMethod.GET
                    : PathItem.HttpMethod.valueOf(route.method());
            item.operation(method, operation(route, auth));
        }
        components.schemas(new LinkedHashMap<>(schemas));
        return new OpenAPI(SpecVersion.V31).openapi("3.1.0")
                .info(new Info().title("facestream").version(version).description("""
                        Face recognition over live cameras and recorded video. Every seed API at its own path, \
                        with its own field names and error shapes. Authenticate with an API key \
                        (Authorization: Bearer or X-API-Key); each operation names the scope it needs \
                        (x-required-scope); an admin key satisfies every scope. GET /health is open."""))
                .components(components)
                .paths(paths);
    }

    private Operation operation(RouteSpec route, AuthConfig auth) {
        Operation op = new Operation()
                .operationId(operationId(route))
                .summary(route.summary())
                .description(route.method().equals("WS")
                        ? join("WebSocket: upgrade with GET and the same credentials.", route.description())
                        : route.description());
        route.tags().forEach(op::addTagsItem);
        for (Parameter parameter : parameters(route)) {
            op.addParametersItem(parameter);
        }
        if (route.body() != null) {
            op.requestBody(requestBody(route.body()));
        }
        op.responses(responses(route));
        if (route.open()) {
            op.security(List.of());
        } else {
            List<String> scope = List.of(route.scope().wireName());
            op.addSecurityItem(new SecurityRequirement().addList(API_KEY_SCHEME, scope));
            op.addSecurityItem(new SecurityRequirement().addList(BEARER_SCHEME, scope));
            if (route.acceptsSessionCookie()) {
                op.addSecurityItem(new SecurityRequirement().addList(SESSION_SCHEME, scope));
            }
            if (auth.ssoEnabled()) {
                op.addSecurityItem(new SecurityRequirement().addList(SSO_SCHEME, List.of()));
            }
            op.addExtension("x-required-scope", route.scope().wireName());
        }
        if (route.method().equals("WS")) {
            op.addExtension("x-websocket", true);
        }
        return op;
    }

    private static List<Parameter> parameters(RouteSpec route) {
        List<Parameter> parameters = new ArrayList<>();
        Matcher matcher = PATH_PARAM.matcher(route.path());
        while (matcher.find()) {
            String name = matcher.group(1);
            String description = route.params().stream()
                    .filter(p -> p.in() == Param.In.PATH && p.name().equals(name))
                    .map(Param::description).findFirst().orElse(null);
            parameters.add(new Parameter().in("path").name(name).required(true).description(description)
                    .schema(typed("string")));
        }
        for (Param param : route.params()) {
            if (param.in() != Param.In.PATH) {
                parameters.add(new Parameter().in(param.in().name().toLowerCase(Locale.ROOT)).name(param.name())
                        .required(param.required()).description(param.description())
                        .schema(typed(param.type())));
            }
        }
        return parameters;
    }

    private RequestBody requestBody(RouteSpec.Body body) {
        Schema<?> schema;
        if (body.jsonType() != null) {
            schema = schemaOf(body.jsonType());
        } else {
            schema = typed("object");
            List<String> required = new ArrayList<>();
            for (FormField field : body.fields()) {
                Schema<?> fieldSchema = switch (field.kind()) {
                    case FILE -> typed("string").contentMediaType("application/octet-stream");
                    case FILES -> typed("array")
                            .items(typed("string").contentMediaType("application/octet-stream"));
                    case STRING -> typed("string");
                    case INTEGER -> typed("integer");
                    case NUMBER -> typed("number");
                    case BOOLEAN -> typed("boolean");
                };
                schema.addProperty(field.name(), fieldSchema.description(field.description()));
                if (field.required()) {
                    required.add(field.name());
                }
            }
            if (!required.isEmpty()) {
                schema.required(required);
            }
        }
        return new RequestBody().required(body.required()).description(body.description())
                .content(new Content().addMediaType(body.mediaType(), new MediaType().schema(schema)));
    }

    private ApiResponses responses(RouteSpec route) {
        ApiResponses responses = new ApiResponses();
        for (RouteSpec.Response response : route.responses()) {
            ApiResponse apiResponse = new ApiResponse().description(response.description());
            if (response.mediaType() != null) {
                MediaType media = new MediaType();
                if (response.jsonType() != null) {
                    media.schema(schemaOf(response.jsonType()));
                } else if (!response.mediaType().equals("application/json")) {
                    media.schema(typed("string").contentMediaType(response.mediaType()));
                }
                apiResponse.content(new Content().addMediaType(response.mediaType(), media));
            }
            responses.addApiResponse(String.valueOf(response.status()), apiResponse);
        }
        if (responses.isEmpty()) {
            responses.addApiResponse(route.method().equals("WS") ? "101" : "200", new ApiResponse()
                    .description(route.method().equals("WS") ? "Switching Protocols" : "OK"));
        }
        Map<Integer, List<String>> errors = new TreeMap<>();
        if (!route.open()) {
            addError(errors, route, ErrorKind.UNAUTHENTICATED, "No credential, or a wrong API key");
            addError(errors, route, ErrorKind.FORBIDDEN, "The credential lacks the '" + route.scope() + "' scope");
        }
        boolean takesFiles = route.body() != null && route.body().fields().stream()
                .anyMatch(f -> f.kind() == FormField.Kind.FILE || f.kind() == FormField.Kind.FILES);
        if (takesFiles) {
            addError(errors, route, ErrorKind.VALIDATION, "A required field is missing or invalid");
            addError(errors, route, ErrorKind.PAYLOAD_TOO_LARGE, "A file is over the size limit");
            addError(errors, route, ErrorKind.IMAGE_TOO_LARGE, "An image is over the pixel limit");
            addError(errors, route, ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Not a JPEG or PNG image");
            addError(errors, route, ErrorKind.INVALID_IMAGE, "An empty, truncated or corrupt image");
        }
        addError(errors, route, ErrorKind.INTERNAL, "Internal error; the body names an error id for the log");
        String errorSchema = "#/components/schemas/" + errorSchemaName(route.family());
        errors.forEach((status, reasons) -> {
            if (!responses.containsKey(String.valueOf(status))) {
                responses.addApiResponse(String.valueOf(status), new ApiResponse()
                        .description(String.join("; ", reasons))
                        .content(new Content().addMediaType("application/json",
                                new MediaType().schema(new Schema<>().$ref(errorSchema)))));
            }
        });
        return responses;
    }

    private static void addError(Map<Integer, List<String>> errors, RouteSpec route, ErrorKind kind, String reason) {
        errors.computeIfAbsent(route.family().status(kind), status -> new ArrayList<>()).add(reason);
    }

    private Schema<?> schemaOf(Class<?> type) {
        ResolvedSchema resolved = converters.readAllAsResolvedSchema(new AnnotatedType(type).resolveAsRef(true));
        if (resolved == null || resolved.schema == null) {
            return typed("object");
        }
        if (resolved.referencedSchemas != null) {
            schemas.putAll(resolved.referencedSchemas);
        }
        return resolved.schema;
    }

    private void errorSchemas() {
        schemas.put(errorSchemaName(ErrorFamily.DETAIL), typed("object")
                .description("Seeds 001, 002, 003 and the service's own pages")
                .addProperty("detail", typed("string")).required(List.of("detail")));
        schemas.put(errorSchemaName(ErrorFamily.SUCCESS_FLAG), typed("object")
                .description("Seed 000")
                .addProperty("success", typed("boolean")._enum(List.of(false)))
                .addProperty("error", typed("string")).required(List.of("success", "error")));
        schemas.put(errorSchemaName(ErrorFamily.ENVELOPE), typed("object")
                .description("Seed 004's envelope")
                .addProperty("success", typed("boolean")._enum(List.of(false)))
                .addProperty("data", new Schema<>().types(Set.of("null")))
                .addProperty("error", typed("object")
                        .addProperty("code", typed("string"))
                        .addProperty("message", typed("string")))
                .required(List.of("success", "data", "error")));
    }

    /** OpenAPI 3.1 writes a schema's type from {@code types}; {@code type} alone would be dropped. */
    private static Schema typed(String type) {
        return new Schema<>().types(Set.of(type));
    }

    static String errorSchemaName(ErrorFamily family) {
        return switch (family) {
            case DETAIL -> "DetailError";
            case SUCCESS_FLAG -> "SuccessFlagError";
            case ENVELOPE -> "EnvelopeError";
        };
    }

    static String openApiPath(String javalinPath) {
        return PATH_PARAM.matcher(javalinPath).replaceAll("{$1}");
    }

    private static String operationId(RouteSpec route) {
        String path = route.path().replaceAll("[{}<>]", "").replaceAll("[^A-Za-z0-9]+", "_")
                .replaceAll("^_|_$", "");
        return route.method().toLowerCase(Locale.ROOT) + (path.isEmpty() ? "" : "_" + path);
    }

    private static String join(String first, String second) {
        return second == null ? first : first + " " + second;
    }
}
