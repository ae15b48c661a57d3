package io.facestream.topologies.views;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.testkit.SharedKafka;
import io.facestream.topologies.catalog.CatalogViews;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views in a real Kafka Streams instance (exactly-once) on the shared broker, with the
 * catalogue's topics at three partitions per stream: Streams must accept the joins'
 * partitioning, and {@link ViewQueries#over} must answer from the running instance.
 */
class CatalogViewsKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path stateDir;

    @Test
    void aRunningInstanceAnswersTheQueries() throws Exception {
        String bootstrap = SharedKafka.bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicProvisioner.ensure(admin, Topics.catalog(3, (short) 1));
        }
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(ViewsKafka.registryUrl()));
        StreamsBuilder builder = new StreamsBuilder();
        // the alerts topic stands for both inputs here: POI alerts as raised, and identity resolution's unknown-face candidates
        org.apache.kafka.streams.kstream.KStream<String, PoiAlert> raised = builder.stream(Topics.POI_ALERTS,
                org.apache.kafka.streams.kstream.Consumed.with(org.apache.kafka.common.serialization.Serdes.String(), serdes.of(PoiAlert.class)));
        CatalogViews.addTo(builder, serdes, raised.filter((k, a) -> a.getKind() == io.facestream.schemas.avro.AlertKind.POI),
                raised.filter((k, a) -> a.getKind() == io.facestream.schemas.avro.AlertKind.UNKNOWN));
        Properties props = new Properties();
        String appId = "catalog-views-it-" + UUID.randomUUID();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

        Instant now = Instant.now();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                     new StringSerializer(), new ByteArraySerializer())) {
            streams.start();
            send(producer, Topics.CAMERAS, "cam-a", serdes.of(Camera.class), Camera.newBuilder().setCameraId("cam-a")
                    .setName("Entrance").setUrl("rtsp://cam-a/stream").setEnabled(true).setCreatedAt(now).setUpdatedAt(now).build());
            send(producer, Topics.HEARTBEATS, "cam-a", serdes.of(Heartbeat.class), Heartbeat.newBuilder().setCameraId("cam-a")
                    .setWorker("it").setStatus(WorkerState.ONLINE).setMeasuredFps(7).setTimestamp(now).build());
            send(producer, Topics.FILES, "f1", serdes.of(VideoFile.class), VideoFile.newBuilder().setFileId("f1").setName("f1.mp4")
                    .setPath("/v/f1.mp4").setFps(25).setDurationMs(1000).setFrameCount(25).setWidth(640).setHeight(480)
                    .setBaseTime(now).setStatus(FileStatus.PROCESSING).setProgress(0.5f).setFramesProcessed(10)
                    .setFacesDetected(3).setRegisteredAt(now).setUpdatedAt(now).build());
            for (int faces : new int[]{2, 3}) {
                send(producer, Topics.SIGHTINGS, "id-1", serdes.of(Sighting.class), Sighting.newBuilder().setSightingId("trk-1")
                        .setTrackId("trk-1").setSourceId("f1").setSourceKind(SourceKind.FILE).setFileId("f1").setIdentityId("id-1")
                        .setMatchKind(MatchKind.IDENTITY).setSimilarity(0.9f).setEntryTime(now).setExitTime(now.plusSeconds(faces))
                        .setEntryFrame(0).setExitFrame(faces).setBestFaceId("f1:0:0").setFaceCount(faces).setFinal$(faces == 3).build());
            }
            for (String poi : List.of("poi-1", "poi-2", "poi-1")) {
                send(producer, Topics.POI_ALERTS, poi, serdes.of(PoiAlert.class), PoiAlert.newBuilder()
                        .setAlertId(poi + ":" + UUID.randomUUID()).setPoiId(poi).setPoiName(poi).setSeverity(Severity.LOW)
                        .setEnrolledAt(now).setPreviousMatchCount(0).setCameraId("cam-a").setSourceId("cam-a").setTrackId("t")
                        .setTimestamp(now).setConfidence(1f).setSimilarity(1f).setBbox(new BoundingBox(0f, 0f, 1f, 1f))
                        .setFrameNumber(1).build());
            }
            producer.flush();

            ViewQueries queries = ViewQueries.over(streams, ViewQueries.DEFAULT_STALENESS);
            await(() -> queries.alertCount() == 3 && queries.file("f1").map(f -> f.summary().faces() == 3).orElse(false)
                    && queries.camera("cam-a").isPresent());
            assertThat(queries.camera("cam-a").orElseThrow().status()).isEqualTo(WorkerState.ONLINE);
            assertThat(queries.file("f1").orElseThrow().summary().sightings()).isEqualTo(1);
            assertThat(queries.alertCount("poi-1")).isEqualTo(2);
            assertThat(queries.recentAlerts(2)).hasSize(2);
            // Dedup by sighting keeps the sightings' spread; the join with the one-partition files topic
            // makes Streams give the by-file repartition topic one partition, as do the alerts by design.
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Map<String, Integer> partitions = new TreeMap<>();
                admin.describeTopics(List.of(appId + "-catalog-sightings-by-id-repartition", appId + "-catalog-sightings-by-file-repartition",
                                appId + "-catalog-alerts-single-repartition")).allTopicNames().get()
                        .forEach((name, d) -> partitions.put(name.substring(appId.length() + 1), d.partitions().size()));
                assertThat(partitions).isEqualTo(Map.of("catalog-sightings-by-id-repartition", 3,
                        "catalog-sightings-by-file-repartition", 1, "catalog-alerts-single-repartition", 1));
            }

            ProducerRecord<String, Long> clear = Views.clearAlerts(now);
            try (KafkaProducer<String, Long> clears = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(), new LongSerializer())) {
                clears.send(clear).get();
            }
            await(() -> queries.alertCount() == 0);
            assertThat(queries.recentAlerts(50)).isEmpty();
        }
    }

    private static <T> void send(KafkaProducer<String, byte[]> producer, String topic, String key, Serde<T> serde, T value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, serde.serializer().serialize(topic, value))).get();
    }

    /** Polls until the condition holds; stores are not queryable while the instance starts or rebalances. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (InvalidStateStoreException notYet) {
                // Starting or rebalancing: ask again.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("views did not reach the expected state within " + WAIT);
    }
}
