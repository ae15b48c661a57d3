package io.facestream.integrations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.registry.SchemaRegistryUnreachableException;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Alerts and sightings to MQTT and a webhook, each optional: a consumer of the public topics
 * ({@link Topics#POI_ALERTS}, {@link Topics#SIGHTINGS}) in its own group, so it runs beside the product or
 * anywhere else that reaches Kafka, and several instances share the work. Delivery is at least once: offsets
 * are committed after an event went out (or was given up after the webhook's last retry, logged); a restart
 * resends what was in flight.
 */
public final class Integrations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Integrations.class);
    public static final String GROUP_ID = "facestream-integrations";

    /**
     * @param mqtt       null for no MQTT
     * @param webhook    null for no webhook
     * @param sightingsToWebhook sightings go to MQTT always; to the webhook only when asked (there are many)
     * @param apiBaseUrl where subscribers reach the API, for the thumbnail and frame links
     */
    public record Settings(String bootstrapServers, String registryUrl, MqttSink.Settings mqtt, WebhookSink.Settings webhook,
                           boolean sightingsToWebhook, String apiBaseUrl) {
    }

    private final Settings settings;
    private final MqttSink mqtt;
    private final WebhookSink webhook;
    private final Events events;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroSerde<PoiAlert> alerts;
    private final AvroSerde<Sighting> sightings;
    private final Thread loop;
    private final AtomicLong delivered = new AtomicLong(), failed = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean assigned;

    /** Resolves the start positions on assignment, so that "assigned" means every event from now on is delivered. */
    private final class Positioned implements org.apache.kafka.clients.consumer.ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
            partitions.forEach(consumer::position);
            assigned = !consumer.assignment().isEmpty();
        }

        @Override
        public void onPartitionsRevoked(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions) {
        }
    }

    private Integrations(Settings settings) {
        this.settings = settings;
        this.events = new Events(settings.apiBaseUrl());
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(settings.registryUrl());
        this.alerts = AvroSerde.forValues(registry, PoiAlert.class);
        this.sightings = AvroSerde.forValues(registry, Sighting.class);
        this.webhook = settings.webhook() == null ? null : new WebhookSink(settings.webhook());
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP_ID,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // a new group starts at the end: an operator who turns MQTT on wants new alerts, not a month of old ones
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.mqtt = settings.mqtt() == null ? null : MqttSink.start(settings.mqtt());
        this.loop = Thread.ofPlatform().name("integrations").daemon().unstarted(this::run);
    }

    /** Starts the sinks configured and the consumer; null settings for both sinks is a mistake of the caller's. */
    public static Integrations start(Settings settings) {
        if (settings.mqtt() == null && settings.webhook() == null) throw new IllegalArgumentException("no integration configured");
        Integrations integrations = new Integrations(settings);
        integrations.consumer.subscribe(List.of(Topics.POI_ALERTS, Topics.SIGHTINGS), integrations.new Positioned());
        integrations.loop.start();
        log.info("integrations: {}{} from {} and {}", settings.mqtt() != null ? "MQTT " + settings.mqtt().url() + " " : "",
                settings.webhook() != null ? "webhook " + settings.webhook().url() : "", Topics.POI_ALERTS, Topics.SIGHTINGS);
        return integrations;
    }

    /** True while the MQTT sink is connected; false without one. */
    public boolean mqttConnected() {
        return mqtt != null && mqtt.connected();
    }

    /** True once this instance consumes some of the topics' partitions (from their end, for a new group). */
    public boolean assigned() {
        return assigned;
    }

    /** Events handed to every configured sink. */
    public long delivered() {
        return delivered.get();
    }

    /** Events a sink did not take (after its retries). */
    public long failed() {
        return failed.get();
    }

    private void run() {
        try {
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, byte[]> record : records) handle(record);
                    if (!records.isEmpty()) consumer.commitSync();
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (SchemaRegistryUnreachableException e) {
                    // nothing read this batch is lost: back to the last commit, and again once the registry answers
                    log.warn("integrations: {}; retrying", e.getMessage());
                    rewind();
                    pause(Duration.ofSeconds(2));
                } catch (org.apache.kafka.common.KafkaException e) {
                    // a rebalance during the commit, a broker away: what was not committed is read again (at least once)
                    log.warn("integrations: {}; carrying on", e.toString());
                    pause(Duration.ofSeconds(1));
                }
            }
        } catch (WakeupException stopping) {
            // close() woke the consumer
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void rewind() {
        var committed = consumer.committed(consumer.assignment());
        for (var partition : consumer.assignment()) {
            var offset = committed.get(partition);
            if (offset != null) consumer.seek(partition, offset);
            else consumer.seekToEnd(java.util.List.of(partition)); // a new group starts at the end anyway
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) return;
        boolean alert = record.topic().equals(Topics.POI_ALERTS);
        ObjectNode event;
        try {
            event = alert ? events.alert(alerts.deserialize(record.topic(), record.value()))
                    : events.sighting(sightings.deserialize(record.topic(), record.value()));
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SchemaRegistryUnreachableException away) throw away;
            }
            // a record no schema reads: skipped, not a reason to stop every later event
            failed.incrementAndGet();
            log.warn("integrations: cannot read {}@{}:{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return;
        }
        boolean ok = true;
        if (mqtt != null) ok &= deliverToMqtt(event);
        if (webhook != null && (alert || settings.sightingsToWebhook())) {
            try {
                webhook.deliver(event.get("kind").asText(), event);
            } catch (WebhookSink.DeliveryException e) {
                ok = false;
                log.warn("{}; given up", e.getMessage());
            }
        }
        (ok ? delivered : failed).incrementAndGet();
    }

    /** Waits out a broker outage (Paho reconnects) rather than dropping events: the consumer stays behind meanwhile. */
    private boolean deliverToMqtt(ObjectNode event) {
        for (int attempt = 1; running; attempt++) {
            try {
                mqtt.publish(event);
                return true;
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                if (attempt == 1 || attempt % 30 == 0) log.warn("MQTT: cannot publish yet ({}); waiting for the broker", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            loop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (mqtt != null) mqtt.close();
    }
}
