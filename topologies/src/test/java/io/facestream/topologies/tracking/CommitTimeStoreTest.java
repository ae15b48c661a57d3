package io.facestream.topologies.tracking;

import io.facestream.ingest.testing.KafkaFixture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CommitTimeStore} on a real broker under exactly-once: a key written on every record reaches the changelog about
 * once per commit, a key put and deleted between two commits never does, and the changelog holds at each commit what the
 * processor held then: a stream thread that fails mid-transaction is replaced, restores the store from the changelog, and
 * goes on from the committed offsets with every count once and none lost.
 */
class CommitTimeStoreTest {
    private static final int RECORDS = 300;

    /** Counts its key's records in the store; each record also puts and deletes a key of its own, and one fails once. */
    private static final class Counter implements Processor<String, Long, String, Long> {
        private final AtomicBoolean failOnce;
        private ProcessorContext<String, Long> context;
        private KeyValueStore<String, Long> counts;

        Counter(AtomicBoolean failOnce) {
            this.failOnce = failOnce;
        }

        @Override
        public void init(ProcessorContext<String, Long> context) {
            this.context = context;
            this.counts = context.getStateStore("counts");
        }

        @Override
        public void process(Record<String, Long> record) {
            Long before = counts.get(record.key());
            long count = before == null ? 1 : before + 1;
            counts.put(record.key(), count);
            counts.put("transient-" + record.value(), record.value());
            counts.delete("transient-" + record.value());
            if (record.value() == RECORDS * 2 / 3 && failOnce.compareAndSet(true, false)) {
                throw new IllegalStateException("a failure mid-transaction (expected by the test)");
            }
            context.forward(record.withValue(count));
        }
    }

    @Test
    void aKeyWrittenOnEveryRecordIsLoggedPerCommitATransientOneNeverAndAFailedThreadResumesFromTheChangelog(@TempDir Path dir)
            throws Exception {
        String in = KafkaFixture.topic("commit-time-in", 1, Map.of());
        String out = KafkaFixture.topic("commit-time-out", 1, Map.of());
        String appId = "commit-time-" + UUID.randomUUID();
        AtomicBoolean failOnce = new AtomicBoolean(true);
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.Long().deserializer(), in);
        topology.addProcessor("count", () -> new Counter(failOnce), "in");
        topology.addStateStore(CommitTimeStore.builder("counts", Serdes.Long()), "count");
        topology.addSink("out", out, Serdes.String().serializer(), Serdes.Long().serializer(), "count");

        try (KafkaProducer<String, Long> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringSerializer(), new LongSerializer())) {
            for (long i = 1; i <= RECORDS; i++) producer.send(new ProducerRecord<>(in, "a", i));
        }
        List<Long> counts;
        try (KafkaStreams streams = new KafkaStreams(topology, props(appId, dir))) {
            streams.setUncaughtExceptionHandler(e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
            streams.start();
            counts = values(read(out, RECORDS, Duration.ofSeconds(60)));
            streams.close(Duration.ofSeconds(30));
        }
        assertThat(failOnce).as("the failure happened").isFalse();
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= RECORDS; i++) expected.add(i);
        assertThat(counts).as("every count once, in order, across the replaced thread").isEqualTo(expected);

        List<ConsumerRecord<String, Long>> changelog = read(appId + "-counts-changelog", 1, Duration.ofSeconds(30));
        assertThat(changelog).as("no transient key, not even its tombstone").noneMatch(r -> r.key().startsWith("transient-"));
        List<Long> logged = values(changelog.stream().filter(r -> r.key().equals("a")).toList());
        assertThat(logged.getLast()).isEqualTo(RECORDS);
        assertThat(logged.size()).as("about one record per commit, not one per input record").isLessThan(RECORDS / 2);
    }

    private static Properties props(String appId, Path dir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap());
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 7); // a few records per commit, as frames
        return p;
    }

    /** At least {@code atLeast} committed records of {@code topic} (all of them, once that many have come). */
    private static List<ConsumerRecord<String, Long>> read(String topic, int atLeast, Duration within) {
        List<ConsumerRecord<String, Long>> records = new ArrayList<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID()), new StringDeserializer(), new LongDeserializer())) {
            consumer.subscribe(List.of(topic));
            long until = System.nanoTime() + within.toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < until && (records.size() < atLeast || emptyPolls < 3)) {
                var batch = consumer.poll(Duration.ofMillis(500));
                batch.forEach(records::add);
                emptyPolls = batch.isEmpty() ? emptyPolls + 1 : 0;
            }
        }
        return records;
    }

    private static List<Long> values(List<ConsumerRecord<String, Long>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
