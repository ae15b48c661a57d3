package io.facestream.topologies.identity;

import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;
import io.facestream.vectors.VectorStoreException;
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
 * Identity resolution's writes to the vector store's {@link VectorStore#FACES} collection, the faces' upserts on a
 * writer thread of their own: a face's HNSW insert (Lucene's graph work, ~14 % of the stream thread at 10 000
 * identities) runs on the other core while the stream thread goes on with the next records. Writes are applied in the
 * order they were asked for, and {@link #awaitWritten} (the resolver's {@link CommitHook}, before every commit) waits
 * for all of them: the vector store holds, at each Kafka commit, every face the committed records wrote, as when the
 * stream thread wrote them itself, and a crash before the commit reprocesses the records, whose upserts are idempotent.
 *
 * <p>A delete waits for the upserts before it and is applied at once, on the calling thread, so a face an operator's
 * command removes is gone from searches when the command's record has been processed. At most {@link #MAX_PENDING}
 * upserts wait; the stream thread waits for room beyond that. A failed write fails the next call (and the commit), and
 * the writes after it are not applied: the task starts again from its last commit.
 */
final class FaceWrites implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FaceWrites.class);
    /** Upserts that may wait (each ~2.5 KB: a 512-float vector and its payload). */
    static final int MAX_PENDING = 256;

    private final VectorStore vectors;
    private final ExecutorService writer;
    private final Semaphore room = new Semaphore(MAX_PENDING);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    /** The latest write asked for: the writer is one thread, so once it is done every earlier one is. */
    private Future<?> last = CompletableFuture.completedFuture(null);

    FaceWrites(VectorStore vectors) {
        this.vectors = vectors;
        this.writer = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("identity-face-writes").daemon().factory());
    }

    /** Inserts or replaces the face's point, after every write asked for before it. */
    void upsert(VectorPoint face) {
        throwIfFailed();
        room.acquireUninterruptibly();
        try {
            last = writer.submit(() -> {
                try {
                    if (failure.get() == null) vectors.upsert(VectorStore.FACES, face);
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    room.release();
                }
            });
        } catch (RejectedExecutionException e) {
            room.release();
            throw new IllegalStateException("the faces' writer is closed", e);
        }
    }

    /** Deletes the faces' points once every write before is applied; done when this returns. */
    void delete(List<String> faceIds) {
        awaitWritten();
        vectors.delete(VectorStore.FACES, faceIds);
    }

    /** Waits until every write asked for is applied; throws the first that failed. */
    void awaitWritten() {
        try {
            last.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VectorStoreException("interrupted while the faces' writes were applied", e);
        } catch (ExecutionException e) {
            throw new VectorStoreException("a write to the faces collection failed", e.getCause());
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        RuntimeException failed = failure.get();
        if (failed != null) throw new VectorStoreException("a write to the faces collection failed: " + failed.getMessage(), failed);
    }

    /** Applies what waits (a task closed after a commit has nothing left; one closed dirty is reprocessed) and stops the writer. */
    @Override
    public void close() {
        try {
            awaitWritten();
        } catch (RuntimeException e) {
            log.warn("identity resolution closed with a failed write to the faces collection (its records are processed again)", e);
        } finally {
            writer.shutdown();
        }
    }
}
