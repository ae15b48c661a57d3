package io.facestream.topologies.tracking;

import io.facestream.schemas.crop.CropIds;
import io.facestream.schemas.avro.state.TrackSnapshot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tracks faces in one source (camera or file), in event time. Each frame's detections
 * are associated with the live tracks ByteTrack-style: high-score detections against the
 * tracks' Kalman-predicted boxes first, then low-score ones against the tracks still
 * unmatched, so a blurred or half-occluded face keeps its track without starting new
 * ones. Unmatched high-score detections start tracks; tracks unseen for the gap end.
 * The tracker also chooses which crops to embed: a track's first usable face at once
 * (alerts must be fast), then only clearly better faces, a few per second at most.
 * Association is greedy by IoU (highest first), which matches the optimal assignment
 * when faces do not overlap, as faces rarely do.
 */
public final class Tracker {

    /** One face detected in a frame. */
    public record Detection(String cropId, long frameNumber, long timestamp, Box box, double score, double quality, String frameRef) {
    }

    public enum EventType { STARTED, UPDATED, ENDED }

    /** A change of one track, with the track as it is after the change. */
    public record Event(EventType type, Track track, long timestamp) {
    }

    /** What a frame (or the passing of time) produced. */
    public record Output(List<Event> events, List<Choice> toEmbed) {
    }

    /** A crop chosen for embedding, and its track. */
    public record Choice(String cropId, String trackId) {
    }

    /** A live track. Mutable: it lives in one tracker. */
    public static final class Track {
        private final String id;
        private final long firstSeen;
        private final long firstFrame;
        private long lastSeen;
        private long lastFrame;
        private Box box;
        private Motion motion;
        private int faces;
        private String bestCropId;
        private double bestQuality = -1;
        private String bestFrameRef;
        private double bestEmbeddedQuality = -1;
        private long lastUpdateEvent;
        private final Deque<Long> recentEmbeds = new ArrayDeque<>();
        private final List<String> embedded = new ArrayList<>();

        Track(String id, Detection d) {
            this.id = id;
            this.firstSeen = d.timestamp();
            this.firstFrame = d.frameNumber();
            this.motion = Motion.start(d.box(), d.timestamp());
            this.lastUpdateEvent = d.timestamp();
            observe(d);
        }

        private Track(TrackSnapshot s) {
            this.id = s.getId();
            this.firstSeen = s.getFirstSeen();
            this.firstFrame = s.getFirstFrame();
            this.lastSeen = s.getLastSeen();
            this.lastFrame = s.getLastFrame();
            this.box = new Box(s.getBox().get(0), s.getBox().get(1), s.getBox().get(2), s.getBox().get(3));
            double[][] covariance = new double[8][8];
            for (int i = 0; i < 64; i++) covariance[i / 8][i % 8] = s.getMotionCovariance().get(i);
            this.motion = new Motion(s.getMotionState().stream().mapToDouble(Double::doubleValue).toArray(), covariance, s.getMotionAt());
            this.faces = s.getFaces();
            this.bestCropId = s.getBestCropId();
            this.bestQuality = s.getBestQuality();
            this.bestFrameRef = s.getBestFrameRef();
            this.bestEmbeddedQuality = s.getBestEmbeddedQuality();
            this.lastUpdateEvent = s.getLastUpdateEvent();
            this.recentEmbeds.addAll(s.getRecentEmbeds());
            this.embedded.addAll(s.getEmbedded());
        }

        private TrackSnapshot snapshot() {
            List<Double> covariance = new ArrayList<>(64);
            for (double[] row : motion.covariance()) for (double v : row) covariance.add(v);
            return TrackSnapshot.newBuilder().setId(id).setFirstSeen(firstSeen).setFirstFrame(firstFrame)
                    .setLastSeen(lastSeen).setLastFrame(lastFrame).setBox(List.of(box.x(), box.y(), box.width(), box.height()))
                    .setMotionState(java.util.Arrays.stream(motion.state()).boxed().toList()).setMotionCovariance(covariance)
                    .setMotionAt(motion.atMillis()).setFaces(faces).setBestCropId(bestCropId).setBestQuality(bestQuality)
                    .setBestFrameRef(bestFrameRef).setBestEmbeddedQuality(bestEmbeddedQuality).setLastUpdateEvent(lastUpdateEvent)
                    .setRecentEmbeds(List.copyOf(recentEmbeds)).setEmbedded(List.copyOf(embedded)).build();
        }

        private void observe(Detection d) {
            lastSeen = d.timestamp();
            lastFrame = d.frameNumber();
            box = d.box();
            if (faces > 0) motion = motion.update(d.box(), d.timestamp());
            faces++;
            if (d.quality() > bestQuality) {
                bestQuality = d.quality();
                bestCropId = d.cropId();
                bestFrameRef = d.frameRef();
            }
        }

        public String id() { return id; }
        public long firstSeen() { return firstSeen; }
        public long lastSeen() { return lastSeen; }
        public long firstFrame() { return firstFrame; }
        public long lastFrame() { return lastFrame; }
        public Box box() { return box; }
        public int faces() { return faces; }
        public String bestCropId() { return bestCropId; }
        public double bestQuality() { return bestQuality; }
        public String bestFrameRef() { return bestFrameRef; }
        public List<String> embedded() { return List.copyOf(embedded); }
    }

    private final String sourceId;
    private final TrackerSettings settings;
    private final Map<String, Track> live = new LinkedHashMap<>();

    public Tracker(String sourceId, TrackerSettings settings) {
        this.sourceId = sourceId;
        this.settings = settings;
    }

    /** A tracker resuming from {@link #snapshot()}: a restarted task continues the same tracks. */
    public static Tracker restore(String sourceId, TrackerSettings settings, List<TrackSnapshot> tracks) {
        Tracker tracker = new Tracker(sourceId, settings);
        for (TrackSnapshot s : tracks) tracker.live.put(s.getId(), new Track(s));
        return tracker;
    }

    /** The live tracks as they would be restored. */
    public List<TrackSnapshot> snapshot() {
        return live.values().stream().map(Track::snapshot).toList();
    }

    public List<Track> liveTracks() {
        return List.copyOf(live.values());
    }

    /** Associates one frame's detections (all of the same frame) and ends tracks past the gap. */
    public Output onFrame(long timestamp, List<Detection> detections) {
        List<Event> events = new ArrayList<>();
        List<Choice> toEmbed = new ArrayList<>();
        Map<Track, Box> predicted = new LinkedHashMap<>();
        for (Track t : live.values()) predicted.put(t, t.motion.predict(timestamp));

        List<Detection> high = detections.stream().filter(d -> d.score() >= settings.highScore()).toList();
        List<Detection> low = detections.stream().filter(d -> d.score() >= settings.lowScore() && d.score() < settings.highScore()).toList();
        Set<Track> matched = new HashSet<>();
        List<Detection> unmatchedHigh = associate(high, predicted, matched, settings.matchIou(), timestamp, events, toEmbed);
        associate(low, predicted, matched, settings.lowMatchIou(), timestamp, events, toEmbed);

        for (Detection d : unmatchedHigh) {
            Track t = new Track(sourceId + ":t" + d.frameNumber() + "." + CropIds.index(d.cropId()), d);
            live.put(t.id, t);
            events.add(new Event(EventType.STARTED, t, timestamp));
            chooseForEmbedding(t, d, toEmbed);
        }
        events.addAll(advanceTo(timestamp).events());
        return new Output(events, toEmbed);
    }

    /** Ends the tracks unseen for longer than the gap at event time {@code timestamp}. */
    public Output advanceTo(long timestamp) {
        List<Event> ended = new ArrayList<>();
        for (Iterator<Track> it = live.values().iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (timestamp - t.lastSeen > settings.gapMillis()) {
                it.remove();
                ended.add(new Event(EventType.ENDED, t, t.lastSeen));
            }
        }
        return new Output(ended, List.of());
    }

    /** Ends every live track now: the source has finished (end of a file). */
    public Output endAll() {
        List<Event> ended = live.values().stream().map(t -> new Event(EventType.ENDED, t, t.lastSeen)).toList();
        live.clear();
        return new Output(ended, List.of());
    }

    private List<Detection> associate(List<Detection> detections, Map<Track, Box> predicted, Set<Track> matched, double minIou,
                                      long timestamp, List<Event> events, List<Choice> toEmbed) {
        record Pair(Track track, Detection detection, double iou) {
        }
        List<Pair> pairs = new ArrayList<>();
        for (Detection d : detections) {
            for (var p : predicted.entrySet()) {
                if (matched.contains(p.getKey())) continue;
                double iou = p.getValue().iou(d.box());
                if (iou >= minIou) pairs.add(new Pair(p.getKey(), d, iou));
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::iou).reversed());
        Set<Detection> used = new HashSet<>();
        for (Pair p : pairs) {
            if (matched.contains(p.track()) || used.contains(p.detection())) continue;
            matched.add(p.track());
            used.add(p.detection());
            p.track().observe(p.detection());
            chooseForEmbedding(p.track(), p.detection(), toEmbed);
            if (timestamp - p.track().lastUpdateEvent >= settings.updateEveryMillis()) {
                p.track().lastUpdateEvent = timestamp;
                events.add(new Event(EventType.UPDATED, p.track(), timestamp));
            }
        }
        return detections.stream().filter(d -> !used.contains(d)).toList();
    }

    private void chooseForEmbedding(Track t, Detection d, List<Choice> toEmbed) {
        if (d.quality() < settings.minEmbedQuality()) return;
        while (!t.recentEmbeds.isEmpty() && d.timestamp() - t.recentEmbeds.peekFirst() >= 1000) t.recentEmbeds.pollFirst();
        boolean first = t.embedded.isEmpty();
        boolean better = d.quality() > t.bestEmbeddedQuality + settings.embedMargin();
        if (first || (better && t.recentEmbeds.size() < settings.maxEmbedsPerSecond())) {
            t.recentEmbeds.addLast(d.timestamp());
            t.embedded.add(d.cropId());
            t.bestEmbeddedQuality = Math.max(t.bestEmbeddedQuality, d.quality());
            toEmbed.add(new Choice(d.cropId(), t.id));
        }
    }
}
