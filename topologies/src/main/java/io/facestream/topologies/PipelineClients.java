package io.facestream.topologies;

import io.facestream.schemas.topics.AssignedConsumers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The pipeline's Kafka clients: Kafka Streams' own, except for two things an idle pipeline pays for.
 * <ul>
 *   <li>The stream threads' and the global thread's consumers {@link BackingOffConsumer back off} once nothing has
 *       come for {@link Pipeline.Settings#IDLE_AFTER}: Kafka Streams has no adaptive poll, and its loop (poll, the
 *       state updater's check, bookkeeping over every task) turned 10 times a second per thread with nothing to do.</li>
 *   <li>The global stores' consumer is one of the {@link AssignedConsumers}: it follows fixed partitions (assigned once,
 *       no group), so the broker may hold its empty fetch for {@link AssignedConsumers#FETCH_MAX_WAIT_MS} (once per
 *       5 s, not twice a second), and its close does not wait for the fetch session's end, which queues behind that
 *       held fetch (Kafka Streams closes it with Kafka's default timeout: a stop took 5 s longer). The stream threads'
 *       main and restore consumers keep Kafka's fetch wait: their partitions change (a restored task resumes its
 *       partitions while a fetch for the others is held, and would wait for it).</li>
 * </ul>
 */
final class PipelineClients implements KafkaClientSupplier {
    private final Duration idlePoll;

    /** @param idlePoll how long an idle thread's poll waits; not longer than {@code poll.ms}: no back-off */
    PipelineClients(Duration idlePoll) {
        this.idlePoll = idlePoll;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new BackingOffConsumer(config, idlePoll);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        Map<String, Object> held = new HashMap<>(config);
        held.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS);
        return new BackingOffConsumer(held, idlePoll) {
            @Override
            public void close() {
                close(CloseOptions.timeout(AssignedConsumers.CLOSE_TIMEOUT));
            }
        };
    }

    /**
     * A consumer whose poll waits {@code idlePoll} instead of the thread's {@code poll.ms} once no poll has returned
     * records for {@link Pipeline.Settings#IDLE_AFTER}. A poll returns as soon as records come, so what a longer wait
     * delays is only what the thread does between polls: wall-clock timers (none runs by then, see
     * {@link Pipeline.Settings#IDLE_AFTER}), noticing a rebalance's restored tasks, and a stop (Kafka Streams does not
     * wake its threads' polls). While records flow, and for {@code IDLE_AFTER} after, nothing changes: the commit after
     * the last records, the batches' timers and the downstream hops run at {@code poll.ms}. A zero poll (Kafka Streams'
     * own, while it has work), no assignment yet (joining the group) and paused partitions (tasks restoring, full
     * buffers) keep the thread's wait.
     */
    static class BackingOffConsumer extends KafkaConsumer<byte[], byte[]> {
        private final Duration idlePoll;
        private long recordsAt = System.nanoTime();

        BackingOffConsumer(Map<String, Object> config, Duration idlePoll) {
            super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.idlePoll = idlePoll;
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            boolean idle = !timeout.isZero() && idlePoll.compareTo(timeout) > 0
                    && System.nanoTime() - recordsAt > Pipeline.Settings.IDLE_AFTER.toNanos()
                    && paused().isEmpty() && !assignment().isEmpty();
            ConsumerRecords<byte[], byte[]> records = super.poll(idle ? idlePoll : timeout);
            if (!records.isEmpty()) recordsAt = System.nanoTime();
            return records;
        }
    }
}
