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
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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

    private JsonNode call(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(Duration.ofSeconds(10)).header("Accept", CONTENT_TYPE);
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
            throw new SchemaRegistryException(503, 50300, "schema registry at " + baseUrl + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(503, 50300, "interrupted calling the schema registry");
        }
    }

    /** A subject as one URL path segment (URLEncoder is form encoding: its '+' for a space is wrong in a path). */
    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
