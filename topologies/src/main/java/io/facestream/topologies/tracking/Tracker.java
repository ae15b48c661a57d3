package io.facestream.topologies.tracking;

import io.facestream.schemas.crop.CropIds;
import io.facestream.schemas.avro.state.TrackSnapshot;
import io.facestream.topologies.tracking.TrackSnapshots.Face;

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
 * The tracker also chooses which crops to embed: a track's first face at once
 * (alerts must be fast), then only clearly better faces, a few per second at most; faces below
 * the usable quality only while they are the track's best so far, a few per track.
 * Association is greedy by IoU (highest first), which matches the optimal assignment
 * when faces do not overlap, as faces rarely do.
 *
 * <p>A box that stays in place does not make one person: a track never carries on across a scene cut (every
 * live track ends before the cut frame is associated), and a track is split where a later embedding of it showed
 * another person's face (the embedding stage reports the frame; see {@code EmbeddingProcessor}). To notice that,
 * a track's face is embedded again after a while even when it is no better ({@code recheckMillis}), and the track
 * remembers its faces of the last few seconds, so the split falls at the other person's first face: the faces
 * before it stay with the track, which ends there, and those from it on start the new track. A steady track is
 * rechecked less and less often ({@code recheckMillis} doubling after each recheck, up to {@code recheckMaxMillis}):
 * every recheck it survives confirmed its person, and each costs an embedding. A cue that the box may now hold
 * someone else brings the interval back to {@code recheckMillis}: the face comes back after a frame without it, its box
 * jumped from where the track was heading ({@link #JUMP_IOU}), or another track's box came near ({@link #NEAR}). The embeddings come
 * back later than the frames go on (micro-batches, a replay at full speed); {@code TrackingProcessor} has them
 * checked before this tracker ends a track or forgets a face they may split.
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
        private long lastEmbedAt;
        private int softEmbeds;
        /** The current recheck interval: doubles after each recheck, back to the shortest at a cue of a swap. */
        private long recheckEvery;
        /** The track's faces of the last {@code historyMillis} (bounded), oldest first: where a split may fall. */
        private final Deque<Face> recent = new ArrayDeque<>();

        Track(String id, Detection d, TrackerSettings settings) {
            this.id = id;
            this.firstSeen = d.timestamp();
            this.firstFrame = d.frameNumber();
            this.motion = Motion.start(d.box(), d.timestamp());
            this.lastUpdateEvent = d.timestamp();
            this.recheckEvery = settings.recheckMillis();
            observe(d, settings);
        }

        /**
         * Takes this track's faces from frame {@code from} on away, as another person's, and winds the track back
         * to its last face before them. Empty when there is nothing to take (the faces were older than the
         * remembered past), or when every remembered face would go (then the track is left as it is).
         */
        private List<Face> takeFrom(long from) {
            List<Face> taken = recent.stream().filter(o -> o.frame() >= from).toList();
            List<Face> kept = recent.stream().filter(o -> o.frame() < from).toList();
            if (taken.isEmpty() || (kept.isEmpty() && firstFrame >= from)) return List.of();
            Set<String> takenIds = new HashSet<>();
            taken.forEach(o -> takenIds.add(o.cropId()));
            faces -= taken.size();
            embedded.removeIf(takenIds::contains);
            if (kept.isEmpty()) { // its earlier faces are older than the remembered past: end just before the other's
                lastFrame = from - 1;
                lastSeen = taken.getFirst().time() - 1;
            } else {
                Face last = kept.getLast();
                lastFrame = last.frame();
                lastSeen = last.time();
                box = last.box();
            }
            if (takenIds.contains(bestCropId)) {
                Face best = kept.stream().max(Comparator.comparingDouble(Face::quality)).orElse(null);
                bestCropId = best == null ? null : best.cropId();
                bestQuality = best == null ? -1 : best.quality();
                bestFrameRef = best == null ? null : best.frameRef();
            }
            recent.clear();
            recent.addAll(kept);
            return taken;
        }

        private Track(TrackSnapshot s) {
            this.id = s.getId();
            this.firstSeen = s.getFirstSeen();
            this.firstFrame = s.getFirstFrame();
            this.lastSeen = s.getLastSeen();
            this.lastFrame = s.getLastFrame();
            TrackSnapshots.Numbers numbers = TrackSnapshots.read(s, MAX_RECENT);
            this.box = numbers.box();
            this.motion = numbers.motion();
            this.faces = s.getFaces();
            this.bestCropId = s.getBestCropId();
            this.bestQuality = s.getBestQuality();
            this.bestFrameRef = s.getBestFrameRef();
            this.bestEmbeddedQuality = s.getBestEmbeddedQuality();
            this.lastUpdateEvent = s.getLastUpdateEvent();
            this.recentEmbeds.addAll(s.getRecentEmbeds());
            this.embedded.addAll(s.getEmbedded());
            this.lastEmbedAt = s.getLastEmbedAt();
            this.softEmbeds = s.getSoftEmbeds();
            this.recheckEvery = s.getRecheckEvery();
            this.recent.addAll(numbers.recent());
        }

        /** The track as its store keeps it: numbers as bytes ({@link TrackSnapshots}), the fields they replaced empty. */
        private TrackSnapshot snapshot() {
            List<Face> remembered = List.copyOf(recent);
            return TrackSnapshot.newBuilder().setId(id).setFirstSeen(firstSeen).setFirstFrame(firstFrame)
                    .setLastSeen(lastSeen).setLastFrame(lastFrame).setBox(List.of()).setMotionState(List.of()).setMotionCovariance(List.of())
                    .setBoxMotionF64(TrackSnapshots.boxAndMotion(box, motion))
                    .setMotionAt(motion.atMillis()).setFaces(faces).setBestCropId(bestCropId).setBestQuality(bestQuality)
                    .setBestFrameRef(bestFrameRef).setBestEmbeddedQuality(bestEmbeddedQuality).setLastUpdateEvent(lastUpdateEvent)
                    .setRecentEmbeds(List.copyOf(recentEmbeds)).setEmbedded(List.copyOf(embedded)).setLastEmbedAt(lastEmbedAt)
                    .setRecent(List.of()).setRecentNumbers(TrackSnapshots.recentNumbers(remembered))
                    .setRecentCropIds(TrackSnapshots.cropIds(remembered)).setRecentFrameRefs(TrackSnapshots.frameRefs(remembered))
                    .setSoftEmbeds(softEmbeds).setRecheckEvery(recheckEvery).build();
        }

        private void observe(Detection d, TrackerSettings settings) {
            recent.addLast(new Face(d.cropId(), d.frameNumber(), d.timestamp(), d.box(), d.quality(), d.frameRef()));
            while (recent.size() > MAX_RECENT || d.timestamp() - recent.peekFirst().time() > settings.historyMillis()) recent.pollFirst();
            lastSeen = d.timestamp();
            lastFrame = d.frameNumber();
            box = d.box();
            if (faces > 0) motion = motion.update(d.box(), d.timestamp());
            faces++;
            if (bestCropId == null || d.quality() > bestQuality) {
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

    /** Faces a track remembers at most, whatever the frame rate. */
    private static final int MAX_RECENT = 256;
    /** A face whose box overlaps where its track was heading by less than this jumped: a cue of a swap. */
    static final double JUMP_IOU = 0.5;
    /**
     * Another track's box nearer than this many times the larger box's width (centre to centre) is near: people
     * crossing or standing close, when a box may pass from one to the other. A cue of a swap.
     */
    static final double NEAR = 1.5;

    private final String sourceId;
    private final TrackerSettings settings;
    private final Map<String, Track> live = new LinkedHashMap<>();
    /**
     * The frame and time of the oldest face chosen for embedding whose check (another person?) may still be out; -1
     * when none is. Not kept in a snapshot: a restored tracker assumes some are out ({@link #uncheckedUnknown}).
     */
    private long uncheckedFrame = -1, uncheckedTime;
    private boolean uncheckedUnknown;
    /**
     * The time of the frame tracked before this one; unknown ({@code Long.MIN_VALUE}) after a restore. A track last seen
     * before it was missing from it: frame numbers cannot say so, since a sampled source skips the numbers of the
     * frames it does not analyse.
     */
    private long previousFrameTime = Long.MIN_VALUE;

    public Tracker(String sourceId, TrackerSettings settings) {
        this.sourceId = sourceId;
        this.settings = settings;
    }

    /** A tracker resuming from {@link #snapshot()}: a restarted task continues the same tracks. */
    public static Tracker restore(String sourceId, TrackerSettings settings, List<TrackSnapshot> tracks) {
        Tracker tracker = new Tracker(sourceId, settings);
        for (TrackSnapshot s : tracks) tracker.live.put(s.getId(), new Track(s));
        tracker.uncheckedUnknown = true;
        return tracker;
    }

    /**
     * Whether the faces chosen for embedding must be checked (embedded, compared with their track) before the frame
     * {@code frame} at {@code timestamp} is tracked, or before every track ends ({@code ending}: a scene cut, the end of
     * the source): when some may still be out and the frame would end a track or make a track forget faces a check
     * may split. A check asked within half the remembered past leaves the faces from any split on remembered.
     */
    public boolean awaitsChecks(long frame, long timestamp, boolean ending) {
        if (uncheckedUnknown) return true;
        if (uncheckedFrame < 0) return false;
        return ending || timestamp - uncheckedTime >= settings.historyMillis() / 2 || frame - uncheckedFrame >= MAX_RECENT / 2
                || live.values().stream().anyMatch(t -> timestamp - t.lastSeen > settings.gapMillis());
    }

    /** Every face chosen so far has been checked: its split, if any, is in the splits the tracker is given next. */
    public void checked() {
        uncheckedFrame = -1;
        uncheckedUnknown = false;
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
        return onFrame(timestamp, detections, false, Map.of());
    }

    /**
     * {@link #onFrame(long, List)} after a frame's cues that a box no longer holds the same person: every live
     * track ends first when the frame follows a scene cut, and each track named in {@code splits} (track id to the
     * frame of its first face of another person) is split there.
     */
    public Output onFrame(long timestamp, List<Detection> detections, boolean sceneCut, Map<String, Long> splits) {
        List<Event> events = new ArrayList<>(split(splits, timestamp).events()); // a split falls before the cut
        List<Choice> toEmbed = new ArrayList<>();
        if (sceneCut) events.addAll(endAll().events());
        Map<Track, Box> predicted = new LinkedHashMap<>();
        for (Track t : live.values()) predicted.put(t, t.motion.predict(timestamp));

        List<Detection> high = detections.stream().filter(d -> d.score() >= settings.highScore()).toList();
        List<Detection> low = detections.stream().filter(d -> d.score() >= settings.lowScore() && d.score() < settings.highScore()).toList();
        Set<Track> matched = new HashSet<>();
        List<Detection> unmatchedHigh = associate(high, predicted, matched, settings.matchIou(), timestamp, events, toEmbed);
        associate(low, predicted, matched, settings.lowMatchIou(), timestamp, events, toEmbed);

        for (Detection d : unmatchedHigh) {
            Track t = new Track(trackId(d.frameNumber(), d.cropId()), d, settings);
            live.put(t.id, t);
            events.add(new Event(EventType.STARTED, t, timestamp));
            chooseForEmbedding(t, d, toEmbed);
        }
        events.addAll(advanceTo(timestamp).events());
        previousFrameTime = timestamp;
        return new Output(events, toEmbed);
    }

    private String trackId(long frame, String cropId) {
        return sourceId + ":t" + frame + "." + CropIds.index(cropId);
    }

    /**
     * Splits each live track named in {@code splits} (track id to the frame of its first face of another person) there:
     * the track ends before that face, and its faces from it on start a new track. Those faces must still be
     * remembered ({@code historyMillis}); the caller has the splits in before it lets them go.
     */
    public Output split(Map<String, Long> splits, long timestamp) {
        List<Event> events = new ArrayList<>();
        for (var split : splits.entrySet()) {
            Track t = live.get(split.getKey());
            if (t != null) split(t, split.getValue(), timestamp, events);
        }
        return new Output(events, List.of());
    }

    /** Ends {@code t} before its faces from frame {@code from} on, which start a new track of their own. */
    private void split(Track t, long from, long timestamp, List<Event> events) {
        List<Face> taken = t.takeFrom(from);
        live.remove(t.id);
        events.add(new Event(EventType.ENDED, t, t.lastSeen));
        if (taken.isEmpty()) return; // nothing remembered to hand over: the other person's next face starts a track
        Face first = taken.getFirst();
        Track other = new Track(trackId(first.frame(), first.cropId()), detection(first), settings);
        for (Face o : taken.subList(1, taken.size())) other.observe(detection(o), settings);
        other.lastUpdateEvent = timestamp;
        live.put(other.id, other);
        events.add(new Event(EventType.STARTED, other, timestamp));
    }

    private static Detection detection(Face o) {
        return new Detection(o.cropId(), o.frame(), o.time(), o.box(), 1, o.quality(), o.frameRef());
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
            if (swapCue(p.track(), p.detection(), p.iou())) p.track().recheckEvery = settings.recheckMillis();
            p.track().observe(p.detection(), settings);
            chooseForEmbedding(p.track(), p.detection(), toEmbed);
            if (timestamp - p.track().lastUpdateEvent >= settings.updateEveryMillis()) {
                p.track().lastUpdateEvent = timestamp;
                events.add(new Event(EventType.UPDATED, p.track(), timestamp));
            }
        }
        return detections.stream().filter(d -> !used.contains(d)).toList();
    }

    /**
     * Whether the box matched to {@code t} may now hold someone else: the face is back after a frame without it, its box
     * jumped ({@code iou} with the predicted box under {@link #JUMP_IOU}), or another live track is {@link #NEAR}.
     */
    private boolean swapCue(Track t, Detection d, double iou) {
        if ((previousFrameTime != Long.MIN_VALUE && t.lastSeen < previousFrameTime) || iou < JUMP_IOU) return true;
        for (Track other : live.values()) {
            if (other != t && near(other.box, d.box())) return true;
        }
        return false;
    }

    private static boolean near(Box a, Box b) {
        double dx = a.centerX() - b.centerX(), dy = a.centerY() - b.centerY();
        double reach = NEAR * Math.max(a.width(), b.width());
        return dx * dx + dy * dy < reach * reach;
    }

    private void chooseForEmbedding(Track t, Detection d, List<Choice> toEmbed) {
        boolean soft = d.quality() < settings.minEmbedQuality();
        // a soft face: only the track's best so far, and a few per track (a track of soft faces is not starved)
        if (soft && (t.softEmbeds >= settings.maxSoftEmbeds() || !d.cropId().equals(t.bestCropId))) return;
        while (!t.recentEmbeds.isEmpty() && d.timestamp() - t.recentEmbeds.peekFirst() >= 1000) t.recentEmbeds.pollFirst();
        boolean first = t.embedded.isEmpty();
        boolean better = d.quality() > t.bestEmbeddedQuality + settings.embedMargin();
        // still the same person? (a state from before the interval was kept reads 0: the shortest)
        boolean recheck = !soft && d.timestamp() - t.lastEmbedAt >= Math.max(t.recheckEvery, settings.recheckMillis());
        // soft faces are bounded per track instead of per second, so they never hold back a usable face
        if (first || ((better || recheck) && (soft || t.recentEmbeds.size() < settings.maxEmbedsPerSecond()))) {
            if (soft) t.softEmbeds++;
            else t.recentEmbeds.addLast(d.timestamp());
            if (recheck && !first && !better) {
                t.recheckEvery = Math.min(settings.recheckMaxMillis(), 2 * Math.max(t.recheckEvery, settings.recheckMillis()));
            }
            t.lastEmbedAt = d.timestamp();
            t.embedded.add(d.cropId());
            t.bestEmbeddedQuality = Math.max(t.bestEmbeddedQuality, d.quality());
            toEmbed.add(new Choice(d.cropId(), t.id));
            if (uncheckedFrame < 0) {
                uncheckedFrame = d.frameNumber();
                uncheckedTime = d.timestamp();
            }
        }
    }
}
