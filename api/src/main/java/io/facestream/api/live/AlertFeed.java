package io.facestream.api.live;

import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * The POI alerts topic, read once for every listener: one consumer thread, started at the topic's end and
 * reading only committed records (the pipeline writes alerts in transactions), hands each new alert to
 * every subscriber. A subscriber gets exactly the alerts committed after it subscribed: it records the
 * topic's committed end offsets when it joins, and older records the thread has not reached yet are not
 * delivered to it.
 */
public final class AlertFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private record Subscriber(Map<TopicPartition, Long> from, Consumer<PoiAlert> sink) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final AvroSerde<PoiAlert> serde;
    /** The topic's partitions; empty until the topic exists (the feed may start before topics are created). */
    private volatile List<TopicPartition> partitions;
    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Connects and starts the consumer thread at the topic's current end. */
    public AlertFeed(String bootstrapServers, String registryUrl) {
        this.serde = new AvroSerdes(new RestSchemaRegistryClient(registryUrl)).of(PoiAlert.class);
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "facestream-api-alerts-admin"));
        // No group: every API instance pushes every alert to its own clients, and nothing is committed.
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "facestream-api-alerts-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // how long the broker holds a fetch while nothing is there; a record answers it at once (fetch.min.bytes
                // is 1), so this costs no latency, and an idle consumer sends 2 fetches a second, not 50
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500),
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
     * Assigns the topic's partitions, positioned at its end when the feed starts; a topic that appears later
     * holds only alerts raised since, so it is read from its beginning.
     */
    private List<TopicPartition> assign(boolean atStart) {
        List<TopicPartition> found = consumer.partitionsFor(Topics.POI_ALERTS, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (found.isEmpty()) return found;
        consumer.assign(found);
        if (atStart) consumer.seekToEnd(found);
        else consumer.seekToBeginning(found);
        found.forEach(consumer::position); // resolve the positions now, not at the first poll
        return found;
    }

    /**
     * Delivers every alert committed from now on to {@code sink}, on the feed's thread, until
     * {@link #unsubscribe}; the sink must not block.
     */
    public void subscribe(String id, Consumer<PoiAlert> sink) {
        Map<TopicPartition, Long> from;
        if (partitions.isEmpty()) {
            // no topic yet: whatever it will hold comes after this subscription
            subscribers.put(id, new Subscriber(Map.of(), sink));
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
        subscribers.put(id, new Subscriber(from, sink));
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
                Thread.sleep(POLL.toMillis());
                return;
            }
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
            PoiAlert alert = decode(record);
            if (alert != null) deliver(record, alert);
        }
    }

    private PoiAlert decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) return null;
        try {
            return serde.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            // a record under a schema this registry does not know (another deployment sharing the broker)
            LOG.debug("Skipping undecodable alert at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            return null;
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record, PoiAlert alert) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        subscribers.forEach((id, subscriber) -> {
            if (record.offset() < subscriber.from().getOrDefault(partition, 0L)) return;
            try {
                subscriber.sink().accept(alert);
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
