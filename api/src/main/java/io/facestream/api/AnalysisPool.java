package io.facestream.api;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one bounded pool in which every uploaded image is decoded and analysed, whichever route or WebSocket it
 * came in on. A decoded 50-megapixel image costs about 150 MB of heap plus as much again natively while it is
 * analysed, so at most {@code workers} are in memory at once, at most {@code queue} more wait (holding only
 * their compressed bytes), and anything beyond is refused at once with 503 rather than queued without end.
 */
final class AnalysisPool implements AutoCloseable {
    static final String BUSY_MESSAGE = "The server is busy analysing other images; try again in a moment.";

    private final ThreadPoolExecutor executor;

    AnalysisPool(int workers, int queue) {
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue), runnable -> {
                    Thread thread = new Thread(runnable, "facestream-analysis-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} in the pool and waits for it; 503 (busy) when every worker and queue slot is taken. */
    <T> T run(Callable<T> work) {
        Future<T> future;
        try {
            future = executor.submit(work);
        } catch (RejectedExecutionException e) {
            throw new ApiException(ErrorKind.SERVICE_UNAVAILABLE, BUSY_MESSAGE);
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorKind.SERVICE_UNAVAILABLE, "The request was interrupted.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
