package io.facestream.app;

import io.facestream.ingest.bench.IngestBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code facestream bench ...}: benchmarks that print figures (never pass/fail). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure a part of the product and print the figures (see BENCHMARKS.md).",
        subcommands = {BenchCommand.Ingest.class})
final class BenchCommand {

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Frames/s for decode on generated 640x360 and 1280x720 videos, one and two workers.")
    static final class Ingest implements Runnable {
        @Option(names = "--frames", defaultValue = "250", description = "Frames per video (default: ${DEFAULT-VALUE}).")
        int frames;

        @Override
        public void run() {
            try {
                IngestBenchmark.run(System.out, List.of(new IngestBenchmark.NamedStage("decode", f -> { })), frames);
            } catch (Exception e) {
                throw new IllegalStateException("ingest benchmark failed: " + e.getMessage(), e);
            }
        }
    }
}
