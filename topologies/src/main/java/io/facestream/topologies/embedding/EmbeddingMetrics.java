package io.facestream.topologies.embedding;

import java.util.concurrent.atomic.LongAdder;

/** What the embedding processors of this instance did: batches, crops and time spent in the model. */
public final class EmbeddingMetrics {
    private final LongAdder batches = new LongAdder();
    private final LongAdder crops = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private volatile java.util.function.LongConsumer observer = elapsed -> { };

    void batch(int size, long elapsedNanos) {
        batches.increment();
        crops.add(size);
        nanos.add(elapsedNanos);
        observer.accept(elapsedNanos);
    }

    /** Told each batch's time in the model (a latency histogram's); one per process. */
    public void observe(java.util.function.LongConsumer observer) {
        this.observer = observer;
    }

    public long batches() {
        return batches.sum();
    }

    public long crops() {
        return crops.sum();
    }

    public double modelSeconds() {
        return nanos.sum() / 1e9;
    }
}
