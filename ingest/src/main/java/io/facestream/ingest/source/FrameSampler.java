package io.facestream.ingest.source;

/**
 * Keeps frames at a target rate by media time, so a replay at any speed keeps the same
 * frames. A frame is kept when it reaches the next due time; a gap in the stream (a
 * reconnect, a seek) restarts the schedule instead of emitting a burst.
 */
public final class FrameSampler {
    private final long intervalMicros;
    private long nextDueMicros = Long.MIN_VALUE;

    /** @param fps frames per second to keep; 0 keeps every frame */
    public FrameSampler(double fps) {
        this.intervalMicros = fps <= 0 ? 0 : Math.round(1_000_000 / fps);
    }

    public boolean keep(long mediaTimeMicros) {
        if (intervalMicros == 0) return true;
        if (nextDueMicros == Long.MIN_VALUE || mediaTimeMicros < nextDueMicros - intervalMicros
                || mediaTimeMicros >= nextDueMicros + 2 * intervalMicros) {
            nextDueMicros = mediaTimeMicros + intervalMicros;
            return true;
        }
        if (mediaTimeMicros >= nextDueMicros) {
            nextDueMicros += intervalMicros;
            return true;
        }
        return false;
    }
}
