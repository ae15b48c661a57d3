package io.facestream.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
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
        PrintStream out = System.out;
        long started = System.nanoTime();
        Standalone standalone = Standalone.start(config.load());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("facestream: stopping");
            standalone.close();
            stopped.countDown();
        }, "facestream-shutdown"));
        standalone.endpoints().forEach((part, where) -> out.printf("  %-16s %s%n", part, where));
        out.printf("facestream: ready in %.1f s (Ctrl-C stops)%n", (System.nanoTime() - started) / 1e9);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
