package io.facestream.api.live;

import io.facestream.api.backend.Backend;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The name to draw by each face box of a live frame: the box belongs to the live track whose latest box overlaps it
 * most; the track's sighting (it is resolved while the track lasts) names a known person or POI, or a named identity.
 * An automatic identity without a name, or a track not resolved yet, gets no label. Names are looked up at most once a
 * second per track.
 */
final class FaceLabels {
    /** A track's box this far behind the frame no longer says where its face is. */
    private static final Duration TRACK_AGE = Duration.ofSeconds(3);
    private static final long TTL_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int MAX_CACHED = 4096;

    private record Cached(String label, long expires) {}

    private final Backend backend;
    private final Map<String, Cached> byTrack = new ConcurrentHashMap<>();

    FaceLabels(Backend backend) {
        this.backend = backend;
    }

    /** One label per box of the frame, null where none is known. */
    List<String> of(LatestFrames.Latest frame, List<LatestFrames.LiveTrack> tracks) {
        List<String> labels = new ArrayList<>(frame.boxes().size());
        for (BoundingBox box : frame.boxes()) {
            LatestFrames.LiveTrack best = null;
            double bestIou = 0.1; // a box that overlaps no track's this much is a face no track has taken yet
            for (LatestFrames.LiveTrack track : tracks) {
                if (track.lastSeen().plus(TRACK_AGE).isBefore(frame.timestamp())) continue;
                double iou = iou(box, track.box());
                if (iou > bestIou) {
                    bestIou = iou;
                    best = track;
                }
            }
            labels.add(best == null ? null : label(best.trackId()));
        }
        return labels;
    }

    private String label(String trackId) {
        long now = System.nanoTime();
        Cached cached = byTrack.get(trackId);
        if (cached != null && cached.expires() - now > 0) return cached.label();
        String label;
        try {
            label = backend.queries().sighting(trackId).flatMap(this::name).orElse(null);
        } catch (RuntimeException viewsMoving) {
            label = cached == null ? null : cached.label(); // the views are rebalancing: keep what was known
        }
        if (byTrack.size() >= MAX_CACHED) byTrack.clear();
        byTrack.put(trackId, new Cached(label, now + TTL_NANOS));
        return label;
    }

    private Optional<String> name(Sighting sighting) {
        if (sighting.getPersonId() != null) {
            return backend.gallery().person(sighting.getPersonId()).map(Person::getName);
        }
        return backend.queries().identity(sighting.getIdentityId()).map(Identity::getName);
    }

    static double iou(BoundingBox a, BoundingBox b) {
        double x1 = Math.max(a.getX(), b.getX()), y1 = Math.max(a.getY(), b.getY());
        double x2 = Math.min(a.getX() + a.getWidth(), b.getX() + b.getWidth());
        double y2 = Math.min(a.getY() + a.getHeight(), b.getY() + b.getHeight());
        double overlap = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
        double union = (double) a.getWidth() * a.getHeight() + (double) b.getWidth() * b.getHeight() - overlap;
        return union <= 0 ? 0 : overlap / union;
    }
}
