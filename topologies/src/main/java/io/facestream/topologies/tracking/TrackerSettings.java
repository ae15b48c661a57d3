package io.facestream.topologies.tracking;

/**
 * The tracker's decisions, each configurable.
 *
 * @param highScore          detections at or above this start tracks and are matched first
 * @param lowScore           detections between this and highScore only keep live tracks alive (blur, occlusion)
 * @param matchIou           least IoU between a track's predicted box and a high-score detection
 * @param lowMatchIou        least IoU for a low-score detection (stricter: they are less certain)
 * @param gapMillis          a track unseen this long in event time has ended
 * @param updateEveryMillis  an UPDATED event at most this often per track
 * @param minEmbedQuality    a face below this quality (soft: small, blurred, turned) is embedded only as a track's best
 *                           face so far, and at most {@code maxSoftEmbeds} per track, so that a track whose faces are
 *                           all soft is still recognised (weighed by their low quality) without paying for every face
 * @param embedMargin        a later face is embedded only when better than the best embedded by this much
 * @param maxEmbedsPerSecond faces embedded per track per second, at most
 * @param recheckMillis      a track's face is embedded again after this long even when no better, so that a face of
 *                           another person on the same track is noticed; the interval doubles after each recheck up to
 *                           {@code recheckMaxMillis} while the track gives no cue of a swap (see {@code Tracker})
 * @param recheckMaxMillis   the longest recheck interval: bounds how long a swap with no cue goes unseen
 * @param historyMillis      how far back a track remembers its faces, so a split falls at the other person's first face
 * @param maxSoftEmbeds      faces below {@code minEmbedQuality} embedded per track, at most
 */
public record TrackerSettings(double highScore, double lowScore, double matchIou, double lowMatchIou, long gapMillis,
                              long updateEveryMillis, double minEmbedQuality, double embedMargin, int maxEmbedsPerSecond,
                              long recheckMillis, long recheckMaxMillis, long historyMillis, int maxSoftEmbeds) {

    public static TrackerSettings defaults() {
        return new TrackerSettings(0.75, 0.4, 0.3, 0.5, 2000, 1000, 0.3, 0.05, 2, 1000, 4000, 5000, 3);
    }
}
