package io.facestream.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka (KRaft, combined broker and controller) inside this JVM, built
 * from the Apache Kafka server artifacts. Its log and metadata live under one data
 * directory, formatted on first start and reused afterwards, so a restart finds its
 * topics and records again.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    /** Internal topics of a cluster node: as durable as the product's topics there (min.insync.replicas 2 of 3). */
    private static final int CLUSTER_REPLICATION = 3;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    /**
     * @param dataDir        where the broker keeps its log and metadata (created if missing)
     * @param host           the interface to listen on and advertise
     * @param port           the client port; 0 picks a free one
     * @param controllerPort the KRaft controller port; 0 picks a free one
     * @param overrides      broker properties that replace the defaults below
     */
    public record Settings(Path dataDir, String host, int port, int controllerPort, Map<String, String> overrides) {
        public Settings {
            overrides = Map.copyOf(overrides);
        }

        public static Settings of(Path dataDir, int port) {
            return new Settings(dataDir, "localhost", port, 0, Map.of());
        }
    }

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDir;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Path logDir) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
    }

    /** Starts the broker and returns once a client can reach it. */
    public static EmbeddedKafkaBroker start(Settings settings) {
        int port = settings.port() == 0 ? freePort(settings.host()) : settings.port();
        int controllerPort = settings.controllerPort() == 0 ? freePort(settings.host()) : settings.controllerPort();
        return start(settings, NODE_ID, NODE_ID + "@" + settings.host() + ":" + controllerPort, null, port, controllerPort, 1);
    }

    /**
     * Starts one node (broker and controller) of a cluster of several: {@code voters} lists every node's
     * controller as {@code id@host:port}, {@code clusterId} is the same on each, and the internal topics are
     * replicated three times (a cluster of three keeps working, and loses nothing, when one node dies).
     */
    public static EmbeddedKafkaBroker startClusterNode(Settings settings, int nodeId, String voters, String clusterId) {
        return start(settings, nodeId, voters, clusterId, settings.port(), settings.controllerPort(), CLUSTER_REPLICATION);
    }

    private static EmbeddedKafkaBroker start(Settings settings, int nodeId, String voters, String clusterId, int port, int controllerPort,
                                             int replication) {
        Path logDir = settings.dataDir().toAbsolutePath().resolve("kafka");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka data directory " + logDir, e);
        }
        String bootstrap = settings.host() + ":" + port;

        Properties props = brokerProperties(nodeId, voters, settings.host(), port, controllerPort, logDir, replication);
        props.putAll(settings.overrides());
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        format(config, logDir, nodeId, clusterId != null ? clusterId : Uuid.randomUuid().toString());

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            server.shutdown();
            throw new IllegalStateException("the embedded Kafka broker did not start on " + bootstrap
                    + " (is the port in use, or the data directory " + logDir + " held by another process?): "
                    + e.getMessage(), e);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, bootstrap, logDir);
        broker.awaitReady(Duration.ofSeconds(replication > 1 ? 120 : 30));
        log.info("embedded Kafka broker {} ready at {} (data {})", nodeId, bootstrap, logDir);
        return broker;
    }

    private static Properties brokerProperties(int nodeId, String voters, String host, int port, int controllerPort, Path logDir, int replication) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // One node: every internal topic has exactly one replica. A cluster: three, two in sync to write.
        String rf = String.valueOf(replication), minIsr = String.valueOf(Math.min(2, replication));
        p.put("offsets.topic.replication.factor", rf);
        p.put("offsets.topic.num.partitions", "8");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "8");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("min.insync.replicas", minIsr);
        p.put("default.replication.factor", rf);
        // Topics come from the catalogue (and Kafka Streams' own internal topics), never from a typo.
        p.put("auto.create.topics.enable", "false");
        // No point waiting for other members to join on a one-process deployment.
        p.put("group.initial.rebalance.delay.ms", "0");
        // Kafka's 8 request handlers and 3 network threads are sized for a dedicated broker; in-process they share the
        // product's cores, and each wakes every 300 ms with nothing to do (36 wake-ups a second on an idle product).
        int cores = Runtime.getRuntime().availableProcessors();
        p.put("num.io.threads", String.valueOf(Math.min(8, Math.max(2, cores))));
        p.put("num.network.threads", String.valueOf(Math.min(3, Math.max(1, cores / 2))));
        if (replication == 1) {
            // A lone node relaxes the periodic work meant for other nodes, which an idle product would pay for:
            // the controller's no-op metadata record (every 500 ms; it shows other nodes the leader is alive), and the
            // high-watermark checkpoint of every partition (every 5 s; a lone leader, its own ISR, sets the high
            // watermark to its log's end when it starts, so an older checkpoint loses nothing).
            p.put("metadata.max.idle.interval.ms", "30000");
            p.put("replica.high.watermark.checkpoint.interval.ms", "60000");
        }
        return p;
    }

    /** Formats the storage on first start; an already formatted directory keeps its cluster id and data. */
    private static void format(KafkaConfig config, Path logDir, int nodeId, String clusterId) {
        if (Files.exists(logDir.resolve("meta.properties"))) return;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(out)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setUnstableFeatureVersionsEnabled(false)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka data directory " + logDir + ": " + e.getMessage(), e);
        }
        String said = output.toString(StandardCharsets.UTF_8).strip();
        if (!said.isEmpty()) log.debug("storage format: {}", said);
    }

    private void awaitReady(Duration timeout) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(props)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        close();
                        throw new IllegalStateException("the embedded Kafka broker at " + bootstrapServers
                                + " did not become ready within " + timeout.toSeconds() + " s", notYet);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
    }

    /** A port nobody listens on now, on {@code host}. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + host, e);
        }
    }

    /** host:port for clients' bootstrap.servers. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
