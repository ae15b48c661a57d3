package io.facestream.models;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one use of the models did in this process, as counters: calls (frames analysed, batches embedded), the
 * items they yielded or took (faces found, crops embedded) and the time spent in the models.
 */
public final class InferenceMetrics {
    private final LongAdder calls = new LongAdder();
    private final LongAdder items = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    public void record(int callItems, long elapsedNanos) {
        calls.increment();
        items.add(callItems);
        nanos.add(elapsedNanos);
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
