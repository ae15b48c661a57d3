package io.facestream.app;

import io.facestream.app.bench.ApiBenchmark;
import io.facestream.app.bench.IdleBenchmark;
import io.facestream.app.bench.IndexBenchmark;
import io.facestream.app.bench.PipelineBenchmark;
import io.facestream.ingest.bench.IngestBenchmark;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.image.RgbImage;
import io.facestream.models.bench.ModelsBenchmark;
import io.facestream.vectors.bench.VectorBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code facestream bench ...}: benchmarks that print figures (never pass/fail). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure a part of the product and print the figures (see BENCHMARKS.md).",
        subcommands = {BenchCommand.Models.class, BenchCommand.Ingest.class, BenchCommand.Vectors.class, BenchCommand.PipelineBench.class, BenchCommand.Cameras.class,
                BenchCommand.IndexBench.class, BenchCommand.Api.class, BenchCommand.Idle.class, BenchCommand.Resolution.class,
                BenchCommand.Recognition.class})
final class BenchCommand {

    @Command(name = "models", mixinStandardHelpOptions = true,
            description = "ms per detection (plain and tiled), landmark call and embedding, with 1 and 2 threads; faces/s per core.")
    static final class Models implements Runnable {
        @Option(names = "--iterations", defaultValue = "50", description = "Timed calls per row (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Override
        public void run() {
            ModelsBenchmark.run(System.out, iterations);
        }
    }

    @Command(name = "recognition", mixinStandardHelpOptions = true,
            description = {"Our models beside face-api.js (Node, WASM backend, pinned npm packages installed under the work folder) "
                    + "on the same labelled photos, clean and degraded (small, blurred, JPEG, turned, small and blurred): rank-1, "
                    + "TAR at FAR, ms per photo for each side.",
                    "DIR holds one sub-folder of photos per person; without it, the pinned sample people (see models/README.md).",
                    "--video instead: a POI and a stranger from a package photo, shrunk, blurred and moving across generated videos; "
                            + "per person, frames found and matched to the POI and at what similarity, by our models and face-api.js "
                            + "frame by frame, and our pipeline's sightings and alerts."})
    static final class Recognition implements java.util.concurrent.Callable<Integer> {
        @Parameters(paramLabel = "DIR", arity = "0..1", description = "Labelled photos: one sub-folder per person.")
        java.nio.file.Path dir;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "target/bench-recognition",
                description = "Degraded images, the Node packages and the peer's output (default: ${DEFAULT-VALUE}).")
        java.nio.file.Path work;

        @Option(names = "--degradations", split = ",", paramLabel = "NAME",
                description = "Which, comma-separated (default: all): clean, small, blurred, jpeg, turned, small_blurred.")
        List<String> degradations;

        @Option(names = "--video", description = "Compare on videos of small, blurred, moving faces instead of photos (issue 16.4).")
        boolean video;

        @Override
        public Integer call() throws Exception {
            if (video) {
                if (dir != null || degradations != null) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--video takes neither DIR nor --degradations: its videos are made from a package photo");
                return io.facestream.app.bench.VideoRecognitionBenchmark.run(System.out, work.toAbsolutePath()).peerRan() ? 0 : 1;
            }
            List<io.facestream.models.eval.Degradation> chosen = degradations == null
                    ? List.of(io.facestream.models.eval.Degradation.values())
                    : degradations.stream().map(Recognition::degradation).toList();
            if (!chosen.contains(io.facestream.models.eval.Degradation.CLEAN)) {
                chosen = new java.util.ArrayList<>(chosen);
                chosen.add(0, io.facestream.models.eval.Degradation.CLEAN); // the gallery every probe is compared with
            }
            List<io.facestream.app.bench.RecognitionBenchmark.Row> rows =
                    io.facestream.app.bench.RecognitionBenchmark.run(System.out, dir, work.toAbsolutePath(), chosen);
            return rows.stream().anyMatch(r -> r.side().equals("face-api.js")) ? 0 : 1;
        }

        private static io.facestream.models.eval.Degradation degradation(String name) {
            try {
                return io.facestream.models.eval.Degradation.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown degradation '" + name + "'; known: " + java.util.Arrays.stream(
                        io.facestream.models.eval.Degradation.values()).map(d -> d.name().toLowerCase(java.util.Locale.ROOT)).toList());
            }
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Frames/s for decode, decode+detect and decode+detect+align on generated 640x360 and 1280x720 videos, one and two workers.")
    static final class Ingest implements Runnable {
        @Option(names = "--frames", defaultValue = "250", description = "Frames per video (default: ${DEFAULT-VALUE}).")
        int frames;

        @Override
        public void run() {
            try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
                IngestBenchmark.run(System.out, List.of(
                        new IngestBenchmark.NamedStage("decode", f -> { }),
                        new IngestBenchmark.NamedStage("decode+detect", f -> analyzer.detect(new RgbImage(f.width(), f.height(), f.rgb()))),
                        new IngestBenchmark.NamedStage("decode+detect+align", f -> analyzer.analyze(new RgbImage(f.width(), f.height(), f.rgb())))),
                        frames, FaceSprites.fromPhoto(analyzer, "sample1", 2));
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

        @Option(names = "--vectors", split = ",", defaultValue = "float32,int8",
                description = "Variants to run at each size, in order: float32, int8 (default: ${DEFAULT-VALUE}).")
        List<String> variants;

        @Option(names = "--candidates", split = ",", defaultValue = "0",
                description = "HNSW candidates to search with (Qdrant's hnsw_ef), a row each on the same loaded store; 0: the store's own "
                        + "(default: ${DEFAULT-VALUE}). E.g. --candidates 0,400,800.")
        int[] candidates;

        @Option(names = "--keep", paramLabel = "DIR", description = "Keep each loaded store under DIR and, on a later run with the same "
                + "size and variant, search it again without loading (for measuring latency at a quiet moment).")
        java.nio.file.Path keep;

        @Option(names = "--connections", split = ",", defaultValue = "16",
                description = "HNSW connections per node to build with, a variant each (default: ${DEFAULT-VALUE}).")
        int[] connections;

        @Option(names = "--beam", split = ",", defaultValue = "100",
                description = "HNSW beam width to build with, a variant each (default: ${DEFAULT-VALUE}).")
        int[] beams;

        @Option(names = "--segments-per-tier", split = ",", defaultValue = "10",
                description = "Segments per tier of the merge policy, a variant each (default: ${DEFAULT-VALUE}).")
        double[] segmentsPerTier;

        @Option(names = "--search-threads", split = ",",
                description = "Threads of the store that walk a search's segments at once, rows each on the same loaded store; 0: one after "
                        + "another on the searching thread (default: the store's, one per core). E.g. --search-threads 0,2.")
        int[] searchThreads;

        @Option(names = "--force-merge", paramLabel = "SEGMENTS", defaultValue = "0",
                description = "After loading (or on a kept store), merge each store down to at most SEGMENTS segments and print its time "
                        + "and CPU; 0: leave the segments Lucene's merges left (default: ${DEFAULT-VALUE}).")
        int forceMerge;

        @Option(names = "--stream", paramLabel = "POINTS", description = "Instead of loading in batches: POINTS single-point upserts per "
                + "variant at the pipeline's commit interval, with the CPU each point costs (writer and merges) and recall@10.")
        Integer stream;

        @Override
        public void run() {
            for (int c : candidates) {
                if (c < 0) throw new CommandLine.ParameterException(new CommandLine(this), "--candidates: " + c + " is negative");
            }
            List<io.facestream.vectors.EmbeddedVectorStore.Graph> graphs = new java.util.ArrayList<>();
            try {
                for (int m : connections) for (int beam : beams) for (double tier : segmentsPerTier) {
                    graphs.add(new io.facestream.vectors.EmbeddedVectorStore.Graph(m, beam, tier));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
            }
            boolean[] quantized = new boolean[variants.size()];
            for (int i = 0; i < quantized.length; i++) {
                quantized[i] = switch (variants.get(i)) {
                    case "float32" -> false;
                    case "int8" -> true;
                    default -> throw new CommandLine.ParameterException(new CommandLine(this),
                            "--vectors: " + variants.get(i) + " is not float32 or int8");
                };
            }
            if (stream != null) {
                if (stream < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--stream: " + stream + " is not positive");
                List<io.facestream.vectors.EmbeddedVectorStore.Config> variants = new java.util.ArrayList<>();
                for (boolean int8 : quantized) {
                    for (var g : graphs) {
                        variants.add(io.facestream.vectors.EmbeddedVectorStore.Config.defaults(java.nio.file.Path.of(".")).withQuantized(int8).withGraph(g));
                    }
                }
                VectorBenchmark.streamIndexing(System.out, stream, variants);
                return;
            }
            VectorBenchmark bench;
            try {
                int[] threads = searchThreads != null ? searchThreads
                        : new int[] {io.facestream.vectors.EmbeddedVectorStore.Config.defaults(java.nio.file.Path.of(".")).searchThreads()};
                bench = new VectorBenchmark(sizes, quantized, candidates, keep, graphs, threads, forceMerge);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
            }
            bench.run(System.out);
        }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = "A generated 640x360 video through ingest and every topology: frames/s, faces/s, embeddings/s, x real time "
                    + "(tracker's choice vs every face embedded), and frame-to-alert latency of a live camera at real time.")
    static final class PipelineBench implements Runnable {
        @Option(names = "--seconds", defaultValue = "60", description = "Length of the generated video (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Override
        public void run() {
            try {
                PipelineBenchmark.run(System.out, seconds);
            } catch (Exception e) {
                throw new IllegalStateException("pipeline benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "cameras", mixinStandardHelpOptions = true,
            description = "Live RTSP cameras (generated 640x360 scene with two real faces, served by rtsp-server-perl fed by ffmpeg) added "
                    + "through /api/cameras to a standalone in this JVM until one falls under 10 fps analysed: cameras per core, and the live "
                    + "view's delay from capture to MJPEG part (p50/p99) beside ingest alone (faces_enabled false) on the same cameras.")
    static final class Cameras implements Runnable {
        @Option(names = "--window", defaultValue = "20", description = "Seconds measured per step, after 8 s of settling (default: ${DEFAULT-VALUE}).")
        int window;
        @Option(names = "--max-cameras", defaultValue = "16", description = "The ramp stops here at the latest (default: ${DEFAULT-VALUE}).")
        int maxCameras;

        @Override
        public void run() {
            if (window < 5 || window > 600) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--window must be 5-600 s");
            if (maxCameras < 1 || maxCameras > 64) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--max-cameras must be 1-64");
            try {
                io.facestream.app.bench.CameraBenchmark.run(System.out, java.time.Duration.ofSeconds(window), maxCameras);
            } catch (IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cameras benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "index", mixinStandardHelpOptions = true,
            description = "A folder of generated videos indexed as 'facestream replay DIR' does (640x360 and 1280x720): files/min and "
                    + "x real time until every track ended, beside one file replayed alone on the same cluster.")
    static final class IndexBench implements Runnable {
        @Option(names = "--files", defaultValue = "4", description = "Videos in the folder (default: ${DEFAULT-VALUE}).")
        int files;

        @Option(names = "--seconds", defaultValue = "20", description = "Length of each generated video (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Override
        public void run() {
            try {
                IndexBenchmark.run(System.out, files, seconds);
            } catch (Exception e) {
                throw new IllegalStateException("index benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "idle", mixinStandardHelpOptions = true,
            description = "CPU of an idle facestream standalone (nothing flowing), as % of one core, and its busiest threads; "
                    + "with --baseline-classpath, another build measured first in the same run.")
    static final class Idle implements Runnable {
        @Option(names = "--seconds", defaultValue = "60", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--settle", defaultValue = "30", description = "Seconds after ready before measuring (default: ${DEFAULT-VALUE}).")
        int settle;

        @Option(names = "--baseline-classpath", paramLabel = "CP", description = "Another build to measure first: its app jar and lib "
                + "(e.g. OTHER/app/target/facestream-app.jar:OTHER/app/target/lib/*).")
        String baselineClasspath;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A configuration key for the measured products (repeatable).")
        java.util.List<String> sets = java.util.List.of();

        @Override
        public void run() {
            if (seconds < 1 || settle < 0) throw new IllegalArgumentException("--seconds must be positive and --settle not negative");
            try {
                IdleBenchmark.run(System.out, new IdleBenchmark.Settings(seconds, settle, baselineClasspath, sets));
            } catch (Exception e) {
                throw new IllegalStateException("idle benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "resolution", mixinStandardHelpOptions = true,
            description = "Identity resolution's own throughput in faces/s (track events and embedded faces written to its hop, final "
                    + "sightings read back) on a facestream standalone child process: at an empty store and at --identities identities, "
                    + "beside another build in the same run (--baseline-classpath), with a digest of the decisions of each.")
    static final class Resolution implements Runnable {
        @Option(names = "--identities", defaultValue = "10000", description = "Identities the store is filled to before the second measured "
                + "phase (default: ${DEFAULT-VALUE}).")
        int identities;

        @Option(names = "--tracks", defaultValue = "1000", description = "Tracks per measured phase (default: ${DEFAULT-VALUE}).")
        int tracks;

        @Option(names = "--faces-per-track", defaultValue = "5", description = "Embedded faces per measured track (default: ${DEFAULT-VALUE}).")
        int facesPerTrack;

        @Option(names = "--baseline-classpath", paramLabel = "CP", description = "Another build to measure first: its app jar and lib "
                + "(e.g. OTHER/app/target/facestream-app.jar:OTHER/app/target/lib/*).")
        String baselineClasspath;

        @Option(names = "--child-option", paramLabel = "JVM-OPTION", description = "A JVM option for the measured products, e.g. "
                + "-XX:StartFlightRecording=filename=x.jfr (repeatable).")
        java.util.List<String> childOptions = java.util.List.of();

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A configuration key for the measured products (repeatable).")
        java.util.List<String> sets = java.util.List.of();

        @Override
        public void run() {
            if (identities < 0 || identities > 1_000_000) throw new IllegalArgumentException("--identities must be 0-1000000");
            if (tracks < 1 || tracks > 100_000) throw new IllegalArgumentException("--tracks must be 1-100000");
            if (facesPerTrack < 1 || facesPerTrack > 100) throw new IllegalArgumentException("--faces-per-track must be 1-100");
            try {
                io.facestream.app.bench.ResolutionBenchmark.run(System.out, new io.facestream.app.bench.ResolutionBenchmark.Settings(
                        identities, tracks, facesPerTrack, baselineClasspath, childOptions, sets));
            } catch (Exception e) {
                throw new IllegalStateException("resolution benchmark failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "api", mixinStandardHelpOptions = true,
            description = "Requests/s and p50/p99 of GET /api/v1/alerts, GET /api/v1/poi, GET /api/faces/{id} and POST /api/v1/search "
                    + "(both stages) against facestream standalone run as a child process and loaded with POIs and faces, "
                    + "against GET /health as the baseline.")
    static final class Api implements Runnable {
        @Option(names = "--people", defaultValue = "1000", description = "POIs on the watch list (default: ${DEFAULT-VALUE}).")
        int people;

        @Option(names = "--faces", defaultValue = "100000", description = "Stored faces (default: ${DEFAULT-VALUE}).")
        int faces;

        @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per endpoint and client count (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each of them (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--clients", defaultValue = "4,16", split = ",", description = "Concurrent client threads, one row each (default: ${DEFAULT-VALUE}).")
        int[] clients;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the product's data here (default: a temporary dir, deleted "
                + "afterwards); a dir that holds a finished load of the same sizes is reused without loading again.")
        java.nio.file.Path dataDir;

        @Option(names = "--strangers", defaultValue = "0", description = "Strangers (automatic identities); 0: a fifth of --people, "
                + "drawn at random per track; more: stranger tracks go to them in turn, so each gets one before any gets two "
                + "(default: ${DEFAULT-VALUE}).")
        int strangers;

        @Option(names = "--stranger-share", defaultValue = "0.2", description = "Share of the tracks that are strangers' (default: ${DEFAULT-VALUE}).")
        double strangerShare;

        @Option(names = "--only", split = ",", paramLabel = "TEXT", description = "Measure only the endpoints whose row name contains "
                + "one of these (GET /health, the baseline, always runs); e.g. --only cluster_assignment,identities,face-groups.")
        java.util.List<String> only = java.util.List.of();

        @Override
        public void run() {
            if (people < 1 || faces < 1 || seconds < 1 || warmup < 0) throw new IllegalArgumentException("--people, --faces and --seconds must be positive");
            if (strangers < 0 || strangerShare < 0 || strangerShare > 1) throw new IllegalArgumentException("--strangers >= 0 and --stranger-share within [0, 1]");
            try {
                ApiBenchmark.run(System.out, new ApiBenchmark.Settings(people, faces, seconds, warmup, clients,
                        dataDir == null ? null : dataDir.toAbsolutePath(), strangers, strangerShare, only));
            } catch (Exception e) {
                throw new IllegalStateException("api benchmark failed: " + e.getMessage(), e);
            }
        }
    }
}
