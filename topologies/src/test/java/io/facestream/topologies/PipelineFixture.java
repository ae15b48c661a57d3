package io.facestream.topologies;

import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import javax.imageio.ImageIO;

/** The shared broker and registry, the topic catalogue, and helpers to enrol people and read topics. */
final class PipelineFixture {

    static AvroSerdes serdes() throws Exception {
        return new AvroSerdes(new RestSchemaRegistryClient(KafkaFixture.registryUrl()));
    }

    static void ensureTopics() throws Exception {
        KafkaFixture.ensureCatalogue();
    }

    /** A new application, starting at the end of the shared topics (see {@link KafkaFixture#startAtTheEnd}). */
    static Pipeline.Settings settings(Path stateDir) throws Exception {
        String applicationId = "test-" + UUID.randomUUID();
        KafkaFixture.startAtTheEnd(applicationId);
        return new Pipeline.Settings(KafkaFixture.bootstrap(), applicationId, stateDir, 1, Duration.ofMillis(50), (short) 1, null);
    }

    static float[] embeddingOf(FaceAnalyzer analyzer, BufferedImage image) throws Exception {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", jpeg);
        DetectedFace face = analyzer.analyze(jpeg.toByteArray()).stream()
                .max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow();
        return analyzer.embed(face.aligned());
    }

    /** A POI enrolled from one face, as the API will enrol them: a person record with a watch list entry. */
    static Person poi(FaceAnalyzer analyzer, String name, float[] embedding) {
        Instant now = Instant.now();
        List<Float> values = new ArrayList<>();
        for (float v : embedding) values.add(v);
        String id = "poi-" + UUID.randomUUID();
        return Person.newBuilder().setPersonId(id).setName(name).setMetadata(Map.of())
                .setWatchlist(new Watchlist(Severity.HIGH, WatchlistStatus.ACTIVE, "seen near the loading bay", now))
                .setFaces(List.of(new ReferenceFace(id + ":0", null, values, analyzer.config().catalog().model(Role.EMBEDDER).id(), 1f, now)))
                .setCreatedAt(now).setUpdatedAt(now).build();
    }

    static <T extends SpecificRecord> void produce(String topic, String key, T value, Class<T> type) throws Exception {
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringSerializer(), serdes().of(type).serializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** A tombstone: the person leaves the gallery of every pipeline (other tests in this JVM included). */
    static void forget(Person person) throws Exception {
        try (KafkaProducer<String, Person> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap()),
                new StringSerializer(), serdes().of(Person.class).serializer())) {
            producer.send(new ProducerRecord<>(Topics.PEOPLE, person.getPersonId(), null)).get();
        }
    }

    /**
     * Committed records of a topic that match, read until {@code count} arrived or the timeout passed, then
     * for one more second, so that a duplicate shows up as one record too many.
     */
    static <T extends SpecificRecord> List<T> read(String topic, Class<T> type, Predicate<T> which, int count, Duration timeout) throws Exception {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), serdes().of(type).deserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                poll(consumer, which, out);
            }
            long settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < settle) {
                poll(consumer, which, out);
            }
        }
        return out;
    }

    /** Other tests of this JVM write these topics under other registries: their records are skipped. */
    private static <T> void poll(KafkaConsumer<String, T> consumer, Predicate<T> which, List<T> out) {
        try {
            for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() != null && which.test(r.value())) out.add(r.value());
            }
        } catch (RecordDeserializationException e) {
            consumer.seek(e.topicPartition(), e.offset() + 1);
        }
    }

    private PipelineFixture() {
    }
}
