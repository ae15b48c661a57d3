package io.facestream.api.identities;

import io.facestream.schemas.avro.MatchKind;
import io.facestream.topologies.views.ViewQueries;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Seed 002's identity analytics, aggregated from the identities and sightings views on each request: totals,
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
        int[] counts = new int[5]; // total, named, created today, seen today, seen 7d
        queries.forEachIdentity(i -> {
            counts[0]++;
            if (i.getName() != null) counts[1]++;
            if (!i.getCreatedAt().isBefore(today)) counts[2]++;
            if (!i.getLastSeen().isBefore(today)) counts[3]++;
            if (!i.getLastSeen().isBefore(weekAgo)) counts[4]++;
        });
        Instant firstHour = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23));
        long[] hourly = new long[24];
        List<Set<String>> hourlyPeople = new ArrayList<>();
        for (int h = 0; h < 24; h++) hourlyPeople.add(new HashSet<>());
        Map<String, long[]> cameras = new TreeMap<>(); // sightings, dwell millis
        Map<String, Set<String>> cameraPeople = new TreeMap<>();
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (MatchKind kind : MatchKind.values()) kinds.put(kind.name().toLowerCase(Locale.ROOT), 0L);
        long[] sightings = {0};
        queries.forEachSighting(s -> {
            sightings[0]++;
            kinds.merge(s.getMatchKind().name().toLowerCase(Locale.ROOT), 1L, Long::sum);
            String camera = s.getCameraId() != null ? s.getCameraId() : s.getSourceId();
            long[] c = cameras.computeIfAbsent(camera, k -> new long[2]);
            c[0]++;
            c[1] += Math.max(0, s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli());
            cameraPeople.computeIfAbsent(camera, k -> new HashSet<>()).add(s.getIdentityId());
            long hour = Duration.between(firstHour, s.getEntryTime()).toHours();
            if (!s.getEntryTime().isBefore(firstHour) && hour < 24) {
                hourly[(int) hour]++;
                hourlyPeople.get((int) hour).add(s.getIdentityId());
            }
        });
        List<CameraStats> byCamera = new ArrayList<>();
        cameras.forEach((camera, c) -> byCamera.add(new CameraStats(camera, c[0], cameraPeople.get(camera).size(),
                Math.round(c[1] / (double) c[0]) / 1000.0)));
        List<HourStats> byHour = new ArrayList<>(24);
        for (int h = 0; h < 24; h++) byHour.add(new HourStats(firstHour.plus(Duration.ofHours(h)), hourly[h], hourlyPeople.get(h).size()));
        Summary summary = new Summary(counts[0], counts[1], counts[0] - counts[1], counts[2], counts[3], counts[4], sightings[0]);
        return new Analytics(IdentitiesModule.PERSON, now, summary, byCamera, byHour, kinds);
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
