package io.facestream.topologies.alerts;

import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.topologies.Keys;
import io.facestream.topologies.ProcessorStores;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.views.Views;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.Set;

/**
 * POI alerts, straight from the embeddings of live tracks: the first face of a track that matches an active
 * POI at or above the threshold raises that POI's alert at once, without waiting for the track to end or for
 * identity resolution. One alert per (POI, track); after an alert, other tracks of that POI at the same
 * camera stay quiet for the cooldown (in event time, so a replay behaves as the live camera did).
 * Tracks are per source, and sources are partitioned by source, so both rules are local to this task.
 * A soft face (below the tracker's usable quality: small, blurred) is weaker evidence: it alerts only once a second
 * soft face of the same track matched the same POI too (or any usable one did), so one unlucky glimpse cannot.
 */
public final class AlertProcessor implements Processor<String, FaceEmbedding, String, PoiAlert> {
    public static final String SENT = "alerts-sent";
    public static final String COOLDOWN = "alerts-cooldown";

    private final Gallery gallery;
    private final double threshold;
    private final Duration cooldown;
    private final double softQuality;
    private ProcessorContext<String, PoiAlert> context;
    private KeyValueStore<String, Long> sent;
    private KeyValueStore<String, Long> lastAlertAt;
    private KeyValueStore<String, Long> counts;

    public AlertProcessor(Gallery gallery, double threshold, Duration cooldown, double softQuality) {
        this.gallery = gallery;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.softQuality = softQuality;
    }

    /** Alerting processors with their stores: alerts sent per POI and track, last alert per POI and camera. */
    public static ProcessorSupplier<String, FaceEmbedding, String, PoiAlert> supplier(Gallery gallery, double threshold, Duration cooldown,
                                                                                     double softQuality) {
        return ProcessorStores.supplier(() -> new AlertProcessor(gallery, threshold, cooldown, softQuality), Set.of(
                ProcessorStores.persistent(SENT, Serdes.Long()), ProcessorStores.persistent(COOLDOWN, Serdes.Long())));
    }

    @Override
    public void init(ProcessorContext<String, PoiAlert> context) {
        this.context = context;
        this.sent = context.getStateStore(SENT);
        this.lastAlertAt = context.getStateStore(COOLDOWN);
        this.counts = context.getStateStore(Views.ALERT_COUNTS.name());
    }

    @Override
    public void process(Record<String, FaceEmbedding> record) {
        FaceEmbedding face = record.value();
        if (face.getTrackId() == null) return;
        // every matching watch-list entry alerts: two entries for one face are the operator's to see, not ours to hide
        for (Gallery.Match match : gallery.poisAtLeast(StoredEmbeddings.of(face), threshold)) alert(face, match);
    }

    private void alert(FaceEmbedding face, Gallery.Match match) {
        Person poi = match.person();
        String trackKey = Keys.of(poi.getPersonId(), face.getTrackId());
        if (sent.get(trackKey) != null) return;
        if (face.getQuality() < softQuality) {
            String softKey = Keys.of("soft", poi.getPersonId(), face.getTrackId()); // soft matches so far (same store, own keys)
            Long soft = sent.get(softKey);
            if (soft == null) {
                sent.put(softKey, 1L);
                return;
            }
        }
        long time = face.getTimestamp().toEpochMilli();
        String camera = cameraOf(face);
        String cameraKey = Keys.of(poi.getPersonId(), camera);
        Long previous = lastAlertAt.get(cameraKey);
        sent.put(trackKey, time); // a track that falls in the cooldown stays quiet for its whole life
        if (previous != null && time - previous < cooldown.toMillis() && time >= previous) return;
        lastAlertAt.put(cameraKey, time);
        Long count = counts.get(poi.getPersonId());
        Watchlist watch = poi.getWatchlist();
        PoiAlert alert = PoiAlert.newBuilder()
                .setAlertId(poi.getPersonId() + ":" + face.getTrackId()).setPoiId(poi.getPersonId()).setPoiName(poi.getName())
                .setSeverity(watch.getSeverity()).setNotes(watch.getNotes() != null ? watch.getNotes() : poi.getNotes())
                .setEnrolledAt(watch.getEnrolledAt()).setPreviousMatchCount(count == null ? 0 : count.intValue())
                .setCameraId(camera).setSourceId(face.getSourceId()).setTrackId(face.getTrackId()).setTimestamp(face.getTimestamp())
                .setConfidence(face.getDetectionScore() == null ? 0f : face.getDetectionScore())
                .setSimilarity((float) match.similarity()).setBbox(face.getBbox()).setFrameNumber(face.getFrameNumber())
                .setFrameRef(face.getFrameRef()).setThumbnailRef(face.getCropId()).build();
        context.forward(new Record<>(poi.getPersonId(), alert, time));
    }

    /** The camera an alert names: the camera, for a replay the camera it stands for, else the file itself. */
    static String cameraOf(FaceEmbedding face) {
        if (face.getCameraId() != null) return face.getCameraId();
        if (face.getFileId() != null) return face.getFileId();
        return face.getSourceId();
    }
}
