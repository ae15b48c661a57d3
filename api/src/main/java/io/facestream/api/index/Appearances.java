package io.facestream.api.index;

import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.FileView;
import io.facestream.topologies.views.ViewQueries;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where one identity appears in recorded files: per file, its sightings (tracks) and kept faces, and the intervals it
 * is on screen in media time. A sighting spans its track from entry to exit; a face bound by hand whose track belongs
 * to another identity adds the instant of its frame. Overlapping intervals are merged. Live cameras' sightings and
 * faces are not part of the file index and are left out.
 */
record Appearances(List<InFile> files) {

    /** An interval on screen: media milliseconds and frames, both inclusive. */
    record Interval(long startMs, long endMs, long startFrame, long endFrame) {
        boolean overlaps(Chunk chunk) {
            return chunk.getStartMs() <= endMs && chunk.getEndMs() >= startMs;
        }
    }

    /**
     * @param file      the file's catalog entry; empty while its record has not reached the view (no media times then)
     * @param intervals time on screen, in order; empty without the file's entry
     */
    record InFile(String fileId, Optional<FileView> file, List<Sighting> sightings, List<Face> faces, List<Interval> intervals) {
        boolean onScreenDuring(Chunk chunk) {
            return intervals.stream().anyMatch(i -> i.overlaps(chunk));
        }
    }

    static Appearances of(ViewQueries queries, String identityId) {
        Map<String, List<Sighting>> sightings = new LinkedHashMap<>();
        for (Sighting s : queries.sightingsOf(identityId)) {
            if (s.getFileId() != null) sightings.computeIfAbsent(s.getFileId(), k -> new ArrayList<>()).add(s);
        }
        Map<String, List<Face>> faces = new LinkedHashMap<>();
        for (Face f : queries.facesOf(identityId)) {
            if (f.getFileId() != null) faces.computeIfAbsent(f.getFileId(), k -> new ArrayList<>()).add(f);
        }
        Set<String> fileIds = new java.util.LinkedHashSet<>(sightings.keySet());
        fileIds.addAll(faces.keySet());
        List<InFile> out = new ArrayList<>();
        for (String fileId : fileIds) {
            List<Sighting> ss = sightings.getOrDefault(fileId, List.of());
            List<Face> fs = new ArrayList<>(faces.getOrDefault(fileId, List.of()));
            fs.sort(Comparator.comparingLong(Face::getFrameNumber).thenComparing(Face::getFaceId));
            Optional<FileView> file = queries.file(fileId);
            out.add(new InFile(fileId, file, ss, fs, file.map(v -> intervals(v, ss, fs)).orElse(List.of())));
        }
        out.sort(Comparator.comparing((InFile f) -> f.intervals().isEmpty() ? Long.MAX_VALUE : 0L)
                .thenComparing(f -> f.file().map(v -> v.file().getBaseTime()).orElse(null), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(InFile::fileId));
        return new Appearances(out);
    }

    private static List<Interval> intervals(FileView file, List<Sighting> sightings, List<Face> faces) {
        long base = file.file().getBaseTime().toEpochMilli();
        List<Interval> raw = new ArrayList<>();
        Set<String> tracks = new HashSet<>();
        for (Sighting s : sightings) {
            tracks.add(s.getTrackId());
            raw.add(new Interval(s.getEntryTime().toEpochMilli() - base, s.getExitTime().toEpochMilli() - base,
                    s.getEntryFrame(), s.getExitFrame()));
        }
        for (Face f : faces) {
            if (f.getTrackId() != null && tracks.contains(f.getTrackId())) continue;
            long t = f.getTimestamp().toEpochMilli() - base;
            raw.add(new Interval(t, t, f.getFrameNumber(), f.getFrameNumber()));
        }
        raw.sort(Comparator.comparingLong(Interval::startMs));
        List<Interval> merged = new ArrayList<>();
        for (Interval i : raw) {
            Interval last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && i.startMs() <= last.endMs()) {
                merged.set(merged.size() - 1, new Interval(last.startMs(), Math.max(last.endMs(), i.endMs()),
                        Math.min(last.startFrame(), i.startFrame()), Math.max(last.endFrame(), i.endFrame())));
            } else {
                merged.add(i);
            }
        }
        return merged;
    }
}
