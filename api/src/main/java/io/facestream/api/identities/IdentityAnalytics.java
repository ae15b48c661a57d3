package io.facestream.api.identities;

import io.facestream.schemas.avro.MatchKind;
import io.facestream.topologies.views.ViewQueries;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 002's identity analytics, from the counters identity resolution keeps as identities and sightings change
 * (per-day counters, and at most one day of the last-seen index for "the last 7 days"): totals,
 * per camera (sightings, distinct identities, average dwell: a sighting's span from entry to exit), per hour over
 * the last 24 hours (by entry time), and per match kind. "Today" is the UTC day.
 */
public final class IdentityAnalytics {
    public record Summary(int totalIdentities, int named, int unnamed, int createdToday, int seenToday, int seen7d, long totalSightings) {}

    public record CameraStats(String cameraId, long sightings, int distinctPeople, double avgDwellSeconds) {}

    public record HourStats(Instant hour, long sightings, int distinctPeople) {}

    public record Analytics(String objectClass, Instant generatedAt, Summary summary, List<CameraStats> byCamera, List<HourStats> byHour,
            Map<String, Long> byMatchKind) {}

    private IdentityAnalytics() {}

    static Analytics of(ViewQueries queries, Instant now) {
        Instant today = now.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
        Instant weekAgo = now.minus(Duration.ofDays(7));
        int[] recent = {(int) queries.identitiesCreatedOn(today), (int) queries.identitiesSeenSince(today),
                (int) queries.identitiesSeenSince(weekAgo)};
        ViewQueries.IdentityCounts counts = queries.identityCounts();
        List<CameraStats> byCamera = counts.byCamera().stream().map(c -> new CameraStats(c.cameraId(), c.sightings(),
                (int) c.identities(), Math.round(c.dwellMillis() / (double) c.sightings()) / 1000.0)).toList();
        Instant firstHour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23));
        List<HourStats> byHour = queries.hourly(firstHour, 24).stream()
                .map(h -> new HourStats(h.hour(), h.sightings(), (int) h.identities())).toList();
        int total = Math.toIntExact(counts.identities());
        int named = Math.toIntExact(counts.named());
        Summary summary = new Summary(total, named, total - named, recent[0], recent[1], recent[2], counts.sightings());
        return new Analytics(IdentitiesModule.PERSON, now, summary, byCamera, byHour, counts.byMatchKind());
    }

    /** The analytics of an object class the pipeline does not track: all zero. */
    static Analytics empty(String objectClass, Instant now) {
        Instant firstHour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23));
        List<HourStats> byHour = new ArrayList<>(24);
        for (int h = 0; h < 24; h++) byHour.add(new HourStats(firstHour.plus(Duration.ofHours(h)), 0, 0));
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (MatchKind kind : MatchKind.values()) kinds.put(kind.name().toLowerCase(Locale.ROOT), 0L);
        return new Analytics(objectClass, now, new Summary(0, 0, 0, 0, 0, 0, 0), List.of(), byHour, kinds);
    }
}
