package io.facestream.testkit;

import io.facestream.kafka.EmbeddedKafkaBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One running Kafka for every test class of a test JVM, started on first use and
 * stopped when the JVM exits. Testcontainers' Kafka where a Docker engine answers,
 * the embedded KRaft broker otherwise. {@code -Dfacestream.test.kafka=embedded} or
 * {@code =testcontainers} forces one; {@code =external:HOST:PORT} uses a running cluster.
 */
public final class SharedKafka {
    private static final Logger log = LoggerFactory.getLogger(SharedKafka.class);
    /** The image Testcontainers runs: the same Kafka release as the embedded broker. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.4.0";

    private static String bootstrapServers;
    private static String kind;

    private SharedKafka() {
    }

    /** host:port of the shared broker, starting it if this is the first call. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) start();
        return bootstrapServers;
    }

    private static void start() {
        String choice = System.getProperty("facestream.test.kafka", "auto");
        if (choice.startsWith("external:")) {
            kind = "external";
            bootstrapServers = choice.substring("external:".length());
        } else if (choice.equals("testcontainers") || (choice.equals("auto") && dockerAvailable())) {
            startContainer();
        } else {
            startEmbedded();
        }
        log.info("tests run against {} Kafka at {}", kind, bootstrapServers);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void startContainer() {
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "testkit-kafka-stop"));
        kind = "testcontainers";
        bootstrapServers = container.getBootstrapServers();
    }

    private static void startEmbedded() {
        try {
            Path dataDir = Files.createTempDirectory("facestream-test-kafka");
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Settings.of(dataDir, 0));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                broker.close();
                deleteTree(dataDir);
            }, "testkit-kafka-stop"));
            kind = "embedded";
            bootstrapServers = broker.bootstrapServers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
