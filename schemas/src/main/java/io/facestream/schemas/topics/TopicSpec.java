package io.facestream.schemas.topics;

import java.util.Map;

/**
 * One topic of the catalogue.
 *
 * @param configs topic-level settings (cleanup.policy, retention.ms, max.message.bytes, ...)
 * @param purpose what the topic carries and why it is set up this way
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs, String purpose) {
    public TopicSpec {
        configs = Map.copyOf(configs);
    }

    public boolean compacted() {
        return configs.getOrDefault("cleanup.policy", "delete").contains("compact");
    }
}
