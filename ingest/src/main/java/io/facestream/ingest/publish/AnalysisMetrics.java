package io.facestream.ingest.publish;

import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.avro.SourceKind;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the frame processor's detection did, across cameras and replays: the models' counters (frames, faces, time
 * in the models), and per camera (a replay counts under the camera it is replayed as, or none) the frames read,
 * analysed and dropped (read but not analysed: detection or the blob store failed). Labels are camera ids, never
 * file ids: their number is bounded by the cameras configured, however many files are replayed.
 */
public final class AnalysisMetrics {

    /** One camera's (or the camera-less replays') frame counts. */
    public record SourceCounts(String kind, String camera, LongAdder read, LongAdder analysed, LongAdder dropped) {
    }

    private final InferenceMetrics models = new InferenceMetrics();
    private final Map<String, SourceCounts> bySource = new ConcurrentHashMap<>();

    /** Frames analysed (calls), faces found (items) and time in the models. */
    public InferenceMetrics models() {
        return models;
    }

    SourceCounts source(SourceKind kind, String cameraId) {
        String k = kind.name().toLowerCase(Locale.ROOT), camera = cameraId == null ? "" : cameraId;
        return bySource.computeIfAbsent(k + "/" + camera, key -> new SourceCounts(k, camera, new LongAdder(), new LongAdder(), new LongAdder()));
    }

    /** Every camera's counts so far, for gauges that follow them as cameras come. */
    public Collection<SourceCounts> sources() {
        return bySource.values();
    }
}
