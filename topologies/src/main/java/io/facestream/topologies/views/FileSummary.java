package io.facestream.topologies.views;

import io.facestream.schemas.avro.Sighting;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the sightings say about one recorded file: each sighting (track) counted once in
 * its latest version.
 *
 * @param sightings           sightings in the file
 * @param faces               faces over those sightings (sum of their face counts)
 * @param sightingsByIdentity sightings per identity id; its size is the number of distinct identities
 * @param firstSeen           earliest entry time of a sighting, null when there is none
 * @param lastSeen            latest exit time of a sighting, null when there is none
 */
public record FileSummary(long sightings, long faces, Map<String, Integer> sightingsByIdentity,
                          Instant firstSeen, Instant lastSeen) {
    public static final FileSummary EMPTY = new FileSummary(0, 0, Map.of(), null, null);

    public FileSummary {
        sightingsByIdentity = Map.copyOf(sightingsByIdentity);
    }

    /** Distinct identities seen in the file. */
    public int identities() {
        return sightingsByIdentity.size();
    }

    /** The aggregation's adder: one more sighting version. */
    public FileSummary plus(Sighting s) {
        Map<String, Integer> ids = new TreeMap<>(sightingsByIdentity);
        ids.merge(s.getIdentityId(), 1, Integer::sum);
        Instant entry = s.getEntryTime(), exit = s.getExitTime();
        return new FileSummary(sightings + 1, faces + s.getFaceCount(), ids,
                firstSeen == null || entry.isBefore(firstSeen) ? entry : firstSeen,
                lastSeen == null || exit.isAfter(lastSeen) ? exit : lastSeen);
    }

    /**
     * The aggregation's subtractor: a sighting version replaced by a newer one. The time
     * range is left as it is: min/max cannot be undone, and a newer version of a track
     * keeps its entry time and only moves its exit time later, which the adder that
     * follows takes in. (Sightings are never deleted, so nothing else subtracts.)
     */
    public FileSummary minus(Sighting s) {
        Map<String, Integer> ids = new TreeMap<>(sightingsByIdentity);
        ids.computeIfPresent(s.getIdentityId(), (k, n) -> n > 1 ? n - 1 : null);
        return new FileSummary(sightings - 1, faces - s.getFaceCount(), ids, firstSeen, lastSeen);
    }
}
