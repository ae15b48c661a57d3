package io.facestream.app.bench;

import io.facestream.app.config.ConfigKey;
import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.Pipeline;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.vectors.EmbeddedVectorStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * A benchmark's own cluster: an embedded broker with the topic catalogue, a registry, a vector store, a person enrolled,
 * and (unless the settings are null) the pipeline; ingest replays into it. Closed after the variant it served, so no
 * variant reads another's records.
 */
final class BenchCluster implements AutoCloseable {
    final EmbeddedKafkaBroker broker;
    final EmbeddedSchemaRegistry registry;
    final EmbeddedVectorStore vectors;
    final Pipeline pipeline;
    final AvroSerdes serdes;
    final Person poi;
    private final Path blobs;
    private final FaceAnalyzer analyzer;
    private final double sampleFps;

    BenchCluster(Path dir, Path blobs, FaceAnalyzer analyzer, Person poi, PipelineSettings settings, double sampleFps) throws Exception {
        this.blobs = blobs;
        this.analyzer = analyzer;
        this.sampleFps = sampleFps;
        this.poi = poi;
        broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(dir.resolve("kafka"), "localhost", 0, 0, Map.of()));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, Topics.catalog(Integer.parseInt(ConfigKey.TOPICS_PARTITIONS.defaultValue()), (short) 1));
        }
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers(), Topics.SCHEMAS, "localhost", 0);
        serdes = new AvroSerdes(new RestSchemaRegistryClient(registry.url()));
        // the product's own store settings (its default keys), so the bench's indexing and merges are the product's
        vectors = new EmbeddedVectorStore(io.facestream.app.Standalone.embeddedVectors(
                io.facestream.app.config.Config.load(null, Map.of(), Map.of()), dir.resolve("vectors")));
        try (KafkaProducer<String, Person> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), serdes.of(Person.class).serializer())) {
            producer.send(new ProducerRecord<>(Topics.PEOPLE, poi.getPersonId(), poi)).get();
        }
        if (settings == null) {
            pipeline = null;
            return;
        }
        // The product's own defaults, so the bench measures what a standalone runs.
        pipeline = Pipeline.start(new Pipeline.Settings(broker.bootstrapServers(), "bench", dir.resolve("streams"),
                Integer.parseInt(ConfigKey.TOPOLOGIES_THREADS.defaultValue()),
                Duration.ofMillis(Long.parseLong(ConfigKey.TOPOLOGIES_COMMIT_INTERVAL_MS.defaultValue())), (short) 1, null),
                settings, serdes, new AnalyzerEmbedder(analyzer), vectors);
        pipeline.awaitRunning(Duration.ofSeconds(120));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pipeline.gallery().person(poi.getPersonId()).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
    }

    IngestPublisher publisher() {
        return new IngestPublisher(broker.bootstrapServers(), new RestSchemaRegistryClient(registry.url()), "bench");
    }

    /** A replayer as the replay command has one, publishing through {@code publisher}. */
    Replayer replayer(IngestPublisher publisher) throws java.io.IOException {
        FileBlobStore store = new FileBlobStore(blobs, new FileBlobStore.Policy(Map.of(), 0));
        return new Replayer(publisher, new FrameProcessor(analyzer, new Semaphore(2), publisher, store, 320));
    }

    Replayer.Result replay(Path video, String fileId, ReplaySpeed speed, Instant base) throws Exception {
        try (IngestPublisher publisher = publisher()) {
            return replayer(publisher).replay(new Replayer.Request(video, fileId, "bench-cam", speed, sampleFps, null, base, 1), (a, b, c) -> { });
        }
    }

    <T extends org.apache.avro.specific.SpecificRecord> KafkaConsumer<String, T> consumer(String topic, Class<T> type) {
        KafkaConsumer<String, T> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                // an alert consumer that wants alerts at once does not let the broker hold its fetch
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10), new StringDeserializer(), serdes.of(type).deserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    @Override
    public void close() {
        if (pipeline != null) pipeline.close();
        vectors.close();
        registry.close();
        broker.close();
    }
}
