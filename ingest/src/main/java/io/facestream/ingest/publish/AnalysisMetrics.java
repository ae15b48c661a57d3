package io.facestream.ingest.publish;

import java.util.concurrent.atomic.LongAdder;

/** What the frame processor's detection did, across cameras and replays: frames, faces and time in the models. */
public final class AnalysisMetrics {
    private final LongAdder frames = new LongAdder();
    private final LongAdder faces = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    void frame(int facesFound, long elapsedNanos) {
        frames.increment();
        faces.add(facesFound);
        nanos.add(elapsedNanos);
    }

    public long frames() {
        return frames.sum();
    }

    public long faces() {
        return faces.sum();
    }

    public double modelSeconds() {
        return nanos.sum() / 1e9;
    }
}
