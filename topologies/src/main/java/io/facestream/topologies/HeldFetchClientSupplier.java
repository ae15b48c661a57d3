package io.facestream.topologies;

import io.facestream.schemas.topics.AssignedConsumers;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka Streams' own clients, except that the global stores' consumer is one of the {@link AssignedConsumers}: it
 * follows fixed partitions (assigned once, no group), so the broker may hold its empty fetch for
 * {@link AssignedConsumers#FETCH_MAX_WAIT_MS} (an idle pipeline's global thread asks once per 5 s, not twice a second)
 * and its close does not wait for the fetch session's end, which queues behind that held fetch (Kafka Streams closes
 * it with Kafka's default timeout: a stop took 5 s longer). The stream threads' main and restore consumers keep
 * Kafka's defaults: their partitions change (restored tasks resume theirs while a fetch for the others is held).
 */
final class HeldFetchClientSupplier implements KafkaClientSupplier {
    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        Map<String, Object> held = new HashMap<>(config);
        held.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS);
        return new KafkaConsumer<>(held, new ByteArrayDeserializer(), new ByteArrayDeserializer()) {
            @Override
            public void close() {
                close(CloseOptions.timeout(AssignedConsumers.CLOSE_TIMEOUT));
            }
        };
    }
}
