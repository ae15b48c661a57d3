package io.facestream.schemas.topics;

import io.facestream.testkit.SharedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicProvisionerTest {

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()));
    }

    @Test
    void createsTheCatalogueWithItsSettingsAndIsIdempotent() throws Exception {
        List<TopicSpec> catalog = Topics.catalog(3, (short) 1);
        try (Admin admin = admin()) {
            TopicProvisioner.ensure(admin, catalog);
            assertThat(TopicProvisioner.ensure(admin, catalog)).as("second run creates nothing").isEmpty();
            for (TopicSpec spec : catalog) {
                assertThat(admin.describeTopics(Set.of(spec.name())).allTopicNames().get().get(spec.name()).partitions())
                        .as(spec.name()).hasSize(spec.partitions());
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, spec.name())))
                        .all().get().values().iterator().next();
                spec.configs().forEach((k, v) -> assertThat(config.get(k).value()).as(spec.name() + " " + k).isEqualTo(v));
            }
        }
        TopicSpec frames = catalog.stream().filter(t -> t.name().equals(Topics.FRAMES)).findFirst().orElseThrow();
        assertThat(frames.configs()).containsEntry("retention.ms", "3600000").containsEntry("compression.type", "uncompressed");
        assertThat(catalog.stream().filter(TopicSpec::compacted).map(TopicSpec::name))
                .contains(Topics.CAMERAS, Topics.PEOPLE, Topics.FILES, Topics.SCHEMAS, Topics.HEARTBEATS);
    }

    @Test
    void anExistingTopicThatDisagreesIsAClearError() throws Exception {
        String name = "conflict-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")))).all().get();
            List<TopicSpec> wanted = List.of(new TopicSpec(name, 4, (short) 1, Map.of("cleanup.policy", "compact"), "test"));
            assertThatThrownBy(() -> TopicProvisioner.ensure(admin, wanted))
                    .isInstanceOf(TopicProvisioner.TopicConflictException.class)
                    .hasMessageContaining(name + ": partitions expected 4, actual 1")
                    .hasMessageContaining(name + ": cleanup.policy expected compact, actual delete");
        }
    }
}
