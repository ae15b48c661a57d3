package io.facestream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedSchemaRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema V1 = SchemaBuilder.record("Reading").namespace("test").fields()
            .requiredString("sensor").requiredLong("value").endRecord();
    /** Adds a field with a default: readers of V2 can read V1 data. */
    private static final Schema V2_COMPATIBLE = SchemaBuilder.record("Reading").namespace("test").fields()
            .requiredString("sensor").requiredLong("value").name("unit").type().stringType().stringDefault("C").endRecord();
    /** Adds a field without a default: V1 data lacks it. */
    private static final Schema V2_INCOMPATIBLE = SchemaBuilder.record("Reading").namespace("test").fields()
            .requiredString("sensor").requiredLong("value").requiredString("unit").endRecord();

    @Test
    void registersVersionsAndRejectsAnIncompatibleChange() throws Exception {
        try (EmbeddedSchemaRegistry registry = RegistryFixture.start(RegistryFixture.freshStoreTopic())) {
            SchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            int v1 = client.register("readings-value", V1);
            assertThat(client.register("readings-value", V1)).as("re-registering returns the same id").isEqualTo(v1);
            // BACKWARD compares with the latest version: V1 data has no "unit" for a required one.
            assertThat(client.isCompatible("readings-value", V2_INCOMPATIBLE)).isFalse();
            assertThatThrownBy(() -> client.register("readings-value", V2_INCOMPATIBLE))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(409);
                        assertThat(e.getMessage()).contains("incompatible").contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("unit");
                    });
            HttpResponse<String> raw = post(registry.url() + "/subjects/readings-value/versions", Map.of("schema", V2_INCOMPATIBLE.toString()));
            assertThat(raw.statusCode()).isEqualTo(409);
            assertThat(raw.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/vnd.schemaregistry.v1+json"));
            assertThat(JSON.readTree(raw.body()).get("error_code").asInt()).isEqualTo(409);
            assertThat(client.latest("readings-value").version()).as("the rejected schema left nothing behind").isEqualTo(1);

            assertThat(client.isCompatible("readings-value", V2_COMPATIBLE)).isTrue();
            int v2 = client.register("readings-value", V2_COMPATIBLE);
            assertThat(v2).isNotEqualTo(v1);
            assertThat(client.latest("readings-value").version()).isEqualTo(2);
            assertThat(client.byId(v1)).isEqualTo(V1);
        }
    }

    @Test
    void answersErrorsInConfluentsShape() throws Exception {
        try (EmbeddedSchemaRegistry registry = RegistryFixture.start(RegistryFixture.freshStoreTopic())) {
            assertError(get(registry.url() + "/subjects/nope/versions/latest"), 404, 40401);
            assertError(get(registry.url() + "/schemas/ids/999"), 404, 40403);
            assertError(post(registry.url() + "/subjects/x/versions", Map.of("schema", "{\"type\":\"nonsense\"}")), 422, 42201);
            assertError(post(registry.url() + "/subjects/x/versions", Map.of("schema", "{}", "schemaType", "PROTOBUF")), 422, 42201);
            new RestSchemaRegistryClient(registry.url()).register("x-value", V1);
            assertError(get(registry.url() + "/subjects/x-value/versions/7"), 404, 40402);
            assertError(post(registry.url() + "/subjects/x-value", Map.of("schema", V2_COMPATIBLE.toString())), 404, 40403);
            assertThat(JSON.readTree(get(registry.url() + "/subjects").body())).containsExactly(JSON.valueToTree("x-value"));
            assertThat(JSON.readTree(get(registry.url() + "/config").body()).get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        }
    }

    @Test
    void aRestartFindsEverySchemaAgain() throws Exception {
        String store = RegistryFixture.freshStoreTopic();
        int a, b;
        try (EmbeddedSchemaRegistry registry = RegistryFixture.start(store)) {
            SchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            a = client.register("a-value", V1);
            b = client.register("b-value", V2_COMPATIBLE);
            client.register("a-value", V2_COMPATIBLE);
            assertThat(put(registry.url() + "/config/b-value", Map.of("compatibility", "NONE")).statusCode()).isEqualTo(200);
        }
        try (EmbeddedSchemaRegistry registry = RegistryFixture.start(store)) {
            SchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            assertThat(client.byId(a)).isEqualTo(V1);
            assertThat(client.byId(b)).isEqualTo(V2_COMPATIBLE);
            assertThat(client.latest("a-value").version()).isEqualTo(2);
            assertThat(client.latest("a-value").id()).isEqualTo(b).as("one id per distinct schema, across subjects");
            int c = client.register("c-value", SchemaBuilder.record("Other").fields().requiredInt("n").endRecord());
            assertThat(c).isGreaterThan(Math.max(a, b));
            assertThat(client.register("b-value", V2_INCOMPATIBLE)).as("b-value's NONE level survived the restart").isPositive();
        }
    }

    private static void assertError(HttpResponse<String> response, int status, int code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error_code").asInt()).isEqualTo(code);
        assertThat(body.get("message").asText()).isNotBlank();
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, Object body) throws Exception {
        return send("POST", url, body);
    }

    static HttpResponse<String> put(String url, Object body) throws Exception {
        return send("PUT", url, body);
    }

    private static HttpResponse<String> send(String method, String url, Object body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }
}
