package io.facestream.testkit;

import io.facestream.kafka.ClusterNode;
import io.facestream.kafka.EmbeddedKafkaBroker;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A KRaft cluster of several nodes (each broker and controller), each its own process from this JVM's class
 * path, so that a test can kill one as a machine dies ({@link #kill}): no controlled shutdown, no goodbye.
 * Internal topics are replicated three times with two in sync ({@link EmbeddedKafkaBroker#startClusterNode}).
 */
public final class KafkaCluster implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private final List<Process> nodes;
    private final List<Integer> ports;

    private KafkaCluster(List<Process> nodes, List<Integer> ports) {
        this.nodes = nodes;
        this.ports = ports;
    }

    /** Starts {@code size} nodes under {@code dir} on free ports and returns once every one answers. */
    public static KafkaCluster start(int size, Path dir) throws IOException, InterruptedException {
        return start(size, dir, Map.of());
    }

    /** {@link #start(int, Path)} with broker settings of the caller's on every node ({@code broker.session.timeout.ms}, say). */
    public static KafkaCluster start(int size, Path dir, Map<String, String> brokerSettings) throws IOException, InterruptedException {
        List<Integer> ports = new ArrayList<>(), controllers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(EmbeddedKafkaBroker.freePort(HOST));
            controllers.add(EmbeddedKafkaBroker.freePort(HOST));
        }
        String voters = IntStream.range(0, size).mapToObj(i -> (i + 1) + "@" + HOST + ":" + controllers.get(i)).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Path data = Files.createDirectories(dir.resolve("node-" + (i + 1)));
            List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"), ClusterNode.class.getName(),
                    data.toString(), String.valueOf(i + 1), HOST, String.valueOf(ports.get(i)), String.valueOf(controllers.get(i)), voters, clusterId));
            brokerSettings.forEach((key, value) -> command.add(key + "=" + value));
            nodes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(data.resolve("node.log").toFile()).start());
        }
        KafkaCluster cluster = new KafkaCluster(nodes, ports);
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        for (int i = 0; i < size; i++) {
            Path log = dir.resolve("node-" + (i + 1)).resolve("node.log");
            while (!Files.readString(log).contains("NODE READY")) {
                if (!nodes.get(i).isAlive() || System.nanoTime() > deadline) {
                    cluster.close();
                    throw new IllegalStateException("Kafka node " + (i + 1) + " did not start; its log:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
        return cluster;
    }

    /** Every node's host:port, for bootstrap.servers. */
    public String bootstrapServers() {
        return ports.stream().map(p -> HOST + ":" + p).collect(Collectors.joining(","));
    }

    /** The client port of node {@code nodeId} (1-based, as Kafka numbers them). */
    public int port(int nodeId) {
        return ports.get(nodeId - 1);
    }

    /** Kills node {@code nodeId} (SIGKILL) and waits until its process is gone. */
    public void kill(int nodeId) throws InterruptedException {
        nodes.get(nodeId - 1).destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : nodes) p.destroyForcibly();
        for (Process p : nodes) p.waitFor();
    }
}
