package io.facestream.topologies.views;

import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.testkit.SharedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The shared test broker with one embedded schema registry for this test JVM, on a fresh
 * compacted store topic, so the views' serdes register and resolve real schemas.
 */
final class ViewsKafka {
    private static EmbeddedSchemaRegistry registry;

    private ViewsKafka() {
    }

    static synchronized String registryUrl() throws Exception {
        if (registry == null) {
            String bootstrap = SharedKafka.bootstrapServers();
            String store = "views-schemas-" + UUID.randomUUID();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(store, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
            }
            registry = EmbeddedSchemaRegistry.start(bootstrap, store, "localhost", 0);
            Runtime.getRuntime().addShutdownHook(new Thread(registry::close, "views-registry-stop"));
        }
        return registry.url();
    }
}
