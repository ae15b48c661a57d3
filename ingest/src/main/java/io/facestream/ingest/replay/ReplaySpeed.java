package io.facestream.ingest.replay;

import java.util.Locale;

/**
 * How fast a replay publishes: as fast as it can ({@code max}), at the file's own pace
 * ({@code realtime}, i.e. 1), or at a factor of it. Records are stamped from media time
 * either way, so the speed changes only when they arrive, never what they say.
 */
public record ReplaySpeed(double factor) {
    public static final ReplaySpeed MAX = new ReplaySpeed(Double.POSITIVE_INFINITY);

    public ReplaySpeed {
        if (!(factor > 0)) throw new IllegalArgumentException("replay speed must be > 0, got " + factor);
    }

    /** Parses {@code max}, {@code realtime} or a positive factor such as {@code 2} or {@code 0.5}. */
    public static ReplaySpeed parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("max")) return MAX;
        if (t.equals("realtime")) return new ReplaySpeed(1);
        try {
            return new ReplaySpeed(Double.parseDouble(t.endsWith("x") ? t.substring(0, t.length() - 1) : t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("speed is max, realtime or a positive factor (e.g. 4), got '" + text + "'");
        }
    }

    public boolean unpaced() {
        return Double.isInfinite(factor);
    }

    /**
     * Sleeps until media time {@code mediaMicros} is due, measured from the first call.
     */
    public static final class Pacer {
        private final ReplaySpeed speed;
        private long startNanos = -1;
        private long startMediaMicros;

        public Pacer(ReplaySpeed speed) {
            this.speed = speed;
        }

        public void awaitMediaTime(long mediaMicros) throws InterruptedException {
            if (speed.unpaced()) return;
            if (startNanos < 0) {
                startNanos = System.nanoTime();
                startMediaMicros = mediaMicros;
                return;
            }
            long dueNanos = startNanos + (long) ((mediaMicros - startMediaMicros) * 1000 / speed.factor());
            long waitNanos = dueNanos - System.nanoTime();
            if (waitNanos > 0) java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }
}
