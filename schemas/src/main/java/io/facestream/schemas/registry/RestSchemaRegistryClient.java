package io.facestream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of the Confluent Schema Registry REST API (Confluent's own client is not on
 * Maven Central). Ids are immutable, so schema-to-id and id-to-schema answers are cached
 * for the life of the client; "latest" is asked each time.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    @Override
    public int register(String subject, Schema schema) {
        return idsBySubjectAndSchema.computeIfAbsent(subject + "\u0000" + schema, k -> {
            JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", Map.of("schema", schema.toString()));
            int id = answer.get("id").asInt();
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public Schema byId(int id) {
        return schemasById.computeIfAbsent(id, k -> new Schema.Parser().parse(call("GET", "/schemas/ids/" + id, null).get("schema").asText()));
    }

    @Override
    public Registered latest(String subject) {
        JsonNode answer = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new Registered(answer.get("subject").asText(), answer.get("version").asInt(), answer.get("id").asInt(),
                new Schema.Parser().parse(answer.get("schema").asText()));
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            return call("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", Map.of("schema", schema.toString()))
                    .get("is_compatible").asBoolean();
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == 40401) return true; // nothing registered yet: anything is compatible
            throw e;
        }
    }

    /**
     * Asks the registry for its compatibility setting, answered or not within {@code timeout}.
     *
     * @throws SchemaRegistryUnreachableException when nothing answered, saying what was tried
     * @throws SchemaRegistryException            when something answered with an error
     */
    public void checkReachable(Duration timeout) {
        call("GET", "/config", null, timeout);
    }

    private JsonNode call(String method, String path, Object body) {
        return call(method, path, body, REQUEST_TIMEOUT);
    }

    private JsonNode call(String method, String path, Object body, Duration timeout) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(timeout).header("Accept", CONTENT_TYPE);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode answer = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
            if (response.statusCode() >= 300) {
                throw new SchemaRegistryException(response.statusCode(), answer.path("error_code").asInt(response.statusCode()),
                        answer.path("message").asText("schema registry answered " + response.statusCode() + " to " + method + " " + path));
            }
            return answer;
        } catch (IOException e) {
            throw new SchemaRegistryUnreachableException("schema registry at " + baseUrl + " unreachable: " + why(e, timeout)
                    + " (tried " + method + " " + baseUrl + path + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnreachableException("interrupted calling the schema registry at " + baseUrl, e);
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryUnreachableException("schema registry URL " + baseUrl + " is not a usable http(s) URL: " + e.getMessage(), e);
        }
    }

    /** What went wrong, in words: the JDK's exceptions often carry no message (a refused connection's is null). */
    private static String why(IOException e, Duration timeout) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.http.HttpConnectTimeoutException) return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
            if (t instanceof java.net.http.HttpTimeoutException) return "no answer within " + timeout.toMillis() + " ms";
            if (t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) return "unknown host";
            if (t instanceof java.net.NoRouteToHostException) return "no route to host";
        }
        // the JDK's client wraps a refused connect in a ConnectException whose message may be null
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) return t.getMessage() != null ? t.getMessage() : "connection refused";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** A subject as one URL path segment (URLEncoder is form encoding: its '+' for a space is wrong in a path). */
    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
