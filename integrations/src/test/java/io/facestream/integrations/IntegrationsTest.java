package io.facestream.integrations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.testkit.Mosquitto;
import io.facestream.testkit.SharedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Alerts and sightings from Kafka to a real MQTT broker (Debian's mosquitto, started here on a free port) and to
 * a webhook receiver on this JVM's HTTP server, as a subscriber and a receiver see them.
 */
class IntegrationsTest {
    private static final String SECRET = "a-webhook-secret-of-some-length";
    private static final String API = "http://facestream.test:8080";
    private static Mosquitto mosquitto;
    private static String mqttUrl;
    private static EmbeddedSchemaRegistry registry;

    private record Delivery(String event, String signature, String body) {
    }

    @BeforeAll
    static void brokers() throws Exception {
        mosquitto = Mosquitto.start();
        mqttUrl = mosquitto.url();
        String bootstrap = SharedKafka.bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicProvisioner.ensure(admin, Topics.catalog(3, (short) 1));
        }
        registry = EmbeddedSchemaRegistry.start(bootstrap, 0);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) registry.close();
        if (mosquitto != null) mosquitto.close();
    }

    @Test
    void alertsAndSightingsReachMqttAndASignedWebhook() throws Exception {
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        AtomicInteger requests = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            // the first delivery is answered 503: the sink must try again
            int status = requests.incrementAndGet() == 1 ? 503 : 204;
            if (status == 204) deliveries.add(new Delivery(exchange.getRequestHeaders().getFirst(WebhookSink.EVENT_HEADER),
                    exchange.getRequestHeaders().getFirst(WebhookSink.SIGNATURE_HEADER), body));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, List<String>> mqtt = new ConcurrentHashMap<>();
        MqttClient subscriber = subscriber(mqtt, "fs-test/#", "homeassistant/#");
        try {
            URI hook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
            Integrations.Settings settings = new Integrations.Settings(SharedKafka.bootstrapServers(), registry.url(),
                    new MqttSink.Settings(mqttUrl, "facestream-test", null, null, "fs-test"),
                    new WebhookSink.Settings(hook, SECRET, 4, Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(5)),
                    false, API);
            try (Integrations integrations = Integrations.start(settings)) {
                await(integrations::mqttConnected, "the MQTT sink connected");
                await(integrations::assigned, "the consumer assigned");
                await(() -> List.of("online").equals(mqtt.get("fs-test/available")), "availability online");

                PoiAlert alert = alert();
                PoiAlert unknown = unknownFaceAlert();
                Sighting sighting = sighting();
                // a record no schema reads is skipped and counted, and does not stop the events after it
                produce(Topics.POI_ALERTS, alert.getPoiId(), new byte[]{1, 2, 3});
                produce(Topics.POI_ALERTS, alert.getPoiId(), AvroSerde.forValues(new RestSchemaRegistryClient(registry.url()), PoiAlert.class).serialize(Topics.POI_ALERTS, alert));
                produce(Topics.SIGHTINGS, sighting.getIdentityId(), AvroSerde.forValues(new RestSchemaRegistryClient(registry.url()), Sighting.class).serialize(Topics.SIGHTINGS, sighting));
                produce(Topics.POI_ALERTS, unknown.getPoiId(), AvroSerde.forValues(new RestSchemaRegistryClient(registry.url()), PoiAlert.class).serialize(Topics.POI_ALERTS, unknown));

                await(() -> mqtt.getOrDefault("fs-test/events", List.of()).size() == 3, "three events on MQTT");
                await(() -> deliveries.size() == 2, "both alerts delivered to the webhook");
                await(() -> integrations.delivered() == 3, "the three events counted delivered");
                assertThat(integrations.failed()).isEqualTo(1);

                ObjectMapper json = new ObjectMapper();
                JsonNode alertEvent = null, unknownEvent = null;
                for (String payload : mqtt.get("fs-test/events")) {
                    JsonNode event = json.readTree(payload);
                    if (event.get("kind").asText().equals("poi_alert")) alertEvent = event;
                    else if (event.get("kind").asText().equals("unknown_face_alert")) unknownEvent = event;
                    else {
                        assertThat(event.get("kind").asText()).isEqualTo("sighting");
                        assertThat(event.get("type").asText()).isEqualTo("end");
                        assertThat(event.at("/after/id").asText()).isEqualTo("track-9");
                        assertThat(event.at("/after/thumbnail_url").asText()).isEqualTo(API + "/api/v1/thumbnail/track-9");
                    }
                }
                assertThat(alertEvent).isNotNull();
                assertThat(alertEvent.get("type").asText()).isEqualTo("new");
                JsonNode after = alertEvent.get("after");
                assertThat(after.get("id").asText()).isEqualTo("alert-1");
                assertThat(after.get("camera").asText()).isEqualTo("gate");
                assertThat(after.get("label").asText()).isEqualTo("person");
                assertThat(after.get("sub_label").asText()).isEqualTo("Jane Roe");
                assertThat(after.get("thumbnail_url").asText()).isEqualTo(API + "/api/v1/thumbnail/thumb%3Aalert-1");
                assertThat(after.get("frame_url").asText()).isEqualTo(API + "/api/v1/frames/"
                        + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("frame/gate:42".getBytes(StandardCharsets.UTF_8)));
                assertThat(after.get("box").toString()).isEqualTo("[10.0,20.0,110.0,220.0]");
                assertThat(mqtt.get("fs-test/gate/poi_alert")).hasSize(1);
                // an unknown face: its own kind and retained topic, naming the automatic identity; not the POI sensor's
                assertThat(unknownEvent).as("the unknown-face alert").isNotNull();
                assertThat(unknownEvent.at("/after/identity_id").asText()).isEqualTo("identity-5");
                assertThat(unknownEvent.at("/after/sub_label").asText()).isEqualTo("Unknown person");
                assertThat(after.get("identity_id").isNull()).as("a POI alert names no automatic identity").isTrue();
                assertThat(mqtt.get("fs-test/gate/unknown_face_alert")).hasSize(1);
                // Home Assistant discovers a sensor of the camera's last POI alert, once
                List<String> discovery = mqtt.get("homeassistant/sensor/fs-test_gate_poi_alert/config");
                assertThat(discovery).hasSize(1);
                JsonNode sensor = json.readTree(discovery.getFirst());
                assertThat(sensor.get("state_topic").asText()).isEqualTo("fs-test/gate/poi_alert");
                assertThat(sensor.get("availability_topic").asText()).isEqualTo("fs-test/available");
                assertThat(sensor.get("value_template").asText()).isEqualTo("{{ value_json.after.poi_name }}");
                assertThat(sensor.get("unique_id").asText()).isEqualTo("fs-test_gate_poi_alert");

                // the webhook: the alerts only (sightings were not asked for), the first after one 503, signed over time and body
                assertThat(requests.get()).isEqualTo(3);
                assertThat(deliveries.get(1).event()).isEqualTo("unknown_face_alert");
                Delivery delivery = deliveries.getFirst();
                assertThat(delivery.event()).isEqualTo("poi_alert");
                assertThat(json.readTree(delivery.body())).isEqualTo(alertEvent);
                String[] parts = delivery.signature().split(",");
                long t = Long.parseLong(parts[0].substring("t=".length()));
                assertThat(t).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
                assertThat(parts[1]).isEqualTo("v1=" + hmac(SECRET, t + "." + delivery.body()));
                assertThat(parts[1]).isNotEqualTo("v1=" + hmac(SECRET, t + "." + delivery.body() + " "));
            }
            // a late subscriber still learns the camera's last alert, and that the integration went offline
            Map<String, List<String>> late = new ConcurrentHashMap<>();
            MqttClient lateSubscriber = subscriber(late, "fs-test/#");
            await(() -> late.containsKey("fs-test/gate/poi_alert") && List.of("offline").equals(late.get("fs-test/available")), "retained messages");
            lateSubscriber.disconnect();
            lateSubscriber.close();
        } finally {
            subscriber.disconnect();
            subscriber.close();
            receiver.stop(0);
        }
    }

    @Test
    void aWebhookThatRefusesIsNotRetriedAndOneThatFailsIsRetriedThenGivenUp() throws Exception {
        AtomicInteger refused = new AtomicInteger(), failing = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/refuse", exchange -> {
            refused.incrementAndGet();
            exchange.sendResponseHeaders(400, -1);
            exchange.close();
        });
        receiver.createContext("/fail", exchange -> {
            failing.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
            var event = new ObjectMapper().createObjectNode().put("kind", "poi_alert");
            WebhookSink refusing = new WebhookSink(new WebhookSink.Settings(URI.create(base + "/refuse"), SECRET, 3,
                    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(5)));
            assertThatThrownBy(() -> refusing.deliver("poi_alert", event)).hasMessageContaining("refused with 400");
            assertThat(refused.get()).isEqualTo(1);
            WebhookSink failingSink = new WebhookSink(new WebhookSink.Settings(URI.create(base + "/fail"), SECRET, 3,
                    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(5)));
            assertThatThrownBy(() -> failingSink.deliver("poi_alert", event)).hasMessageContaining("answered 500");
            assertThat(failing.get()).isEqualTo(3);
        } finally {
            receiver.stop(0);
        }
        assertThatThrownBy(() -> new WebhookSink.Settings(URI.create("http://x/"), "short", 1, Duration.ZERO, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("secret of at least 16 characters");
    }

    // ---- helpers ----

    private static MqttClient subscriber(Map<String, List<String>> received, String... filters) throws Exception {
        MqttClient client = new MqttClient(mqttUrl, "subscriber-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        client.connect(options);
        for (String filter : filters) {
            client.subscribe(filter, 1, (topic, message) ->
                    received.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(new String(message.getPayload(), StandardCharsets.UTF_8)));
        }
        return client;
    }

    private static PoiAlert alert() {
        Instant at = Instant.now();
        return PoiAlert.newBuilder().setAlertId("alert-1").setPoiId("poi-7").setPoiName("Jane Roe").setSeverity(Severity.values()[0])
                .setNotes(null).setEnrolledAt(at.minusSeconds(3600)).setPreviousMatchCount(2).setCameraId("gate").setSourceId("gate")
                .setTrackId("track-1").setTimestamp(at).setConfidence(0.93f).setSimilarity(0.71f)
                .setBbox(BoundingBox.newBuilder().setX(10).setY(20).setWidth(100).setHeight(200).build())
                .setFrameNumber(42).setFrameRef("frame/gate:42").setThumbnailRef("thumb:alert-1").build();
    }

    private static PoiAlert unknownFaceAlert() {
        PoiAlert a = alert();
        return PoiAlert.newBuilder(a).setAlertId("alert-2").setKind(AlertKind.UNKNOWN).setPoiId("identity-5").setIdentityId("identity-5")
                .setPoiName("Unknown person").setTrackId("track-2").build();
    }

    private static Sighting sighting() {
        Instant at = Instant.now();
        return Sighting.newBuilder().setSightingId("track-9").setTrackId("track-9").setSourceId("gate").setSourceKind(SourceKind.CAMERA)
                .setCameraId("gate").setFileId(null).setIdentityId("identity-3").setPersonId(null).setMatchKind(MatchKind.IDENTITY)
                .setSimilarity(0.5f).setEntryTime(at.minusSeconds(5)).setExitTime(at).setEntryFrame(1).setExitFrame(50)
                .setBestFaceId("gate:10:0").setBestFrameRef(null).setThumbnailRef(null).setFaceCount(4).setFinal$(true).build();
    }

    private static void produce(String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static String hmac(String secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

}
