package io.facestream.api.live;

import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.AssignedConsumers;
import io.facestream.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POI alerts topic and the alert acknowledgements topic, read once for every listener: one consumer thread,
 * started at the topics' end and reading only committed records (the pipeline writes alerts in transactions),
 * hands each new alert, and each acknowledgement made through any instance, to every subscriber. A subscriber gets
 * exactly what was committed after it subscribed: it records the topics' committed end offsets when it joins, and
 * older records the thread has not reached yet are not delivered to it.
 */
public final class AlertFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    /** How often it looks again for topics that do not exist yet. */
    private static final Duration TOPICS_RETRY = Duration.ofMillis(200);

    private static final BiConsumer<String, AlertAck> NO_ACKS = (alertId, ack) -> { };

    private record Subscriber(Map<TopicPartition, Long> from, Consumer<PoiAlert> sink, BiConsumer<String, AlertAck> acks) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final AvroSerde<PoiAlert> serde;
    private final AvroSerde<AlertAck> ackSerde;
    /** The topic's partitions; empty until the topic exists (the feed may start before topics are created). */
    private volatile List<TopicPartition> partitions;
    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Connects and starts the consumer thread at the topic's current end. */
    public AlertFeed(String bootstrapServers, String registryUrl) {
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(registryUrl));
        this.serde = serdes.of(PoiAlert.class);
        this.ackSerde = serdes.of(AlertAck.class);
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "facestream-api-alerts-admin"));
        // No group: every API instance pushes every alert to its own clients, and nothing is committed.
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "facestream-api-alerts-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // see AssignedConsumers: a record answers a held fetch at once
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS),
                new StringDeserializer(), new ByteArrayDeserializer());
        try {
            this.partitions = assign(true);
        } catch (RuntimeException e) {
            consumer.close();
            admin.close();
            throw e;
        }
        this.thread = Thread.ofPlatform().name("facestream-live-alerts").daemon().start(this::run);
    }

    /**
     * Assigns the topics' partitions, positioned at their end when the feed starts; topics that appear later
     * hold only what happened since, so they are read from their beginning.
     */
    private List<TopicPartition> assign(boolean atStart) {
        List<TopicPartition> alerts = partitionsOf(Topics.POI_ALERTS);
        List<TopicPartition> acks = partitionsOf(Topics.ALERT_ACKS);
        if (alerts.isEmpty() || acks.isEmpty()) return List.of();
        List<TopicPartition> found = Stream.concat(alerts.stream(), acks.stream()).toList();
        consumer.assign(found);
        if (atStart) consumer.seekToEnd(found);
        else consumer.seekToBeginning(found);
        found.forEach(consumer::position); // resolve the positions now, not at the first poll
        return found;
    }

    private List<TopicPartition> partitionsOf(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }

    /**
     * Delivers every alert committed from now on to {@code sink}, on the feed's thread, until
     * {@link #unsubscribe}; the sink must not block.
     */
    public void subscribe(String id, Consumer<PoiAlert> sink) {
        subscribe(id, sink, NO_ACKS);
    }

    /**
     * {@link #subscribe(String, Consumer)}, and every acknowledgement committed from now on to {@code acks}: the alert's
     * id with its acknowledgement, or with null when it was withdrawn.
     */
    public void subscribe(String id, Consumer<PoiAlert> sink, BiConsumer<String, AlertAck> acks) {
        Map<TopicPartition, Long> from;
        if (partitions.isEmpty()) {
            // no topic yet: whatever it will hold comes after this subscription
            subscribers.put(id, new Subscriber(Map.of(), sink, acks));
            return;
        }
        try {
            from = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())),
                            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(10, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while subscribing to alerts", e);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka did not tell where the alerts topic ends: " + e.getMessage(), e);
        }
        subscribers.put(id, new Subscriber(from, sink, acks));
    }

    public void unsubscribe(String id) {
        subscribers.remove(id);
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    private void run() {
        PollLoop.run("Live alerts feed", () -> running, this::pollOnce, consumer, LOG);
    }

    private void pollOnce() throws InterruptedException {
        if (partitions.isEmpty()) {
            partitions = assign(false);
            if (partitions.isEmpty()) {
                Thread.sleep(TOPICS_RETRY.toMillis());
                return;
            }
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(AssignedConsumers.POLL)) {
            if (record.topic().equals(Topics.ALERT_ACKS)) {
                if (record.key() == null) continue;
                // a tombstone withdraws the acknowledgement
                if (record.value() == null) deliver(record, s -> s.acks().accept(record.key(), null));
                else {
                    AlertAck ack = decode(record, ackSerde);
                    if (ack != null) deliver(record, s -> s.acks().accept(record.key(), ack));
                }
            } else if (record.value() != null) {
                PoiAlert alert = decode(record, serde);
                if (alert != null) deliver(record, s -> s.sink().accept(alert));
            }
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(ConsumerRecord<String, byte[]> record, AvroSerde<T> serde) {
        try {
            return serde.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // a record under a schema this registry does not know (another deployment sharing the broker)
            LOG.debug("Skipping undecodable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return null;
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record, Consumer<Subscriber> delivery) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        subscribers.forEach((id, subscriber) -> {
            if (record.offset() < subscriber.from().getOrDefault(partition, 0L)) return;
            try {
                delivery.accept(subscriber);
            } catch (RuntimeException e) {
                LOG.debug("Dropping alert subscriber {}: {}", id, e.toString());
                subscribers.remove(id);
            }
        });
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
