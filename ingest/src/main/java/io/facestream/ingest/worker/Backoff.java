package io.facestream.ingest.worker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, so many cameras of one dead NVR don't retry in lockstep. */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private int attempts;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0)
            throw new IllegalArgumentException("backoff needs 0 < initial <= max");
        this.initial = initial;
        this.max = max;
    }

    /** The wait before the next attempt: initial × 2^failures, capped, minus up to 20 % jitter. */
    public Duration next() {
        long base = initial.toMillis() << Math.min(attempts++, 20);
        long capped = Math.min(base, max.toMillis());
        return Duration.ofMillis(capped - ThreadLocalRandom.current().nextLong(capped / 5 + 1));
    }

    public void reset() {
        attempts = 0;
    }
}
