package io.facestream.topologies.tracking;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.avro.state.EmbedWork;
import io.facestream.schemas.avro.state.TrackerState;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.Keys;
import io.facestream.topologies.ProcessorStores;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Tracking, per source, in event time. Input: the face crops and the frame records of the sources of this
 * task (both keyed by source id, so co-partitioned). A frame is tracked once its frame record and all of its
 * {@code face_count} crops have arrived, whichever came first, and frames go through in frame order. Output:
 * the crops the tracker chose for embedding, then the frame's track events, in that order, so that an event
 * always follows the embeddings it lists. Everything between records lives in state stores, so a task that
 * moves or restarts under exactly-once resumes the same tracks.
 */
public final class TrackingProcessor implements Processor<String, SpecificRecord, String, EmbedWork> {
    public static final String PENDING_CROPS = "tracking-pending-crops";
    public static final String PENDING_FRAMES = "tracking-pending-frames";
    public static final String STATE = "tracking-state";
    /**
     * Track id to the frame of its first face of another person, written by the embedding stage, which sees the
     * faces, and read here, where the track is split; shared by the two processors of one task.
     */
    public static final String SPLITS = "tracking-splits";
    private static final Logger log = LoggerFactory.getLogger(TrackingProcessor.class);

    private final TrackerSettings settings;
    private final int maxPendingFrames;
    private final Duration silentCamera;
    private ProcessorContext<String, EmbedWork> context;
    private KeyValueStore<String, FaceCrop> crops;
    private KeyValueStore<String, Frame> frames;
    private KeyValueStore<String, TrackerState> states;
    private KeyValueStore<String, Long> splits;
    /** Trackers of this task's sources, rebuilt from {@link #STATE} after a restart. */
    private final Map<String, Tracker> trackers = new HashMap<>();
    /**
     * What the three stores hold, as the objects last written: every record reads them (a source's state, its waiting
     * frames and their crops), and reading them here decodes nothing. The stores are still written, for their
     * changelogs (at each commit: {@link CommitTimeStore}); {@link #init} reads them back (a restart, a task revived
     * after an error).
     */
    private final Map<String, TrackerState> latestStates = new HashMap<>();
    private final NavigableMap<String, Frame> waitingFrames = new TreeMap<>();
    private final NavigableMap<String, FaceCrop> waitingCrops = new TreeMap<>();
    /** Crops dropped because their frame had been tracked, per source since this task started: for the log only. */
    private final Map<String, Long> lateCrops = new HashMap<>();
    private static final int LATE_CROPS_LOGGED_EVERY = 100;
    /** Wall-clock time each live source last sent a frame: not persisted, a restart starts the clock again. */
    private final Map<String, Long> lastArrival = new HashMap<>();
    /** The silence timer while a camera may have live tracks; null otherwise. */
    private Cancellable silenceTimer;

    public TrackingProcessor(TrackerSettings settings, int maxPendingFrames, Duration silentCamera) {
        this.settings = settings;
        this.maxPendingFrames = maxPendingFrames;
        this.silentCamera = silentCamera;
    }

    /**
     * Trackers with their frame-scoped stores: waiting crops and frames, and each source's tracker state; and
     * {@code splits} ({@link #splitsStore()}), the same builder the embedding stage is given.
     */
    public static ProcessorSupplier<String, SpecificRecord, String, EmbedWork> supplier(TrackerSettings settings, int maxPendingFrames,
                                                                                      Duration silentCamera, AvroSerdes serdes,
                                                                                      StoreBuilder<KeyValueStore<String, Long>> splits) {
        return ProcessorStores.supplier(() -> new TrackingProcessor(settings, maxPendingFrames, silentCamera), Set.of(
                CommitTimeStore.builder(PENDING_CROPS, serdes.of(FaceCrop.class)),
                CommitTimeStore.builder(PENDING_FRAMES, serdes.of(Frame.class)),
                CommitTimeStore.builder(STATE, serdes.of(TrackerState.class)), splits));
    }

    /** The store of splits: one builder, given to both processors that share it. */
    public static StoreBuilder<KeyValueStore<String, Long>> splitsStore() {
        return CommitTimeStore.builder(SPLITS, Serdes.Long());
    }

    @Override
    public void init(ProcessorContext<String, EmbedWork> context) {
        this.context = context;
        this.crops = context.getStateStore(PENDING_CROPS);
        this.frames = context.getStateStore(PENDING_FRAMES);
        this.states = context.getStateStore(STATE);
        this.splits = context.getStateStore(SPLITS);
        trackers.clear();
        latestStates.clear();
        waitingFrames.clear();
        waitingCrops.clear();
        lateCrops.clear();
        try (KeyValueIterator<String, TrackerState> it = states.all()) {
            it.forEachRemaining(kv -> latestStates.put(kv.key, kv.value));
        }
        try (KeyValueIterator<String, Frame> it = frames.all()) {
            it.forEachRemaining(kv -> waitingFrames.put(kv.key, kv.value));
        }
        try (KeyValueIterator<String, FaceCrop> it = crops.all()) {
            it.forEachRemaining(kv -> waitingCrops.put(kv.key, kv.value));
        }
        watchSilence(); // its first run finds the cameras with live tracks from before a restart
    }

    /**
     * The silence timer runs only while a camera has live tracks: an idle task has no punctuation, and so nothing
     * to commit (every punctuation makes Kafka Streams commit the task, a transaction under exactly-once).
     */
    private void watchSilence() {
        if (silenceTimer != null) return;
        long every = Math.max(100, silentCamera.toMillis() / 5);
        silenceTimer = context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, now -> {
            endSilentCameras(now);
            if (lastArrival.isEmpty()) {
                silenceTimer.cancel();
                silenceTimer = null;
            }
        });
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        String source = record.key();
        if (source == null) return;
        TrackerState state = latestStates.get(source);
        long lastFrame = state == null ? -1 : state.getLastFrame();
        if (record.value() instanceof FaceCrop crop) {
            if (crop.getFrameNumber() <= lastFrame) { // a frame already tracked: a late or repeated crop
                long late = lateCrops.merge(source, 1L, Long::sum);
                if (late % LATE_CROPS_LOGGED_EVERY == 1) {
                    log.warn("source {} frame {}: crop {} arrived after its frame was tracked (last tracked {}); dropped ({} so far, logged every {})",
                            source, crop.getFrameNumber(), crop.getFaceIndex(), lastFrame, late, LATE_CROPS_LOGGED_EVERY);
                }
                return;
            }
            String key = Keys.of(source, crop.getFrameNumber(), crop.getFaceIndex());
            crops.put(key, crop);
            waitingCrops.put(key, crop);
        } else if (record.value() instanceof Frame frame) {
            if (frame.getFrameNumber() <= lastFrame) return;
            String key = Keys.of(source, frame.getFrameNumber());
            // The JPEG is the live view's (the API reads it from the topic), not the tracker's: it is dropped in place,
            // since this processor is the record's only reader here, rather than by Avro's copy builder (a deep copy).
            frame.put("jpeg", null); // (the generated classes have no setters)
            waitingFrames.put(key, frame);
            if (frame.getSourceKind() == SourceKind.CAMERA) {
                lastArrival.put(source, context.currentSystemTimeMs());
                watchSilence();
            }
            advance(source);
            // Only a frame that waits for its crops goes to the store; one tracked at once (ingest sends a frame's
            // crops before it) need not.
            if (waitingFrames.containsKey(key)) frames.put(key, frame);
            return;
        } else {
            return;
        }
        advance(source);
    }

    /** Tracks the source's waiting frames, oldest first, while each is complete. */
    private void advance(String source) {
        List<Map.Entry<String, Frame>> waiting = new ArrayList<>(withPrefix(waitingFrames, Keys.prefix(source)).entrySet());
        for (Map.Entry<String, Frame> entry : waiting) {
            Frame frame = entry.getValue();
            List<Map.Entry<String, FaceCrop>> faces = new ArrayList<>(withPrefix(waitingCrops, Keys.prefix(source, frame.getFrameNumber())).entrySet());
            boolean complete = faces.size() >= frame.getFaceCount();
            if (!complete && waiting.size() <= maxPendingFrames) return;
            if (!complete) {
                log.warn("source {} frame {}: {} of {} crops arrived; tracking it without the rest", source,
                        frame.getFrameNumber(), faces.size(), frame.getFaceCount());
            }
            track(source, frame, faces.stream().map(Map.Entry::getValue).toList());
            frames.delete(entry.getKey()); // (nothing is written for a frame the store does not hold)
            waitingFrames.remove(entry.getKey());
            for (Map.Entry<String, FaceCrop> face : faces) {
                crops.delete(face.getKey());
                waitingCrops.remove(face.getKey());
            }
            forgetOrphans(source, frame.getFrameNumber());
        }
    }

    /**
     * Crops of an earlier frame whose record never came (ingest stopped between a frame's crops and its record): a
     * source's frame records come in order, so it never will; they would otherwise wait in the store for good.
     */
    private void forgetOrphans(String source, long tracked) {
        SortedMap<String, FaceCrop> orphans = waitingCrops.subMap(Keys.prefix(source), Keys.of(source, tracked));
        if (orphans.isEmpty()) return;
        log.warn("source {}: {} crops of frames before {} whose frame record never came; dropped", source, orphans.size(), tracked);
        orphans.keySet().forEach(crops::delete);
        orphans.clear();
    }

    /** The entries whose keys start with {@code prefix}, in key order (the stores' own order: ASCII and NUL). */
    private static <V> SortedMap<String, V> withPrefix(NavigableMap<String, V> map, String prefix) {
        return map.subMap(prefix, prefix + Character.MAX_VALUE);
    }

    private void track(String source, Frame frame, List<FaceCrop> faces) {
        TrackerState previous = latestStates.get(source);
        Tracker tracker = trackers.computeIfAbsent(source, s -> previous == null
                ? new Tracker(s, settings) : Tracker.restore(s, settings, previous.getTracks()));
        TrackerState.Builder state = previous == null
                ? TrackerState.newBuilder().setSourceId(source).setSourceKind(frame.getSourceKind()).setTracks(List.of())
                : next(previous);
        if (!faces.isEmpty()) state.setCameraId(faces.get(0).getCameraId()).setFileId(faces.get(0).getFileId());
        long time = frame.getTimestamp().toEpochMilli();
        Map<String, FaceCrop> byId = new HashMap<>();
        List<Tracker.Detection> detections = new ArrayList<>();
        for (FaceCrop c : faces) {
            byId.put(c.getCropId(), c);
            BoundingBox b = c.getBbox();
            detections.add(new Tracker.Detection(c.getCropId(), c.getFrameNumber(), time,
                    new Box(b.getX(), b.getY(), b.getWidth(), b.getHeight()), c.getDetectionScore(), c.getQuality(), c.getFrameRef()));
        }
        if (tracker.awaitsChecks(frame.getFrameNumber(), time, frame.getSceneCut() || frame.getEndOfStream())) checkChosenFaces(source, time);
        Tracker.Output out = tracker.onFrame(time, detections, frame.getSceneCut(), splitsOf(tracker));
        state.setLastFrame(frame.getFrameNumber()).setLastTime(time);
        emit(state, out, byId);
        if (frame.getEndOfStream()) {
            emit(state, tracker.endAll(), byId);
            trackers.remove(source);
            lastArrival.remove(source);
            lateCrops.remove(source);
            states.delete(source); // a replay of the same file later starts afresh, with the same ids
            latestStates.remove(source);
        } else {
            putState(source, state.setTracks(tracker.snapshot()).build());
        }
        // A source tracked in step with its time need not hold its crops for a batch the next frames would fill.
        context.forward(new Record<>(source, EmbedWork.newBuilder().setFrameEnd(true).build(), time));
    }

    /**
     * Has every crop waiting in the embedding stage embedded and checked now (the stage runs in this task: the
     * forward returns once it is done), so that the splits they find are in before a track ends or forgets the faces
     * a split would move: a split decided after that would be lost (the tracker running ahead of its embeddings).
     */
    private void checkChosenFaces(String source, long timestamp) {
        context.forward(new Record<>(source, EmbedWork.newBuilder().setCheckNow(true).build(), timestamp));
        trackers.values().forEach(Tracker::checked);
    }

    /** The splits the embedding stage found in the tracker's live tracks. */
    private Map<String, Long> splitsOf(Tracker tracker) {
        Map<String, Long> split = new HashMap<>();
        for (Tracker.Track t : tracker.liveTracks()) {
            Long from = splits.get(t.id());
            if (from != null) split.put(t.id(), from);
        }
        return split;
    }

    private void emit(TrackerState.Builder state, Tracker.Output out, Map<String, FaceCrop> byId) {
        for (Tracker.Choice choice : out.toEmbed()) {
            FaceCrop crop = byId.get(choice.cropId());
            context.forward(new Record<>(state.getSourceId(), EmbedWork.newBuilder().setCrop(crop).setTrackId(choice.trackId()).build(),
                    crop.getTimestamp().toEpochMilli()));
        }
        for (Tracker.Event e : out.events()) {
            if (e.type() == Tracker.EventType.ENDED) splits.delete(e.track().id()); // (nothing written when it has none)
            context.forward(new Record<>(state.getSourceId(), EmbedWork.newBuilder().setEvent(event(state, e)).build(), e.timestamp()));
        }
    }

    private static TrackEvent event(TrackerState.Builder state, Tracker.Event e) {
        Tracker.Track t = e.track();
        Box b = t.box();
        return TrackEvent.newBuilder().setTrackId(t.id()).setSourceId(state.getSourceId()).setSourceKind(state.getSourceKind())
                .setCameraId(state.getCameraId()).setFileId(state.getFileId())
                .setType(TrackEventType.valueOf(e.type().name())).setTimestamp(Instant.ofEpochMilli(e.timestamp()))
                .setFirstSeen(Instant.ofEpochMilli(t.firstSeen())).setLastSeen(Instant.ofEpochMilli(t.lastSeen()))
                .setFirstFrame(t.firstFrame()).setLastFrame(t.lastFrame())
                .setBbox(new BoundingBox((float) b.x(), (float) b.y(), (float) b.width(), (float) b.height()))
                .setFaceCount(t.faces()).setBestCropId(t.bestCropId()).setBestQuality((float) t.bestQuality())
                .setBestCropRef(t.bestCropId()).setBestFrameRef(t.bestFrameRef()).setEmbeddedCropIds(t.embedded()).build();
    }

    /** A live camera that went silent (network down, worker stopped) gets its tracks ended by wall clock. */
    private void endSilentCameras(long now) {
        // cameras with live tracks from before a restart start their silence clock now
        latestStates.forEach((source, state) -> {
            if (state.getSourceKind() == SourceKind.CAMERA && !state.getTracks().isEmpty()) lastArrival.putIfAbsent(source, now);
        });
        for (var it = lastArrival.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (now - entry.getValue() < silentCamera.toMillis()) continue;
            it.remove();
            String source = entry.getKey();
            TrackerState previous = latestStates.get(source);
            if (previous == null || previous.getTracks().isEmpty()) continue;
            Tracker tracker = trackers.computeIfAbsent(source, s -> Tracker.restore(s, settings, previous.getTracks()));
            TrackerState.Builder state = next(previous);
            if (tracker.awaitsChecks(previous.getLastFrame(), previous.getLastTime(), true)) checkChosenFaces(source, previous.getLastTime());
            emit(state, tracker.split(splitsOf(tracker), previous.getLastTime()), Map.of());
            emit(state, tracker.endAll(), Map.of());
            putState(source, state.setTracks(List.of()).build());
        }
    }

    /** A builder from {@code previous} without its tracks, which are replaced anyway (Avro's copy builder would deep-copy them). */
    private static TrackerState.Builder next(TrackerState previous) {
        return TrackerState.newBuilder().setSourceId(previous.getSourceId()).setSourceKind(previous.getSourceKind())
                .setCameraId(previous.getCameraId()).setFileId(previous.getFileId()).setLastFrame(previous.getLastFrame())
                .setLastTime(previous.getLastTime()).setTracks(List.of());
    }

    private void putState(String source, TrackerState state) {
        states.put(source, state);
        latestStates.put(source, state);
    }
}
