package io.facestream.topologies.identity;

import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;
import io.facestream.vectors.VectorStoreException;
import io.facestream.vectors.Vectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Identity resolution's upserts to the vector store (the faces, {@link VectorStore#FACES}, and the identities' centroids,
 * {@link VectorStore#IDENTITIES}) on a writer thread of their own: a point's HNSW insert (Lucene's graph work, ~14 % of
 * the stream thread at 10 000 identities for the faces, ~8 % for the centroids during a fill) runs on another core while
 * the stream thread goes on with the next records. Writes are applied in the order they were asked for, and {@link
 * #awaitWritten} (the resolver's {@link CommitHook}, before every commit) waits for all of them: the vector store
 * holds, at each Kafka commit, every point the committed records wrote, as when the stream thread wrote them itself,
 * and a crash before the commit reprocesses the records, whose upserts are idempotent.
 *
 * <p>A delete waits for the upserts before it and is applied at once, on the calling thread, so a face an operator's
 * command removes is gone from searches when the command's record has been processed. At most {@link #MAX_PENDING}
 * upserts wait; the stream thread waits for room beyond that. A failed write fails the next call (and the commit), and
 * the writes after it are not applied: the task starts again from its last commit.
 */
final class VectorWrites implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VectorWrites.class);
    /** Upserts that may wait (a face's ~2.5 KB: a 512-float vector and its payload; a flush's centroids). */
    static final int MAX_PENDING = 256;

    private final VectorStore vectors;
    private final ExecutorService writer;
    private final Semaphore room = new Semaphore(MAX_PENDING);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    /** The latest write asked for: the writer is one thread, so once it is done every earlier one is. */
    private volatile Future<?> last = CompletableFuture.completedFuture(null);

    VectorWrites(VectorStore vectors) {
        this.vectors = vectors;
        this.writer = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("identity-vector-writes").daemon().factory());
    }

    /**
     * Inserts or replaces the points, after every write asked for before. A vector the store would refuse (not of the
     * collections' {@link VectorStore#DEFAULT_DIMENSION}, zero, not finite) is an {@link IllegalArgumentException} here,
     * as the store's own upsert throws it: the record that asked is a poison record ({@code SkipPoisonRecords}), where a
     * refusal found at the commit would fail the task on the same record again and again.
     */
    void upsert(String collection, List<VectorPoint> points) {
        throwIfFailed();
        for (VectorPoint p : points) Vectors.normalised(collection, VectorStore.DEFAULT_DIMENSION, p.vector());
        room.acquireUninterruptibly();
        try {
            last = writer.submit(() -> {
                try {
                    if (failure.get() == null) vectors.upsert(collection, points);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    room.release();
                }
            });
        } catch (RejectedExecutionException e) {
            room.release();
            throw new IllegalStateException("identity resolution's vector writer is closed", e);
        }
    }

    /** Deletes the points once every write before is applied; done when this returns. */
    void delete(String collection, List<String> ids) {
        awaitWritten();
        vectors.delete(collection, ids);
    }

    /** Waits until every write asked for is applied; throws the first that failed. */
    void awaitWritten() {
        try {
            last.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VectorStoreException("interrupted while identity resolution's vector writes were applied", e);
        } catch (ExecutionException e) {
            throw new VectorStoreException("a write to the vector store failed", e.getCause());
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        RuntimeException failed = failure.get();
        if (failed != null) throw new VectorStoreException("a write to the vector store failed: " + failed.getMessage(), failed);
    }

    /** Applies what waits (a task closed after a commit has nothing left; one closed dirty is reprocessed) and stops the writer. */
    @Override
    public void close() {
        try {
            awaitWritten();
        } catch (RuntimeException e) {
            log.warn("identity resolution closed with a failed write to the vector store (its records are processed again)", e);
        } finally {
            writer.shutdown();
        }
    }
}
