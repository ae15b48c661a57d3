package io.facestream.ingest.testing;

import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.TopicSpec;
import io.facestream.schemas.topics.Topics;
import io.facestream.testkit.SharedKafka;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The shared broker plus one embedded registry for this test JVM, and fresh topics per test. */
public final class KafkaFixture {
    private static EmbeddedSchemaRegistry registry;

    public static synchronized String registryUrl() throws Exception {
        if (registry == null) {
            String store = topic("schemas", 1, Map.of("cleanup.policy", "compact"));
            registry = EmbeddedSchemaRegistry.start(SharedKafka.bootstrapServers(), store, "localhost", 0);
            Runtime.getRuntime().addShutdownHook(new Thread(registry::close));
        }
        return registry.url();
    }

    public static String bootstrap() {
        return SharedKafka.bootstrapServers();
    }

    /** A new topic with a unique name starting with {@code prefix}. */
    public static String topic(String prefix, int partitions, Map<String, String> configs) throws Exception {
        String name = prefix + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        }
        return name;
    }

    /** Creates the product's topic catalogue (2 partitions each) where it does not exist yet. */
    public static void ensureCatalogue() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            TopicProvisioner.ensure(admin, Topics.catalog(2, (short) 1));
        }
    }

    /**
     * Commits a new application's offsets at the current end of every catalogue topic. The topics are shared by
     * the whole test JVM, and a fresh application would otherwise first work through every earlier test's crops
     * (alerting on them for this test's POIs while this test counts its alerts). Global stores (people) ignore
     * group offsets and still read from the start.
     */
    public static void startAtTheEnd(String applicationId) throws Exception {
        ensureCatalogue();
        List<String> topics = Topics.catalog(2, (short) 1).stream().map(TopicSpec::name).toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().values().forEach(topic -> topic.partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, end) -> ends.put(tp, new OffsetAndMetadata(end.offset())));
            admin.alterConsumerGroupOffsets(applicationId, ends).all().get();
        }
    }

    public static <T extends SpecificRecord> AvroSerde<T> serde(Class<T> type) throws Exception {
        return AvroSerde.forValues(new RestSchemaRegistryClient(registryUrl()), type);
    }

    private KafkaFixture() {
    }
}
