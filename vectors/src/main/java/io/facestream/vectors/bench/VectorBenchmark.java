package io.facestream.vectors.bench;

import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.ScoredPoint;
import io.facestream.vectors.Search;
import io.facestream.vectors.VectorFilter;
import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
  * Upsert rate and search latency of the embedded store on face-like 512-d vectors ({@link
  * SyntheticFaces}) at each size given (default 10 000 and 100 000): exact against HNSW, with and
  * without a one-hour time-range filter (about 4% of a day of faces from 8 cameras), and ANN
  * recall@10 against exact for face queries and for uniform random queries (the worst case).
  *
  * <p>Run with {@code --add-modules jdk.incubator.vector} so Lucene scores with SIMD.
  */
public final class VectorBenchmark {

    private static final int DIM = VectorStore.DEFAULT_DIMENSION;
    private static final String FACES = VectorStore.FACES;
    private static final long DAY_START = 1_700_000_000_000L;
    private static final long DAY_MILLIS = Duration.ofDays(1).toMillis();
    private static final int QUERIES = 200;
    private static final int WARMUP = 20;
    private static final int BATCH = 1_000;

    /**
     * A stored face counts as a match of the query at this cosine: two faces of one identity are ~0.6 apart, while the
     * best of a million strangers is ~0.2 (0.044, one over the root of 512, times about five standard deviations).
     */
    static final double MATCH = 0.4;

    private final int[] sizes;
    private final boolean[] quantizedVariants;
    private final int[] candidates;
    /** Where loaded stores are kept and found again (null: temporary, deleted after their rows). */
    private final Path keep;
    private final List<EmbeddedVectorStore.Graph> graphs;
    private final int[] searchThreads;
    /** After loading, merge each store down to this many segments (0: leave it as Lucene's merges left it). */
    private final int forceMerge;

    /** Each size with float32 vectors, then with int8 (scalar-quantised) ones, at the store's candidates. */
    public VectorBenchmark(int... sizes) {
        this(sizes, new boolean[] {false, true}, new int[] {0}, null, List.of(EmbeddedVectorStore.Graph.DEFAULT), new int[] {0}, 0);
    }

    /**
     * @param quantizedVariants the variants to run at each size, in order: false for float32, true for int8
     * @param candidates the HNSW candidates ({@link Search#candidates}) to search with, one row each on the same loaded
     *                   store; 0 is the store's own ({@link EmbeddedVectorStore.Config})
     * @param keep a directory to keep each loaded store in ({@code <size>-<variant>}) and to search again on a later run
     *             without loading (a million points take many minutes to load on two cores); null: temporary stores
     * @param graphs the HNSW build and merge settings to load with, a variant each
     * @param searchThreads the store's search threads ({@link EmbeddedVectorStore.Config#searchThreads}) to search with,
     *                      rows each on the same loaded store
     * @param forceMerge after loading (or on a kept store), merge it down to this many segments and print the time and
     *                   CPU that took; 0: no force-merge
     */
    public VectorBenchmark(int[] sizes, boolean[] quantizedVariants, int[] candidates, Path keep, List<EmbeddedVectorStore.Graph> graphs,
                           int[] searchThreads, int forceMerge) {
        if (searchThreads.length == 0) throw new IllegalArgumentException("no search threads to search with");
        for (int t : searchThreads) {
            if (t < 0 || t > EmbeddedVectorStore.Config.MAX_SEARCH_THREADS) {
                throw new IllegalArgumentException("search threads must be 0 to " + EmbeddedVectorStore.Config.MAX_SEARCH_THREADS + ", got " + t);
            }
        }
        if (forceMerge < 0) throw new IllegalArgumentException("force-merge segments must not be negative, got " + forceMerge);
        this.searchThreads = searchThreads;
        this.forceMerge = forceMerge;
        if (graphs.isEmpty()) throw new IllegalArgumentException("no graph settings to run");
        this.graphs = List.copyOf(graphs);
        if (quantizedVariants.length == 0) throw new IllegalArgumentException("no vector variant to run");
        if (candidates.length == 0) throw new IllegalArgumentException("no candidates to search with");
        this.sizes = sizes;
        this.quantizedVariants = quantizedVariants;
        this.candidates = candidates;
        this.keep = keep;
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {10_000, 100_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        new VectorBenchmark(sizes).run(System.out);
    }

    public void run(PrintStream out) {
        out.printf("## Embedded vector store (Lucene HNSW), %d-d face-like vectors, %s, %d cores, %s%n%n",
                DIM, "Java " + Runtime.version(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"));
        out.println("Load: batches of 1000, committed once a second (the pipeline's setting), 256 MB indexing buffer.");
        out.println("Search: top-10 by a fresh face of a stored identity; latency p50 / p99 in ms; time filter = 1 h of the 24 h of faces.");
        out.println("Recall: ANN top-10 against exact top-10, for face queries and for uniform random queries (no neighbourhood structure: the worst case);"
                + " \"matches\": of the exact top-10 faces at cosine >= " + MATCH + " (the query's own identity: a stranger is ~0, the best of a million ~0.2),"
                + " the share ANN found (a face-like query's other top-10 places are strangers whose order is noise).");
        out.println("Candidates: the HNSW walk's width (Qdrant's hnsw_ef); each value searches the same loaded store.");
        out.println("Memory: the files a search reads, which the OS page cache must hold for these latencies: the vectors it scores"
                + " (float32 .vec; int8 .veq when quantised, whose float32 copy is read only for the 200 candidates' rescoring and for merges) and"
                + " the graph (.vex, .vem); \"on disk\" is the whole index.");
        out.println();
        out.println("Search threads: 0, a search walks its segments one after another; N, the store's pool of N threads walks them at once"
                + " (EmbeddedVectorStore.Config.searchThreads). ANN CPU: the process's CPU per search without the time filter (every thread's), which a busy machine does not inflate. Heap: what the open store holds on the Java heap after its searches"
                + " (used heap after a GC, less the same once it is closed).");
        out.println();
        out.println("| points | vectors | graph (connections / beam / segments per tier) | upsert | search threads | candidates | exact | ANN | ANN CPU ms/search | exact/ANN | exact + time | ANN + time | exact/ANN | recall@10, faces | recall@10, matches | recall@10, random | searched data | on disk | heap | segments | load average |");
        out.println("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var system = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int size : sizes) {
            for (boolean quantized : quantizedVariants) for (EmbeddedVectorStore.Graph graph : graphs) {
                String graphName = graph.connections() + "/" + graph.beamWidth() + "/" + Math.round(graph.segmentsPerTier());
                Path dir = keep == null ? tempDir() : keep.resolve(size + "-" + (quantized ? "int8" : "float32")
                        + (graph.equals(EmbeddedVectorStore.Graph.DEFAULT) ? "" : "-" + graphName.replace('/', '-')));
                var config = EmbeddedVectorStore.Config.defaults(dir).withCommitInterval(Duration.ofSeconds(1)).withRamBufferMb(256)
                        .withQuantized(quantized).withGraph(graph);
                if (keep != null && Files.exists(dir) && count(config) != size) delete(dir); // an unfinished or other load
                try {
                    var faces = new SyntheticFaces(size, DIM);
                    String upsert;
                    try (var store = new EmbeddedVectorStore(config)) {
                        store.ensureCollection(FACES, DIM);
                        if (keep != null && store.count(FACES) == size) {
                            for (int i = 0; i < size; i++) faces.next(); // the same identities, for the queries
                            upsert = "(kept from an earlier run)";
                        } else {
                            long start = System.nanoTime();
                            load(store, faces, size);
                            store.count(FACES); // waits for the reader to see every point
                            upsert = String.format("%,.0f points/s", size / seconds(System.nanoTime() - start));
                        }
                    } // closing waits for the merges under way, so every row below searches the same segments
                    if (forceMerge > 0) forceMerge(out, config, size, system);
                    for (int threads : searchThreads) {
                        long heapClosed = usedHeap();
                        var searching = config.withSearchThreads(threads);
                        try (var store = new EmbeddedVectorStore(searching)) {
                            var hour = VectorFilter.all().timeRange(DAY_START + 12 * 3_600_000L, DAY_START + 13 * 3_600_000L);
                            List<VectorFilter> filters = List.of(VectorFilter.all(), hour);
                            double[][] exact = new double[filters.size()][];
                            for (int f = 0; f < filters.size(); f++) exact[f] = latencies(store, faces, filters.get(f), 0, true);
                            long[] bytes = bytes(dir.resolve(FACES), quantized);
                            for (int walk : candidates) {
                                var row = new StringBuilder(String.format("| %,d | %s | %s | %s | %d | %s |", size, quantized ? "int8 (scalar quantised)" : "float32",
                                        graphName, upsert, threads, walk == 0 ? "store's (" + config.annCandidates() + ")" : Integer.toString(walk)));
                                for (int f = 0; f < filters.size(); f++) {
                                    double[] ann = latencies(store, faces, filters.get(f), walk, false);
                                    row.append(String.format(" %.2f / %.2f | %.2f / %.2f |", exact[f][0], exact[f][1], ann[0], ann[1]));
                                    if (f == 0) row.append(String.format(" %.2f |", ann[2]));
                                    row.append(String.format(" %.1fx |", exact[f][0] / ann[0]));
                                }
                                double[] recall = recall(store, faces::query, walk);
                                row.append(String.format(" %.3f | %.3f | %.3f |", recall[0], recall[1], recall(store, r -> SyntheticFaces.randomUnit(r, DIM), walk)[0]));
                                long heap = usedHeap() - heapClosed;
                                row.append(String.format(" %,.0f MiB | %,.0f MiB | %,.0f MiB | %d | %.1f |", bytes[0] / 1048576.0, bytes[1] / 1048576.0,
                                        heap / 1048576.0, store.segments(FACES), system.getSystemLoadAverage()));
                                out.println(row);
                            }
                        }
                    }
                } finally {
                    if (keep == null) delete(dir);
                }
            }
        }
        out.println();
        out.println(singlePointUpserts(Duration.ZERO) + "; " + singlePointUpserts(Duration.ofSeconds(1)) + ".");
    }

    /** Merges the loaded store down to {@link #forceMerge} segments and prints what it took. */
    private void forceMerge(PrintStream out, EmbeddedVectorStore.Config config, int size, com.sun.management.OperatingSystemMXBean system) {
        try (var store = new EmbeddedVectorStore(config)) {
            int before = store.segments(FACES);
            double load = system.getSystemLoadAverage();
            long cpu0 = system.getProcessCpuTime(), t0 = System.nanoTime();
            store.forceMerge(FACES, forceMerge);
            long wall = System.nanoTime() - t0, cpu = system.getProcessCpuTime() - cpu0;
            out.printf("Force-merge of %,d points (%s, %d/%d/%.0f) to at most %d segments: %d -> %d segments in %.1f s, process CPU %.1f s,"
                            + " load average %.1f before and %.1f after%n", size, config.quantized() ? "int8" : "float32", config.graph().connections(),
                    config.graph().beamWidth(), config.graph().segmentsPerTier(), forceMerge, before, store.segments(FACES), seconds(wall), cpu / 1e9,
                    load, system.getSystemLoadAverage());
        }
    }

    /** The heap in use after a GC. */
    private static long usedHeap() {
        var runtime = Runtime.getRuntime();
        for (int i = 0; i < 2; i++) System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static long count(EmbeddedVectorStore.Config config) {
        try (var store = new EmbeddedVectorStore(config)) {
            store.ensureCollection(FACES, DIM);
            return store.count(FACES);
        }
    }

    /** The bytes a search reads (the scored vectors and the graph), the whole index's, and its segments. */
    private static long[] bytes(Path index, boolean quantized) {
        long searched = 0, total = 0, segments = 0;
        try (Stream<Path> files = Files.list(index)) {
            for (Path f : files.toList()) {
                long size = Files.size(f);
                total += size;
                String name = f.getFileName().toString();
                if (name.endsWith(".vex") || name.endsWith(".vem") || name.endsWith(quantized ? ".veq" : ".vec")) searched += size;
                if (name.endsWith(".si")) segments++;
                // a compound file would hide them: the store writes none, and this says so if it ever does
                if (name.endsWith(".cfs")) throw new IllegalStateException("compound file in the index: " + f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new long[] {searched, total, segments};
    }

    /** Faces with a time of day and a camera, in batches, the store's default commit-per-write. */
    private static void load(EmbeddedVectorStore store, SyntheticFaces faces, int size) {
        var random = new Random(size);
        var batch = new ArrayList<VectorPoint>(BATCH);
        for (int i = 0; i < size; i++) {
            SyntheticFaces.Face face = faces.next();
            batch.add(new VectorPoint("cam" + (i % 8) + ":" + i, face.vector(), Map.of(
                    "source_id", "cam" + (i % 8),
                    "identity_id", "id" + face.identity(),
                    "timestamp", DAY_START + (long) (random.nextDouble() * DAY_MILLIS))));
            if (batch.size() == BATCH || i == size - 1) {
                store.upsert(FACES, batch);
                batch.clear();
            }
        }
    }

    /**
     * p50 and p99 in milliseconds of top-10 searches by a fresh face ({@code candidates} 0: the store's), and the process's
     * CPU milliseconds per search (every thread's: the searching one and the store's pool), which a busy machine does not
     * inflate as it does a latency.
     */
    private static double[] latencies(EmbeddedVectorStore store, SyntheticFaces faces, VectorFilter filter, int candidates, boolean exact) {
        var system = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var random = new Random(1);
        double[] millis = new double[QUERIES];
        long cpu0 = 0;
        for (int q = -WARMUP; q < QUERIES; q++) {
            if (q == 0) cpu0 = system.getProcessCpuTime();
            var search = new Search(faces.query(random), 10).filter(filter).candidates(candidates);
            long start = System.nanoTime();
            store.search(FACES, exact ? search.exact() : search);
            if (q >= 0) millis[q] = (System.nanoTime() - start) / 1e6;
        }
        double cpuPerSearch = (system.getProcessCpuTime() - cpu0) / 1e6 / QUERIES;
        Arrays.sort(millis);
        return new double[] {millis[QUERIES / 2], millis[(int) Math.ceil(QUERIES * 0.99) - 1], cpuPerSearch};
    }

    /** recall@10 against exact, and the share of the exact top-10's matches (cosine >= {@link #MATCH}) found. */
    private static double[] recall(EmbeddedVectorStore store, Function<Random, float[]> queries, int candidates) {
        var random = new Random(2);
        double found = 0;
        long matches = 0, matchesFound = 0;
        int n = 50;
        for (int q = 0; q < n; q++) {
            float[] query = queries.apply(random);
            List<ScoredPoint> exact = store.search(FACES, new Search(query, 10).exact());
            List<String> exactIds = exact.stream().map(ScoredPoint::id).toList();
            List<String> ann = store.search(FACES, new Search(query, 10).candidates(candidates)).stream().map(ScoredPoint::id).toList();
            found += ann.stream().filter(exactIds::contains).count() / 10.0;
            for (ScoredPoint hit : exact) {
                if (hit.score() < MATCH) continue;
                matches++;
                if (ann.contains(hit.id())) matchesFound++;
            }
        }
        return new double[] {found / n, matches == 0 ? Double.NaN : (double) matchesFound / matches};
    }

    /** Points per flushed segment in {@link #streamIndexing}: identity resolution's rate, about 800 faces/s, refreshed each second. */
    static final int STREAM_SEGMENT = 800;

    /**
     * What indexing costs at the pipeline's write pattern (one point per upsert, a commit every second, the default
     * indexing buffer, a segment flushed every {@link #STREAM_SEGMENT} points): {@code points} single-point upserts per variant, then the store closed, which waits for its
     * merges. Prints, per variant: points/s while writing, the writing thread's CPU per point (its HNSW inserts: Lucene
     * builds the graph as points are added), the whole process's CPU per point until the merges are done (the merge
     * threads rebuild graphs), segments left, ANN search latency and recall@10 against exact on face queries at that size.
     */
    public static void streamIndexing(PrintStream out, int points, List<EmbeddedVectorStore.Config> variants) {
        var bean = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        out.printf("## Indexing at the stream's pattern: %,d single-point upserts, a segment flushed every %d, commit every 1 s, %d cores, load average %.1f%n%n",
                points, STREAM_SEGMENT, Runtime.getRuntime().availableProcessors(), bean.getSystemLoadAverage());
        out.println("| vectors | connections | beam | segments per tier | points/s writing | writer CPU ms/point | process CPU ms/point (merges done) | segments | ANN p50 / p99 ms | recall@10, faces | recall@10, matches |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (EmbeddedVectorStore.Config variant : variants) {
            Path dir = tempDir();
            try {
                var config = variant.withDirectory(dir).withCommitInterval(Duration.ofSeconds(1));
                var faces = new SyntheticFaces(points, DIM);
                long cpu0 = bean.getProcessCpuTime(), thread0 = threads.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                long writing, threadCpu;
                double[] recall, ann;
                var store = new EmbeddedVectorStore(config);
                try {
                    store.ensureCollection(FACES, DIM);
                    var random = new Random(points);
                    for (int i = 0; i < points; i++) {
                        SyntheticFaces.Face face = faces.next();
                        store.upsert(FACES, new VectorPoint("cam" + (i % 8) + ":" + i + ":0", face.vector(), Map.of(
                                "source_id", "cam" + (i % 8), "identity_id", "id" + face.identity(),
                                "timestamp", DAY_START + (long) (random.nextDouble() * DAY_MILLIS))));
                        // a read sees every write before it, so it flushes a segment: the product's refresh each second
                        // at STREAM_SEGMENT faces/s, independent of how fast this machine writes
                        if ((i + 1) % STREAM_SEGMENT == 0) store.count(FACES);
                    }
                    writing = System.nanoTime() - t0;
                    threadCpu = threads.getCurrentThreadCpuTime() - thread0;
                } finally {
                    store.close(); // waits for running merges
                }
                long processCpu = bean.getProcessCpuTime() - cpu0;
                long segments;
                try (var reopened = new EmbeddedVectorStore(config)) {
                    recall = recall(reopened, faces::query, 0);
                    ann = latencies(reopened, faces, VectorFilter.all(), 0, false);
                    segments = bytes(dir.resolve(FACES), config.quantized())[2];
                }
                var g = config.graph();
                out.printf("| %s | %d | %d | %.0f | %,.0f | %.2f | %.2f | %d | %.2f / %.2f | %.3f | %.3f |%n", config.quantized() ? "int8" : "float32",
                        g.connections(), g.beamWidth(), g.segmentsPerTier(), points / seconds(writing), threadCpu / 1e6 / points,
                        processCpu / 1e6 / points, segments, ann[0], ann[1], recall[0], recall[1]);
            } finally {
                delete(dir);
            }
        }
    }

    /** The stream's write pattern: one face per upsert. */
    private static String singlePointUpserts(Duration commitInterval) {
        Path dir = tempDir();
        int n = 300;
        try (var store = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir).withCommitInterval(commitInterval))) {
            store.ensureCollection(FACES, DIM);
            var faces = new SyntheticFaces(3, DIM);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) store.upsert(FACES, new VectorPoint("f" + i, faces.next().vector()));
            return String.format("single-point upserts, %s: %,.0f points/s",
                    commitInterval.isZero() ? "commit on every write" : "commit every " + commitInterval.toSeconds() + " s",
                    n / seconds(System.nanoTime() - start));
        } finally {
            delete(dir);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("facestream-vector-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
