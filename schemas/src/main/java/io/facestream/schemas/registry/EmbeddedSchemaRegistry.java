package io.facestream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.schemas.topics.Topics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * A schema registry that speaks the Confluent Schema Registry REST API (Avro schemas),
 * for the standalone mode: Confluent's server is not on Maven Central. Its schemas live
 * in a compacted Kafka topic, the same shape of records Confluent's registry keeps, and
 * are read back at start-up, so ids and versions survive restarts. One instance writes
 * per cluster (the standalone JVM); a scaled-out deployment uses Confluent's registry.
 * Subject deletion is not offered (405): ids must stay valid for every record written.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = RestSchemaRegistryClient.CONTENT_TYPE;
    private static final Set<String> LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
            "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");
    private static final String DEFAULT_LEVEL = "BACKWARD";

    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final Javalin http;

    // Guarded by this: the registry applies one change at a time, in topic order.
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<String, TreeMap<Integer, Integer>> subjects = new TreeMap<>();
    private final Map<String, String> levels = new HashMap<>();
    private int nextId = 1;

    /** An error answered to the client in Confluent's shape. */
    private static final class ApiError extends RuntimeException {
        final int status;
        final int code;

        ApiError(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private EmbeddedSchemaRegistry(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer());
        this.http = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/", ctx -> respond(ctx, JSON.createObjectNode()));
            config.routes.get("/subjects", ctx -> respond(ctx, JSON.valueToTree(subjectNames())));
            config.routes.get("/subjects/{subject}/versions", ctx -> respond(ctx, JSON.valueToTree(versions(ctx.pathParam("subject")))));
            config.routes.get("/subjects/{subject}/versions/{version}", ctx ->
                    respond(ctx, describe(version(ctx.pathParam("subject"), ctx.pathParam("version")))));
            config.routes.get("/subjects/{subject}/versions/{version}/schema", ctx ->
                    respondRaw(ctx, version(ctx.pathParam("subject"), ctx.pathParam("version")).schema().toString()));
            config.routes.post("/subjects/{subject}/versions", ctx ->
                    respond(ctx, JSON.createObjectNode().put("id", register(ctx.pathParam("subject"), schemaOf(ctx)))));
            config.routes.post("/subjects/{subject}", ctx -> respond(ctx, describe(lookup(ctx.pathParam("subject"), schemaOf(ctx)))));
            config.routes.delete("/subjects/{subject}", ctx -> {
                throw new ApiError(405, 405, "deleting subjects is not supported: records written with their ids must stay readable");
            });
            config.routes.get("/schemas/ids/{id}", ctx -> respond(ctx, JSON.createObjectNode().put("schema", schemaById(ctx).toString())));
            config.routes.get("/schemas/ids/{id}/schema", ctx -> respondRaw(ctx, schemaById(ctx).toString()));
            config.routes.get("/schemas/types", ctx -> respond(ctx, JSON.valueToTree(List.of("AVRO"))));
            config.routes.get("/config", ctx -> respond(ctx, JSON.createObjectNode().put("compatibilityLevel", level(null))));
            config.routes.put("/config", ctx -> respond(ctx, JSON.createObjectNode().put("compatibility", setLevel(null, ctx))));
            config.routes.get("/config/{subject}", ctx -> respond(ctx, JSON.createObjectNode().put("compatibilityLevel", subjectLevel(ctx))));
            config.routes.put("/config/{subject}", ctx -> respond(ctx, JSON.createObjectNode().put("compatibility", setLevel(ctx.pathParam("subject"), ctx))));
            config.routes.post("/compatibility/subjects/{subject}/versions/{version}", ctx -> respond(ctx, compatibility(ctx)));
            config.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.code, e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.warn("schema registry request {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, 50001, "internal error: " + e.getMessage());
            });
            config.routes.error(404, "*", ctx -> {
                if (ctx.result() == null) error(ctx, 404, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
            });
        });
    }

    /**
     * Reads the registry's topic to its end, then serves on {@code port} (0 for a free one).
     *
     * @param topic the compacted store topic, created beforehand (the catalogue's {@link Topics#SCHEMAS})
     */
    public static EmbeddedSchemaRegistry start(String bootstrapServers, String topic, String host, int port) {
        EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(bootstrapServers, topic);
        try {
            registry.restore(bootstrapServers);
            registry.http.start(host, port);
        } catch (RuntimeException e) {
            registry.close();
            throw new IllegalStateException("the embedded schema registry did not start on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        log.info("embedded schema registry at {} ({} schemas, {} subjects)", registry.url(), registry.schemasById.size(), registry.subjects.size());
        return registry;
    }

    public static EmbeddedSchemaRegistry start(String bootstrapServers, int port) {
        return start(bootstrapServers, Topics.SCHEMAS, "localhost", port);
    }

    public String url() {
        return "http://localhost:" + http.port();
    }

    public int port() {
        return http.port();
    }

    // ---- store ----

    private void restore(String bootstrapServers) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            while (consumer.position(partition, Duration.ofSeconds(30)) < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) apply(r.key(), r.value());
            }
        }
    }

    private synchronized void apply(String keyJson, String valueJson) {
        if (valueJson == null) return;
        try {
            JsonNode key = JSON.readTree(keyJson), value = JSON.readTree(valueJson);
            switch (key.path("keytype").asText()) {
                case "SCHEMA" -> {
                    int id = value.get("id").asInt();
                    Schema schema = new Schema.Parser().parse(value.get("schema").asText());
                    schemasById.put(id, schema);
                    idsByCanonical.put(schema.toString(), id);
                    subjects.computeIfAbsent(value.get("subject").asText(), s -> new TreeMap<>()).put(value.get("version").asInt(), id);
                    nextId = Math.max(nextId, id + 1);
                }
                case "CONFIG" -> levels.put(key.path("subject").isNull() ? null : key.path("subject").asText(), value.get("compatibilityLevel").asText());
                default -> log.warn("schema registry ignores a record with key {}", keyJson);
            }
        } catch (IOException e) {
            throw new IllegalStateException("unreadable record in " + topic + ": " + keyJson, e);
        }
    }

    private void write(ObjectNode key, ObjectNode value) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, key.toString(), value.toString())).get();
        } catch (ExecutionException e) {
            throw new ApiError(500, 50001, "cannot store in " + topic + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(500, 50001, "interrupted while storing");
        }
        apply(key.toString(), value.toString());
    }

    // ---- operations ----

    private synchronized List<String> subjectNames() {
        return new ArrayList<>(subjects.keySet());
    }

    private synchronized List<Integer> versions(String subject) {
        return new ArrayList<>(subjectVersions(subject).keySet());
    }

    private TreeMap<Integer, Integer> subjectVersions(String subject) {
        TreeMap<Integer, Integer> versions = subjects.get(subject);
        if (versions == null) throw new ApiError(404, 40401, "Subject '" + subject + "' not found.");
        return versions;
    }

    private synchronized SchemaRegistryClient.Registered version(String subject, String version) {
        TreeMap<Integer, Integer> versions = subjectVersions(subject);
        int v;
        if (version.equals("latest") || version.equals("-1")) {
            v = versions.lastKey();
        } else {
            try {
                v = Integer.parseInt(version);
            } catch (NumberFormatException e) {
                throw new ApiError(422, 42202, "The specified version '" + version + "' is not a valid version id.");
            }
        }
        Integer id = versions.get(v);
        if (id == null) throw new ApiError(404, 40402, "Version " + v + " not found.");
        return new SchemaRegistryClient.Registered(subject, v, id, schemasById.get(id));
    }

    private synchronized int register(String subject, Schema schema) {
        TreeMap<Integer, Integer> versions = subjects.getOrDefault(subject, new TreeMap<>());
        String canonical = schema.toString();
        for (int id : versions.values()) if (schemasById.get(id).toString().equals(canonical)) return id;
        List<String> problems = incompatibilities(subject, schema, versions);
        if (!problems.isEmpty()) {
            throw new ApiError(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\" (" + level(subject) + "): " + String.join("; ", problems));
        }
        int id = idsByCanonical.getOrDefault(canonical, nextId);
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        ObjectNode key = JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
        ObjectNode value = JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", canonical).put("deleted", false);
        write(key, value);
        log.info("registered schema id {} as version {} of {}", id, version, subject);
        return id;
    }

    private synchronized SchemaRegistryClient.Registered lookup(String subject, Schema schema) {
        TreeMap<Integer, Integer> versions = subjectVersions(subject);
        String canonical = schema.toString();
        for (var v : versions.entrySet()) {
            if (schemasById.get(v.getValue()).toString().equals(canonical))
                return new SchemaRegistryClient.Registered(subject, v.getKey(), v.getValue(), schemasById.get(v.getValue()));
        }
        throw new ApiError(404, 40403, "Schema not found under subject '" + subject + "'.");
    }

    /** What stops {@code schema} from joining {@code subject} under its level; empty when nothing does. */
    private List<String> incompatibilities(String subject, Schema schema, TreeMap<Integer, Integer> versions) {
        String level = level(subject);
        if (level.equals("NONE") || versions.isEmpty()) return List.of();
        List<Integer> against = level.endsWith("_TRANSITIVE") ? new ArrayList<>(versions.values()) : List.of(versions.lastEntry().getValue());
        boolean backward = level.startsWith("BACKWARD") || level.startsWith("FULL");
        boolean forward = level.startsWith("FORWARD") || level.startsWith("FULL");
        List<String> problems = new ArrayList<>();
        for (int id : against) {
            Schema existing = schemasById.get(id);
            if (backward) describeProblems(SchemaCompatibility.checkReaderWriterCompatibility(schema, existing), "new schema cannot read data written with id " + id, problems);
            if (forward) describeProblems(SchemaCompatibility.checkReaderWriterCompatibility(existing, schema), "schema id " + id + " cannot read data written with the new schema", problems);
        }
        return problems;
    }

    private static void describeProblems(SchemaCompatibility.SchemaPairCompatibility result, String what, List<String> problems) {
        if (result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) return;
        for (SchemaCompatibility.Incompatibility i : result.getResult().getIncompatibilities()) {
            problems.add(what + ": " + i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")");
        }
    }

    private ObjectNode compatibility(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaOf(ctx);
        synchronized (this) {
            SchemaRegistryClient.Registered target = version(subject, ctx.pathParam("version"));
            TreeMap<Integer, Integer> versions = new TreeMap<>(Map.of(target.version(), target.id()));
            if (level(subject).endsWith("_TRANSITIVE")) versions = subjectVersions(subject);
            List<String> problems = incompatibilities(subject, schema, versions);
            ObjectNode answer = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
            if (ctx.queryParam("verbose") != null) answer.set("messages", JSON.valueToTree(problems));
            return answer;
        }
    }

    private synchronized Schema schemaById(Context ctx) {
        int id;
        try {
            id = Integer.parseInt(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new ApiError(404, 40403, "Schema " + ctx.pathParam("id") + " not found");
        }
        Schema schema = schemasById.get(id);
        if (schema == null) throw new ApiError(404, 40403, "Schema " + id + " not found");
        return schema;
    }

    private synchronized String level(String subject) {
        String level = subject == null ? null : levels.get(subject);
        return level != null ? level : levels.getOrDefault(null, DEFAULT_LEVEL);
    }

    private synchronized String subjectLevel(Context ctx) {
        String subject = ctx.pathParam("subject");
        String level = levels.get(subject);
        if (level != null) return level;
        if (Boolean.parseBoolean(ctx.queryParam("defaultToGlobal"))) return level(null);
        throw new ApiError(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    private synchronized String setLevel(String subject, Context ctx) {
        String level = body(ctx).path("compatibility").asText("").toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(level)) throw new ApiError(422, 42203, "Invalid compatibility level '" + level + "'; one of " + LEVELS);
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG").put("magic", 0);
        if (subject == null) key.putNull("subject");
        else key.put("subject", subject);
        write(key, JSON.createObjectNode().put("compatibilityLevel", level));
        return level;
    }

    // ---- HTTP ----

    private static JsonNode body(Context ctx) {
        try {
            return JSON.readTree(ctx.body());
        } catch (IOException e) {
            throw new ApiError(422, 42201, "The request body is not JSON: " + e.getMessage());
        }
    }

    private static Schema schemaOf(Context ctx) {
        JsonNode body = body(ctx);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) throw new ApiError(422, 42201, "Only AVRO schemas are supported, not " + type);
        if (!body.path("schema").isTextual()) throw new ApiError(422, 42201, "The request needs a 'schema' string");
        if (body.path("references").isArray() && !body.path("references").isEmpty())
            throw new ApiError(422, 42201, "Schema references are not supported");
        try {
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (SchemaParseException e) {
            throw new ApiError(422, 42201, "Invalid schema: " + e.getMessage());
        }
    }

    private static ObjectNode describe(SchemaRegistryClient.Registered r) {
        return JSON.createObjectNode().put("subject", r.subject()).put("version", r.version()).put("id", r.id()).put("schema", r.schema().toString());
    }

    private static void respond(Context ctx, JsonNode body) {
        ctx.contentType(CONTENT_TYPE).result(body.toString());
    }

    private static void respondRaw(Context ctx, String schemaJson) {
        ctx.contentType(CONTENT_TYPE).result(schemaJson);
    }

    private static void error(Context ctx, int status, int code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", code);
        body.put("message", message);
        ctx.status(status).contentType(CONTENT_TYPE).result(JSON.valueToTree(body).toString());
    }

    @Override
    public void close() {
        http.stop();
        producer.close(Duration.ofSeconds(5));
    }
}
