package io.facestream.topologies;

import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A record the pipeline cannot use goes to the dead-letter topic and the records after it are still applied. */
class PipelineDeadLetterTest {

    @Test
    void anUndecodableCommandIsSetAsideAndTheNextCommandApplies(@TempDir Path dir) throws Exception {
        PipelineFixture.ensureTopics();
        String poisonKey = "poison-" + UUID.randomUUID();
        String identityId = "dlq-" + UUID.randomUUID();
        try (FaceAnalyzer analyzer = FaceAnalyzer.create();
             EmbeddedVectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), PipelineSettings.defaults(analyzer.thresholds()),
                     PipelineFixture.serdes(), new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                // magic byte 0 and a schema id no registry has: the Confluent wire format, but nothing behind it
                raw.send(new ProducerRecord<>(Topics.IDENTITY_COMMANDS, bytes(poisonKey), new byte[]{0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3})).get();
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            PipelineFixture.produce(Topics.IDENTITY_COMMANDS, identityId, IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString())
                    .setIdentityId(identityId).setType(IdentityCommandType.UPSERT).setName("After the poison").setMetadata(Map.of())
                    .setOtherIdentityIds(List.of()).setFaceIds(List.of()).setSightingIds(List.of()).setIssuedAt(now).build(), IdentityCommand.class);

            ReadOnlyKeyValueStore<String, Identity> identities = PipelineEndToEndTest.store(pipeline, Views.IDENTITIES.name());
            PipelineEndToEndTest.awaitTrue(() -> identities.get(identityId) != null, "the command after the poison applies");
            assertThat(identities.get(identityId).getName()).isEqualTo("After the poison");

            ConsumerRecord<byte[], byte[]> letter = deadLetter(poisonKey, Duration.ofSeconds(30));
            assertThat(letter).as("the poison record on " + Topics.DEAD_LETTERS).isNotNull();
            assertThat(header(letter.headers(), "__streams.errors.topic")).isEqualTo(Topics.IDENTITY_COMMANDS);
            assertThat(header(letter.headers(), "__streams.errors.exception")).isNotBlank();
            assertThat(letter.value()).containsExactly(0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3);
        }
    }

    /** A global store's input (the people topic feeds every instance's gallery) is read by a thread that cannot send dead letters. */
    @Test
    void anUndecodablePersonIsSkippedAndTheGalleryKeepsFilling(@TempDir Path dir) throws Exception {
        PipelineFixture.ensureTopics();
        String poisonKey = "poison-person-" + UUID.randomUUID();
        try (FaceAnalyzer analyzer = FaceAnalyzer.create();
             EmbeddedVectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
             Pipeline pipeline = Pipeline.start(PipelineFixture.settings(dir.resolve("streams")), PipelineSettings.defaults(analyzer.thresholds()),
                     PipelineFixture.serdes(), new AnalyzerEmbedder(analyzer), vectors)) {
            pipeline.awaitRunning(Duration.ofSeconds(60));
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(Topics.PEOPLE, bytes(poisonKey), new byte[]{0, 0x7f, 0x7f, 0x7f, 0x7e, 9})).get();
            }
            io.facestream.schemas.avro.Person person = PipelineFixture.poi(analyzer, "After the poison", new float[512]);
            PipelineFixture.produce(Topics.PEOPLE, person.getPersonId(), person, io.facestream.schemas.avro.Person.class);
            try {
                PipelineEndToEndTest.awaitTrue(() -> pipeline.gallery().person(person.getPersonId()).isPresent(), "the person after the poison");
                assertThat(pipeline.streams().state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
            } finally {
                PipelineFixture.forget(person);
            }
        }
    }

    @Test
    void aFailureThatMayPassIsRetriedAndAnyOtherIsSetAside() {
        SkipPoisonRecords handler = new SkipPoisonRecords();
        handler.configure(Map.of("errors.dead.letter.queue.topic.name", Topics.DEAD_LETTERS));
        Record<String, String> record = new Record<>("k", "v", 0L);

        Response io = handler.handleError(context(), record, new IllegalStateException("write failed", new UncheckedIOException(new IOException("disk"))));
        assertThat(io.result()).isEqualTo(Result.FAIL);
        assertThat(io.deadLetterQueueRecords()).isEmpty();
        assertThat(handler.handleError(context(), record, new org.apache.kafka.common.errors.TimeoutException("broker")).result()).isEqualTo(Result.FAIL);

        Response bug = handler.handleError(context(), record, new NullPointerException("no target"));
        assertThat(bug.result()).isEqualTo(Result.RESUME);
        assertThat(bug.deadLetterQueueRecords()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.DEAD_LETTERS);
            assertThat(r.value()).isEqualTo(bytes("raw value"));
            assertThat(header(r.headers(), "__streams.errors.offset")).isEqualTo("42");
        });
    }

    private static ErrorHandlerContext context() {
        return new ErrorHandlerContext() {
            public String topic() { return Topics.IDENTITY_COMMANDS; }
            public int partition() { return 0; }
            public long offset() { return 42; }
            public Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return "identity-resolution"; }
            public TaskId taskId() { return new TaskId(0, 0); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return bytes("raw key"); }
            public byte[] sourceRawValue() { return bytes("raw value"); }
        };
    }

    private static ConsumerRecord<byte[], byte[]> deadLetter(String key, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "dead-letters-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTERS));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) return r;
                }
            }
            return null;
        }
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
