package io.facestream.models;

import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelStoreException;
import java.util.Map;

/**
 * The least cosine similarity at which the embedder's faces count as one person, per decision, since the
 * decisions cost different things when wrong. Set per embedder in the model catalogue ({@code thresholds}),
 * from the genuine and impostor similarities of labelled real faces ({@code facestream calibrate}).
 *
 * @param poi      a face against a POI's references, for an alert: a false alert sends people after a stranger,
 *                 so it is the strictest
 * @param person   a track against a known person, for a sighting and live identification
 * @param identity a track against an automatic identity, for joining it: a wrong join merges two people
 * @param search   a query face against stored faces and the POI gallery, for a ranked list a person reviews:
 *                 the most lenient
 */
public record MatchThresholds(double poi, double person, double identity, double search) {
    /** The catalogue's names, in the order of the components. */
    public static final String POI = "poi", PERSON = "person", IDENTITY = "identity", SEARCH = "search";
    /** A catalogue may give one {@code match} threshold for every decision (the older format). */
    public static final String MATCH = "match";

    public MatchThresholds {
        for (double t : new double[] {poi, person, identity, search}) {
            if (!(t > -1 && t < 1)) {
                throw new IllegalArgumentException("a cosine threshold lies between -1 and 1, got " + t);
            }
        }
    }

    /** An embedder's thresholds from the catalogue; a missing name falls back to its {@code match}, if any. */
    public static MatchThresholds of(ModelSpec embedder) {
        return new MatchThresholds(named(embedder, POI), named(embedder, PERSON), named(embedder, IDENTITY), named(embedder, SEARCH));
    }

    private static double named(ModelSpec embedder, String name) {
        Double value = embedder.thresholds().get(name);
        if (value == null) {
            value = embedder.thresholds().get(MATCH);
        }
        if (value == null) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG, embedder.id()
                    + ": the catalogue gives no '" + name + "' threshold (nor a 'match' one for every decision)");
        }
        return value;
    }

    /** As catalogue entries. */
    public Map<String, Double> asMap() {
        return Map.of(POI, poi, PERSON, person, IDENTITY, identity, SEARCH, search);
    }
}
