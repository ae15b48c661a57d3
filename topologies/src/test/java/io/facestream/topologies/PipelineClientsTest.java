package io.facestream.topologies;

import io.facestream.ingest.testing.KafkaFixture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The pipeline's consumers on a real broker: an idle one backs off, and a record still ends its wait at once. */
class PipelineClientsTest {

    @Test
    void anIdleConsumerWaitsLongerAndARecordEndsTheWait() throws Exception {
        String topic = KafkaFixture.topic("backoff", 1, Map.of());
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "backoff-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the longest idle poll, so a poll that ends with the record is the backed-off one, not a later one
        PipelineClients clients = new PipelineClients(Pipeline.Settings.MAX_IDLE_POLL);
        try (var consumer = clients.getConsumer(config);
             var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                     new StringSerializer(), new StringSerializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long idleFrom = System.nanoTime() + Pipeline.Settings.IDLE_AFTER.toNanos();
            while (System.nanoTime() < idleFrom) assertThat(consumer.poll(Duration.ofMillis(100))).isEmpty();

            // nothing came for IDLE_AFTER: this 100 ms poll waits up to MAX_IDLE_POLL, and the record sent meanwhile ends it
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(1000);
                    producer.send(new ProducerRecord<>(topic, "k", "after a quiet spell")).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            sent.get();
            assertThat(records.count()).isEqualTo(1);
            assertThat(new String(records.iterator().next().value())).isEqualTo("after a quiet spell");
        }
    }

    @Test
    void theIdlePollIsBounded() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new Pipeline.Settings("localhost:9092", "app",
                java.nio.file.Path.of("state"), 1, Duration.ofMillis(50), (short) 1, null, Duration.ofSeconds(45),
                Duration.ofMillis(100), Pipeline.Settings.MAX_IDLE_POLL.plusMillis(1), 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idle poll");
    }
}
