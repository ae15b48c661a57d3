package io.facestream.app.bench;

import io.facestream.kafka.EmbeddedKafkaBroker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code facestream standalone} as a child process of a benchmark, on ports of its own, with this JVM's options: the
 * one way the benchmarks that measure the product from outside (API, idle, resolution) start and stop it.
 */
final class StandaloneChild {
    /** Environment variables that would point the child at another cluster or change what it runs. */
    private static final List<String> FOREIGN_ENVIRONMENT = List.of("FACESTREAM_KAFKA_BOOTSTRAP_SERVERS", "FACESTREAM_REGISTRY_URL",
            "FACESTREAM_MQTT_URL", "FACESTREAM_WEBHOOK_URL", "FACESTREAM_TOPOLOGIES_APPLICATION_ID", "FACESTREAM_API_KEYS",
            "FACESTREAM_API_AUTH_REQUIRED");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    /** The ports a child listens on; a data dir made with some ports must be started on them again (Kafka's metadata names them). */
    record Ports(int kafka, int controller, int registry, int api) {
        static Ports free() {
            return new Ports(freePort(), freePort(), freePort(), freePort());
        }
    }

    private StandaloneChild() {
    }

    /**
     * Starts the product and returns once it printed that it is ready; its output goes to {@code log}. Fails with the
     * log's path when it exits or is not ready within four minutes.
     *
     * @param jvmOptions options after this JVM's own (e.g. a JFR recording)
     * @param sets       {@code key=value} settings after the data dir and ports
     */
    static Process start(String classpath, Path dataDir, Ports ports, List<String> jvmOptions, List<String> sets, Path log)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the same JVM options as this process (heap, the native access and vector flags the launcher sets)
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, "io.facestream.app.Facestream", "standalone",
                "--set", "data.dir=" + dataDir, "--set", "kafka.embedded.port=" + ports.kafka(),
                "--set", "kafka.embedded.controller.port=" + ports.controller(), "--set", "registry.embedded.port=" + ports.registry(),
                "--set", "api.host=127.0.0.1", "--set", "api.port=" + ports.api()));
        for (String set : sets) command.addAll(List.of("--set", set));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> environment = pb.environment();
        FOREIGN_ENVIRONMENT.forEach(environment::remove);
        Process process = pb.start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread.ofPlatform().daemon().name("bench-standalone-log-" + process.pid()).start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter file = new PrintWriter(Files.newBufferedWriter(log), true)) {
                for (String line; (line = in.readLine()) != null; ) {
                    file.println(line);
                    if (line.startsWith("facestream: ready")) ready.countDown();
                }
            } catch (Exception e) {
                // the process ended; its exit is noticed below
            }
        });
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!ready.await(200, TimeUnit.MILLISECONDS)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("facestream standalone did not start; the end of its log " + log + ":\n" + tail(log));
            }
        }
        return process;
    }

    /** SIGTERM (the product stops cleanly), then a kill after a minute. */
    static void stop(Process process) {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static int freePort() {
        return EmbeddedKafkaBroker.freePort("127.0.0.1");
    }
}
