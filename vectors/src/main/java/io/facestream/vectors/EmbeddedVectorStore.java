package io.facestream.vectors;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * The default vector store: an Apache Lucene index per collection under {@code
  * <directory>/<collection>} (HNSW approximate nearest neighbours, payload as stored and indexed
  * fields).
  *
  * <p><b>Exact or approximate.</b> A search over a collection of fewer than {@link
  * Config#exactSearchBelow()} points (default 10 000) scores every point, so its top-k is exact;
  * {@link Search#exact()} asks for that at any size. Larger collections walk the HNSW graph ({@link Graph}:
  * Lucene's defaults, 16 connections, beam 100) with {@link Config#annCandidates()} candidates (default 200,
  * at least the limit), a search's segments walked at once by the store's pool ({@link Config#searchThreads()}):
  * recall@10 against exact is about 0.98 on face-like 512-d data, but uniform random vectors, which have no neighbourhood structure, get far less (BENCHMARKS.md, "Vector store"). With
  * a filter, Lucene scores exactly by itself inside any segment where the filter leaves few
  * documents.
  *
  * <p><b>Durability.</b> With {@link Config#commitInterval()} zero (the default) every write is
  * committed (fsync) before it returns; a positive interval commits in the background at that
  * period, trading the last interval's writes on a crash for write throughput. Either way a write is
  * visible to the next read (near-real-time reader refreshed after each write), and closing commits.
  * A collection's directory can be open in one store (one process) at a time: Lucene's write lock.
  *
  * <p>Thread-safe; concurrent writers share each collection's {@code IndexWriter}.
  */
public final class EmbeddedVectorStore implements VectorStore {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedVectorStore.class);

    /**
      * @param directory where collections live, one sub-directory each ({@code <data.dir>/vectors})
      * @param commitInterval zero: commit on every write; positive: commit changes at this period
      * @param exactSearchBelow collections smaller than this are searched exactly
      * @param annCandidates HNSW candidates per search (Lucene's k; the best {@code limit} are kept)
      * @param ramBufferMb Lucene's in-memory buffer before it flushes a segment
      * @param quantized new segments keep an int8 copy of the vectors (Lucene's scalar quantisation) that the HNSW
      *     graph is built and searched on, a quarter of float32's bytes to keep in memory; the candidates are then
      *     scored again on the float32 vectors (kept beside them), so scores stay exact cosines
      * @param graph how new segments' HNSW graphs are built and how segments are merged
      * @param searchThreads threads of the store (shared by its collections and searches) that walk the segments of a
      *     search of a collection of at least {@code exactSearchBelow} points at once, the searching thread walking some
      *     too (a smaller collection's segments are walked by the searching thread alone: cheaper than handing them
      *     over); 0: every search walks its segments one after another on its own thread
      */
    public record Config(Path directory, Duration commitInterval, int exactSearchBelow, int annCandidates, double ramBufferMb,
                         boolean quantized, Graph graph, int searchThreads) {
        /** More would only queue: a search's segments are CPU work. */
        public static final int MAX_SEARCH_THREADS = 256;

        public Config {
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(graph, "graph");
            if (commitInterval.isNegative()) throw new IllegalArgumentException("commitInterval must not be negative");
            if (exactSearchBelow < 0 || annCandidates < 1 || ramBufferMb <= 0) {
                throw new IllegalArgumentException("exactSearchBelow >= 0, annCandidates >= 1 and ramBufferMb > 0 are required");
            }
            if (searchThreads < 0 || searchThreads > MAX_SEARCH_THREADS) {
                throw new IllegalArgumentException("0 <= searchThreads <= " + MAX_SEARCH_THREADS + " is required, got " + searchThreads);
            }
        }

        /**
         * A search pool of one thread per core: with the second of two cores idle a search takes about half the time for
         * the same CPU (BENCHMARKS.md, "Segments searched at once"); the busier the machine, the less it gains.
         */
        public static Config defaults(Path directory) {
            return new Config(directory, Duration.ZERO, 10_000, 200, 64, false, Graph.DEFAULT,
                    Math.min(Runtime.getRuntime().availableProcessors(), MAX_SEARCH_THREADS));
        }

        public Config withSearchThreads(int threads) {
            return new Config(directory, commitInterval, exactSearchBelow, annCandidates, ramBufferMb, quantized, graph, threads);
        }

        public Config withDirectory(Path dir) {
            return new Config(dir, commitInterval, exactSearchBelow, annCandidates, ramBufferMb, quantized, graph, searchThreads);
        }

        public Config withCommitInterval(Duration interval) {
            return new Config(directory, interval, exactSearchBelow, annCandidates, ramBufferMb, quantized, graph, searchThreads);
        }

        public Config withExactSearchBelow(int size) {
            return new Config(directory, commitInterval, size, annCandidates, ramBufferMb, quantized, graph, searchThreads);
        }

        public Config withAnnCandidates(int candidates) {
            return new Config(directory, commitInterval, exactSearchBelow, candidates, ramBufferMb, quantized, graph, searchThreads);
        }

        public Config withQuantized(boolean int8) {
            return new Config(directory, commitInterval, exactSearchBelow, annCandidates, ramBufferMb, int8, graph, searchThreads);
        }

        public Config withRamBufferMb(double mb) {
            return new Config(directory, commitInterval, exactSearchBelow, annCandidates, mb, quantized, graph, searchThreads);
        }

        public Config withGraph(Graph g) {
            return new Config(directory, commitInterval, exactSearchBelow, annCandidates, ramBufferMb, quantized, g, searchThreads);
        }
    }

    /**
      * How a collection's HNSW graphs are built and its segments merged: what a point costs to index.
      *
      * @param connections HNSW neighbours per node (Lucene's maxConn)
      * @param beamWidth candidates kept while a node's neighbours are searched at insert (Lucene's beamWidth)
      * @param segmentsPerTier segments of about one size the merge policy allows before it merges them (Lucene's
      *     TieredMergePolicy); a merge inserts the points of every segment but the largest into its graph again, so
      *     more segments per tier mean fewer merges, each search walking more segments
      */
    public record Graph(int connections, int beamWidth, double segmentsPerTier) {
        /** Lucene's defaults: 16 connections, beam 100, 10 segments per tier. */
        public static final Graph DEFAULT = new Graph(16, 100, 10);

        public Graph {
            if (connections < 2 || connections > 512 || beamWidth < 1 || beamWidth > 3200 || segmentsPerTier < 2 || segmentsPerTier > 1000) {
                throw new IllegalArgumentException("2 <= connections <= 512, 1 <= beamWidth <= 3200 and 2 <= segmentsPerTier <= 1000 are required");
            }
        }
    }

    private final Config config;
    private final Map<String, LuceneCollection> collections = new ConcurrentHashMap<>();
    private final ScheduledExecutorService committer;
    /** Walks the segments of a search in parallel (null: a search walks them on its own thread). */
    private final ExecutorService searchExecutor;
    private volatile boolean closed;

    public EmbeddedVectorStore(Path directory) {
        this(Config.defaults(directory));
    }

    public EmbeddedVectorStore(Config config) {
        this.config = config;
        searchExecutor = config.searchThreads() == 0 ? null : searchExecutor(config.searchThreads());
        if (config.commitInterval().isZero()) {
            committer = null;
        } else {
            committer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("vector-store-commit").daemon().factory());
            long millis = config.commitInterval().toMillis();
            committer.scheduleWithFixedDelay(this::commitAll, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    public Config config() {
        return config;
    }

    /**
     * A fixed pool with a bounded queue: when it is full, the searching thread walks the segment itself (Lucene's
     * TaskExecutor runs whatever no pool thread has started on the caller anyway), so concurrent searches never wait on
     * each other's queue and nothing grows without bound.
     */
    private static ExecutorService searchExecutor(int threads) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(64 * threads),
                Thread.ofPlatform().name("vector-search-", 0).daemon().factory(), new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /**
     * Merges a collection down to at most {@code maxSegments} segments and makes the result visible to searches: each
     * search walks every segment's graph, so fewer segments answer faster, at the cost of rebuilding the merged graphs
     * now (about a millisecond of CPU per point, on one thread). For after a bulk load or at a quiet hour, never on the stream's path;
     * blocks until done. Every point stays, with its vector and payload.
     */
    public void forceMerge(String collection, int maxSegments) {
        if (maxSegments < 1) throw new IllegalArgumentException("maxSegments must be at least 1, got " + maxSegments);
        collection(collection).forceMerge(maxSegments);
    }

    /** The segments a search of this collection walks now. */
    public int segments(String collection) {
        return collection(collection).segments();
    }

    @Override
    public synchronized void ensureCollection(String collection, int dimension) {
        checkOpen();
        Vectors.checkCollectionName(collection);
        if (dimension < 1) throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        LuceneCollection c = collections.get(collection);
        if (c == null) {
            c = LuceneCollection.open(collection, config.directory().resolve(collection), dimension, config, searchExecutor);
            collections.put(collection, c);
        }
        if (c.dimension != dimension) {
            throw new IllegalArgumentException("collection '" + collection + "' exists with dimension " + c.dimension
                    + ", not " + dimension);
        }
    }

    @Override
    public void upsert(String collection, Collection<VectorPoint> points) {
        collection(collection).upsert(points);
    }

    @Override
    public Optional<VectorPoint> get(String collection, String id) {
        return collection(collection).get(id);
    }

    @Override
    public void delete(String collection, Collection<String> ids) {
        collection(collection).delete(ids);
    }

    @Override
    public void deleteWhere(String collection, VectorFilter filter) {
        collection(collection).deleteWhere(filter);
    }

    @Override
    public List<ScoredPoint> search(String collection, Search search) {
        return collection(collection).search(search, config.exactSearchBelow(), config.annCandidates());
    }

    @Override
    public long count(String collection, VectorFilter filter) {
        return collection(collection).count(filter);
    }

    @Override
    public List<VectorPoint> scroll(String collection, VectorFilter filter, int limit, boolean withVectors) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        return collection(collection).scroll(filter, limit, withVectors);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (committer != null) {
            // Not shutdownNow: interrupting Lucene in the middle of file I/O closes its channels.
            committer.shutdown();
            try {
                committer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        collections.values().forEach(LuceneCollection::close);
        collections.clear();
        if (searchExecutor != null) searchExecutor.shutdown(); // the collections' searches are over
    }

    /** The open collection, opening it from disk on first use after a restart. */
    private LuceneCollection collection(String collection) {
        checkOpen();
        LuceneCollection c = collections.get(collection);
        if (c != null) return c;
        synchronized (this) {
            checkOpen();
            c = collections.get(Vectors.checkCollectionName(collection));
            if (c != null) return c;
            Path path = config.directory().resolve(collection);
            if (!LuceneCollection.existsAt(path)) throw new UnknownCollectionException(collection);
            c = LuceneCollection.open(collection, path, null, config, searchExecutor);
            collections.put(collection, c);
            return c;
        }
    }

    private void commitAll() {
        for (LuceneCollection c : collections.values()) {
            try {
                c.commitIfChanged();
            } catch (RuntimeException e) {
                // Keep the schedule alive: the next period (or close) retries the commit.
                log.warn("periodic commit of vector collection '{}' failed", c.name, e);
            }
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the vector store is closed");
    }
}
