package io.facestream.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Point;
import io.facestream.schemas.avro.QualityParts;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RegistryFixture;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.testkit.SharedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A foreign client decodes our records: the Node.js script in clients/node reads a topic
 * written by our serde and decodes it through our embedded registry, with kafkajs's
 * registry client and with Confluent's own JavaScript client. Needs node and npm (the
 * test command installs them); without them this test fails rather than skip.
 */
class NodeClientDecodesTest {
    private static final Path CLIENT = Path.of(System.getProperty("facestream.repo.root", "..")).resolve("clients/node");
    private static final byte[] CROP = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};

    @BeforeAll
    static void installPackages() throws Exception {
        Path installed = CLIENT.resolve("node_modules/.package-lock.json");
        if (Files.exists(installed) && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(CLIENT.resolve("package-lock.json"))) >= 0) return;
        Result ci = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
        assertThat(ci.exit()).as("npm ci in %s:%n%s", CLIENT, ci.output()).isZero();
    }

    static FaceCrop crop(int index) {
        return FaceCrop.newBuilder().setCropId("cam-1:" + (100 + index) + ":0").setSourceId("cam-1").setSourceKind(SourceKind.CAMERA)
                .setCameraId("cam-1").setFrameNumber(100 + index).setFaceIndex(0)
                .setTimestamp(Instant.ofEpochMilli(1_764_000_000_000L + index)).setFrameWidth(1280).setFrameHeight(720)
                .setBbox(new BoundingBox(10.5f, 20f, 64f, 80f))
                .setLandmarks(List.of(new Point(1f, 2f), new Point(3f, 4f), new Point(5f, 6f), new Point(7f, 8f), new Point(9f, 10f)))
                .setDetectionScore(0.97f).setQuality(0.8f).setQualityParts(new QualityParts(0.9f, 0.7f, 0.85f, 0.97f))
                .setCropJpeg(ByteBuffer.wrap(CROP)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafkajs", "confluent"})
    void decodesRecordsWrittenByTheJavaSerde(String library) throws Exception {
        String topic = "node-" + library + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (EmbeddedSchemaRegistry registry = RegistryFixture.start(RegistryFixture.freshStoreTopic())) {
            AvroSerde<FaceCrop> serde = AvroSerde.forValues(new RestSchemaRegistryClient(registry.url()), FaceCrop.class);
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()),
                    new StringSerializer(), serde.serializer())) {
                for (int i = 0; i < 3; i++) producer.send(new ProducerRecord<>(topic, "cam-1", crop(i))).get();
            }

            Result decoded = run(List.of("node", "decode.js", SharedKafka.bootstrapServers(), registry.url(), topic, "3", library, "60000"), 90);
            assertThat(decoded.exit()).as("node decode.js (%s):%n%s", library, decoded.output()).isZero();
            List<JsonNode> lines = decoded.output().lines().filter(l -> l.startsWith("{\"key\"")).map(NodeClientDecodesTest::json).toList();
            assertThat(lines).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode value = unwrapUnions(lines.get(i).get("value"));
                assertThat(lines.get(i).get("key").asText()).isEqualTo("cam-1");
                assertThat(value.get("crop_id").asText()).isEqualTo("cam-1:" + (100 + i) + ":0");
                assertThat(value.get("source_kind").asText()).isEqualTo("CAMERA");
                assertThat(value.get("camera_id").asText()).isEqualTo("cam-1");
                assertThat(value.get("frame_number").asLong()).isEqualTo(100 + i);
                assertThat(value.get("timestamp").asLong()).isEqualTo(1_764_000_000_000L + i);
                assertThat(value.get("bbox").get("x").floatValue()).isEqualTo(10.5f);
                assertThat(value.get("landmarks")).hasSize(5);
                assertThat(value.get("landmarks").get(4).get("y").floatValue()).isEqualTo(10f);
                assertThat(value.get("quality_parts").get("pose").floatValue()).isEqualTo(0.85f);
                assertThat(Base64.getDecoder().decode(value.get("crop_jpeg").asText())).isEqualTo(CROP);
                assertThat(value.get("file_id").isNull()).isTrue();
            }
        }
    }

    /** Avro JSON may wrap a union's value as {"string": "..."}; compare the value itself. */
    private static JsonNode unwrapUnions(JsonNode node) {
        if (node.isObject()) {
            var object = (com.fasterxml.jackson.databind.node.ObjectNode) node;
            object.properties().forEach(e -> {
                JsonNode v = e.getValue();
                if (v.isObject() && v.size() == 1 && (v.has("string") || v.has("long"))) object.set(e.getKey(), v.elements().next());
                else unwrapUnions(v);
            });
        } else if (node.isArray()) {
            node.forEach(NodeClientDecodesTest::unwrapUnions);
        }
        return node;
    }

    private static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command.getFirst() + " is not on PATH: ./run-tests installs Node.js and npm (" + e.getMessage() + ")", e);
        }
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String output = new String(p.getInputStream().readAllBytes());
        return new Result(done ? p.exitValue() : -1, output);
    }
}
