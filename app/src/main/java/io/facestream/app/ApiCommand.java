package io.facestream.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code facestream api}: the API and the pipeline instance it reads, against an external cluster. */
@Command(name = "api", mixinStandardHelpOptions = true,
        description = "Run the API (with the pipeline instance whose views it serves) against an external Kafka cluster and schema "
                + "registry: kafka.bootstrap.servers and registry.url must be set. No broker, no camera workers.")
final class ApiCommand implements Runnable {
    @Mixin
    Facestream.ConfigOptions config;

    @Override
    public void run() {
        long started = System.nanoTime();
        StandaloneCommand.serve(Standalone.startApiRole(config.load()), started, "API ready");
    }
}
