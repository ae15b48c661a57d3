package io.facestream.testkit;

import io.facestream.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real MQTT broker for a test: Debian's mosquitto on a free port of 127.0.0.1 (bin/ensure-tools.sh installs it). */
public final class Mosquitto implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private final Process process;
    private final int port;

    private Mosquitto(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Mosquitto start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) throw new IllegalStateException("mosquitto is missing: bin/ensure-tools.sh installs Debian's package");
        int port = EmbeddedKafkaBroker.freePort("0.0.0.0"); // mosquitto -p listens on every interface
        Process process = new ProcessBuilder(BINARY.toString(), "-p", String.valueOf(port)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Mosquitto broker = new Mosquitto(process, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return broker;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    broker.close();
                    throw new IllegalStateException("mosquitto did not start on port " + port);
                }
                Thread.sleep(50);
            }
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
