package io.facestream.ingest.publish;

import io.facestream.schemas.avro.SourceKind;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the frame processor's detection did, across cameras and replays: frames, faces and time in the models,
 * and per camera (a replay counts under the camera it is replayed as, or none) the frames read, analysed and
 * dropped (read but not analysed: detection or the blob store failed). Labels are camera ids, never file ids:
 * their number is bounded by the cameras configured, however many files are replayed.
 */
public final class AnalysisMetrics {
    /** Told of each analysed frame's time in the models, for a latency histogram. */
    @FunctionalInterface
    public interface Observer {
        void analysed(long elapsedNanos);
    }

    /** One camera's (or the camera-less replays') frame counts. */
    public record SourceCounts(String kind, String camera, LongAdder read, LongAdder analysed, LongAdder dropped) {
    }

    private final LongAdder frames = new LongAdder();
    private final LongAdder faces = new LongAdder();
    private final LongAdder nanos = new LongAdder();
    private final Map<String, SourceCounts> bySource = new ConcurrentHashMap<>();
    private volatile Observer observer = elapsed -> { };

    void frame(int facesFound, long elapsedNanos) {
        frames.increment();
        faces.add(facesFound);
        nanos.add(elapsedNanos);
        observer.analysed(elapsedNanos);
    }

    SourceCounts source(SourceKind kind, String cameraId) {
        String k = kind.name().toLowerCase(Locale.ROOT), camera = cameraId == null ? "" : cameraId;
        return bySource.computeIfAbsent(k + "/" + camera, key -> new SourceCounts(k, camera, new LongAdder(), new LongAdder(), new LongAdder()));
    }

    /** Replaces the observer (one per process: the metrics registry's). */
    public void observe(Observer observer) {
        this.observer = observer;
    }

    /** Every camera's counts so far, for gauges that follow them as cameras come. */
    public java.util.Collection<SourceCounts> sources() {
        return bySource.values();
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
