package io.facestream.topologies.gallery;

/**
 * Least similarities for each decision a match makes, in one place: the pipeline and the API read the same values.
 *
 * @param poi      a face to a POI's closest reference face: an alert, and stage 1 of search
 * @param person   a track (quality-weighted) or a live face to a known person (POI or not)
 * @param identity a track to an automatic identity, for joining it
 * @param search   a stored face to a query photo in stage 2 of search
 */
public record MatchThresholds(double poi, double person, double identity, double search) {

    /** Every decision at the embedder's one calibrated match threshold. */
    public static MatchThresholds uniform(double match) {
        return new MatchThresholds(match, match, match, match);
    }
}
