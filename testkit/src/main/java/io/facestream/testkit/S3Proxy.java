package io.facestream.testkit;

import io.facestream.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real S3-compatible server for a test: S3Proxy (Maven Central's {@code org.gaul:s3proxy}, its executable jar)
 * with its file-system backend, as its own process on a free port of 127.0.0.1, signing required. A module's
 * pom copies the jar to {@code target/s3proxy/s3proxy.jar} ({@code -Dfacestream.test.s3proxy.jar} overrides);
 * it never joins a test's class path, whose Jetty and Jackson it would clash with.
 */
public final class S3Proxy implements AutoCloseable {
    public static final String ACCESS_KEY = "facestream-test";
    public static final String SECRET_KEY = "facestream-test-secret";

    private final Process process;
    private final int port;
    private final Path dataDir;

    private S3Proxy(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** Starts S3Proxy keeping its buckets under {@code dataDir}. */
    public static S3Proxy start(Path dataDir) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("facestream.test.s3proxy.jar", "target/s3proxy/s3proxy.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy's jar is missing at " + jar + ": the module's pom copies it (maven-dependency-plugin, copy-s3proxy)");
        }
        int port = EmbeddedKafkaBroker.freePort("127.0.0.1");
        Path buckets = Files.createDirectories(dataDir.resolve("buckets"));
        Path properties = Files.writeString(dataDir.resolve("s3proxy.properties"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + buckets, ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(dataDir.resolve("s3proxy.log").toFile()).start();
        S3Proxy proxy = new S3Proxy(process, port, buckets);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return proxy;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    proxy.close();
                    throw new IllegalStateException("S3Proxy did not start on port " + port + " (see " + dataDir.resolve("s3proxy.log") + ")");
                }
                Thread.sleep(100);
            }
        }
    }

    /** Creates a bucket as the file-system backend keeps one: a directory under its base. */
    public S3Proxy bucket(String name) throws IOException {
        Files.createDirectories(dataDir.resolve(name));
        return this;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops the server (its buckets stay on disk). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
