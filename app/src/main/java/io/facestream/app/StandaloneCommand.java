package io.facestream.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** {@code facestream standalone}: every part of the product in this JVM, until Ctrl-C or SIGTERM. */
@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Run every part in one JVM: embedded Kafka (KRaft), schema registry, and the roles. "
                + "With kafka.bootstrap.servers and registry.url set, the roles run against that cluster instead.")
final class StandaloneCommand implements Runnable {
    @Mixin
    Facestream.ConfigOptions config;

    @Override
    public void run() {
        long started = System.nanoTime();
        serve(Standalone.start(config.load()), started, "ready");
    }

    /**
     * Prints where each part listens, says "ready" once queries will be answered (the pipeline RUNNING and its
     * views queryable), then keeps the parts running until Ctrl-C or SIGTERM stops them.
     */
    static void serve(Standalone parts, long started, String what) {
        PrintStream out = System.out;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("facestream: stopping");
            parts.close();
            stopped.countDown();
        }, "facestream-shutdown"));
        parts.endpoints().forEach((part, where) -> out.printf("  %-16s %s%n", part, where));
        try {
            parts.awaitReady(Duration.ofDays(365), reason -> out.printf("facestream: waiting: %s%n", reason));
            out.printf("facestream: %s in %.1f s (Ctrl-C stops)%n", what, (System.nanoTime() - started) / 1e9);
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
