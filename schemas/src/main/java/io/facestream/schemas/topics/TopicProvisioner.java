package io.facestream.schemas.topics;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Creates the catalogue's topics that are missing and checks the ones that exist. An
 * existing topic with fewer partitions, or a different cleanup policy, retention or size
 * limit, is a conflict: it is reported with topic, setting, expected and actual values,
 * never silently changed (changing partitions would move keys between tasks).
 */
public final class TopicProvisioner {

    /** Existing topics that disagree with the catalogue. */
    public static final class TopicConflictException extends IllegalStateException {
        public TopicConflictException(List<String> conflicts) {
            super("existing topics conflict with the catalogue: " + String.join("; ", conflicts));
        }
    }

    private TopicProvisioner() {
    }

    /** @return the names of the topics it created */
    public static List<String> ensure(Admin admin, Collection<TopicSpec> catalog) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = catalog.stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), t.replicationFactor()).configs(t.configs()))
                    .toList();
            List<String> created = new ArrayList<>();
            for (var result : admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get();
                    created.add(result.getKey());
                } catch (ExecutionException e) {
                    // Another instance created it meanwhile: checked below like any existing topic.
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
            check(admin, catalog.stream().filter(t -> !created.contains(t.name())).toList());
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or check the topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private static void check(Admin admin, List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        // A topic created a moment ago (by another instance or a test) may not be in every broker's metadata yet.
        for (int attempt = 1; ; attempt++) {
            try {
                checkOnce(admin, specs);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt == 50) throw e;
                Thread.sleep(100);
            }
        }
    }

    private static void checkOnce(Admin admin, List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        if (specs.isEmpty()) return;
        Set<String> names = specs.stream().map(TopicSpec::name).collect(Collectors.toSet());
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
        List<String> conflicts = new ArrayList<>();
        for (TopicSpec spec : specs) {
            int partitions = descriptions.get(spec.name()).partitions().size();
            if (partitions < spec.partitions())
                conflicts.add(spec.name() + ": partitions expected " + spec.partitions() + ", actual " + partitions);
            Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            spec.configs().forEach((key, expected) -> {
                ConfigEntry entry = actual.get(key);
                String value = entry == null ? null : entry.value();
                if (!normalise(expected).equals(normalise(value)))
                    conflicts.add(spec.name() + ": " + key + " expected " + expected + ", actual " + value);
            });
        }
        if (!conflicts.isEmpty()) throw new TopicConflictException(conflicts);
    }

    /** "compact,delete" and "delete,compact" are the same policy. */
    private static String normalise(String value) {
        if (value == null) return "";
        return java.util.Arrays.stream(value.split(",")).map(String::strip).sorted().collect(Collectors.joining(","));
    }
}
