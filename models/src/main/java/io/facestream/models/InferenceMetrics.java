package io.facestream.models;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * What one use of the models did in this process, as counters: calls (frames analysed, batches embedded), the
 * items they yielded or took (faces found, crops embedded) and the time spent in the models.
 */
public final class InferenceMetrics {
    private final LongAdder calls = new LongAdder();
    private final LongAdder items = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private volatile LongConsumer observer = elapsed -> { };

    public void record(int callItems, long elapsedNanos) {
        calls.increment();
        items.add(callItems);
        nanos.add(elapsedNanos);
        observer.accept(elapsedNanos);
    }

    /** Told each call's time in the models (a latency histogram's); one per process, the metrics registry's. */
    public void observe(LongConsumer observer) {
        this.observer = observer;
    }

    public long calls() {
        return calls.sum();
    }

    public long items() {
        return items.sum();
    }

    public double modelSeconds() {
        return nanos.sum() / 1e9;
    }
}
