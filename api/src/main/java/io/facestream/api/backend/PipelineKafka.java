package io.facestream.api.backend;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import java.util.Map;
import java.util.TreeMap;

/**
 * The pipeline's own Kafka clients, as their metrics tell: whether they hold a connection to the cluster
 * now, and how far its consumers are behind, per topic. Read from the clients rather than asked of the
 * broker, so a status request never waits on an unreachable cluster.
 */
public final class PipelineKafka {
    private PipelineKafka() {
    }

    /** True while any of the pipeline's consumers holds an open connection to a broker. */
    public static boolean connected(KafkaStreams streams) {
        double connections = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("connection-count") && name.group().equals("consumer-metrics")) {
                connections += number(e.getValue());
            }
        }
        return connections > 0;
    }

    /**
     * Records the pipeline's consumers have yet to read, summed per topic over the partitions this instance
     * consumes (its main and global consumers; restoring a store is not lag). Empty before the first fetch.
     */
    public static Map<String, Long> lagByTopic(KafkaStreams streams) {
        Map<String, Long> lag = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            String topic = name.tags().get("topic");
            String client = name.tags().getOrDefault("client-id", "");
            if (!name.name().equals("records-lag") || !name.group().equals("consumer-fetch-manager-metrics")
                    || topic == null || !name.tags().containsKey("partition") || client.endsWith("-restore-consumer")) {
                continue;
            }
            double value = number(e.getValue());
            if (value >= 0) lag.merge(topic, (long) value, Long::sum);
        }
        return lag;
    }

    private static double number(Metric metric) {
        return metric.metricValue() instanceof Number n && !Double.isNaN(n.doubleValue()) ? n.doubleValue() : 0;
    }
}
