package io.facestream.topologies;

import io.facestream.models.MatchThresholds;
import io.facestream.topologies.tracking.TrackerSettings;

import java.time.Duration;

/**
 * Every decision of the topologies that an operator may tune, in one place.
 *
 * @param tracker           association, track ending and the choice of crops to embed
 * @param embedBatchSize    crops embedded together; a full batch runs at once
 * @param embedMaxWait      the longest a chosen crop waits for its batch to fill (bounds latency at low load)
 * @param thresholds        least similarities per decision (POI alert, known person, automatic identity, search),
 *                          the API's own matches included
 * @param identityMinFaces  an automatic identity stays pending until it has this many faces
 * @param maxExemplars      best faces an identity keeps for matching (its centroid is their weighted mean)
 * @param maxTrackFaces     best faces of a track its identity decision weighs
 * @param alertCooldown     after an alert for a POI at a camera, further tracks of that POI there stay quiet this long
 * @param silentCamera      a live camera that sent no frame for this long (wall clock) has its tracks ended
 * @param maxPendingFrames  frames a source may wait for a frame's missing crops before that frame goes on without them
 * @param goodFaceQuality   a track's embedded face at least this good counts toward an unknown-face alert, which
 *                          needs {@code identityMinFaces} of them (a blurred glimpse must not alert)
 */
public record PipelineSettings(TrackerSettings tracker, int embedBatchSize, Duration embedMaxWait, MatchThresholds thresholds,
                               int identityMinFaces, int maxExemplars,
                               int maxTrackFaces, Duration alertCooldown, Duration silentCamera, int maxPendingFrames,
                               double goodFaceQuality) {

    /** Defaults for the shipped models; the thresholds are the embedder's calibrated ones (its catalogue entry). */
    public static PipelineSettings defaults(MatchThresholds thresholds) {
        return new PipelineSettings(TrackerSettings.defaults(), 8, Duration.ofMillis(10), thresholds,
                3, 8, 10, Duration.ofSeconds(60), Duration.ofSeconds(5), 50, 0.5);
    }

    public PipelineSettings withAlertCooldown(Duration cooldown) {
        return new PipelineSettings(tracker, embedBatchSize, embedMaxWait, thresholds,
                identityMinFaces, maxExemplars, maxTrackFaces, cooldown, silentCamera, maxPendingFrames, goodFaceQuality);
    }

    public PipelineSettings withEmbedding(int batchSize, Duration maxWait) {
        return new PipelineSettings(tracker, batchSize, maxWait, thresholds,
                identityMinFaces, maxExemplars, maxTrackFaces, alertCooldown, silentCamera, maxPendingFrames, goodFaceQuality);
    }

    public PipelineSettings withTracker(TrackerSettings settings) {
        return new PipelineSettings(settings, embedBatchSize, embedMaxWait, thresholds,
                identityMinFaces, maxExemplars, maxTrackFaces, alertCooldown, silentCamera, maxPendingFrames, goodFaceQuality);
    }
}
