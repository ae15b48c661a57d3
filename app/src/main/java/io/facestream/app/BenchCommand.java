package io.facestream.app;

import io.facestream.ingest.bench.IngestBenchmark;
import io.facestream.vectors.bench.VectorBenchmark;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code facestream bench ...}: benchmarks that print figures (never pass/fail). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure a part of the product and print the figures (see BENCHMARKS.md).",
        subcommands = {BenchCommand.Ingest.class, BenchCommand.Vectors.class})
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

    @Command(name = "vectors", mixinStandardHelpOptions = true,
            description = "Upsert rate, exact and ANN search latency and recall of the embedded vector store.")
    static final class Vectors implements Runnable {
        @Parameters(paramLabel = "POINTS", arity = "0..*", description = "Collection sizes (default: 10000 100000).")
        int[] sizes = {10_000, 100_000};

        @Override
        public void run() {
            new VectorBenchmark(sizes).run(System.out);
        }
    }
}
