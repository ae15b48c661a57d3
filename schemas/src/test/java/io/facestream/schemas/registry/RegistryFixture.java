package io.facestream.schemas.registry;

import io.facestream.testkit.SharedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A registry store topic of its own per test, on the shared broker, so tests never see each other's schemas. */
public final class RegistryFixture {

    public static String freshStoreTopic() throws Exception {
        String topic = "test-schemas-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        return topic;
    }

    public static EmbeddedSchemaRegistry start(String storeTopic) {
        return EmbeddedSchemaRegistry.start(SharedKafka.bootstrapServers(), storeTopic, "localhost", 0);
    }

    private RegistryFixture() {
    }
}
