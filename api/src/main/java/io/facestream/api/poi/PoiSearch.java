package io.facestream.api.poi;

import io.facestream.api.ApiException;
import io.facestream.api.ErrorKind;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.Routes;
import io.facestream.api.UploadedImage;
import io.facestream.api.backend.Backend;
import io.facestream.api.poi.PoiBodies.DetectionAppearance;
import io.facestream.api.poi.PoiBodies.DetectionStats;
import io.facestream.api.poi.PoiBodies.PoiAppearance;
import io.facestream.api.poi.PoiBodies.PoiStats;
import io.facestream.api.poi.PoiBodies.QueryRange;
import io.facestream.api.poi.PoiBodies.SearchResult;
import io.facestream.api.poi.PoiBodies.ZoneAppearance;
import io.facestream.blobs.BlobKeys;
import io.facestream.models.DetectedFace;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.gallery.Enrolment;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.vectors.FacePayload;
import io.facestream.vectors.ScoredPoint;
import io.facestream.vectors.Search;
import io.facestream.vectors.VectorFilter;
import io.facestream.vectors.VectorStore;
import io.facestream.vectors.VectorStoreException;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * POST /api/v1/search: the query photo's largest face is embedded once, then stage 1 asks the POI gallery
 * (the closest active POI at or above the embedder's person threshold) and answers with that POI's sightings in
 * the range; only without a POI match does stage 2 search every stored face in the range and group the hits
 * into tracks.
 */
final class PoiSearch {
    static final int DEFAULT_TOP_K = 20;
    /** Beyond this a search is a scan of the whole index, not a query. */
    static final int MAX_TOP_K = 1000;

    private final Backend backend;

    PoiSearch(Backend backend) {
        this.backend = backend;
    }

    void register(Routes routes) {
        routes.post(PoiModule.PREFIX + "/search", ctx -> search(ctx, routes))
                .summary("Search appearances by face image: the POI index, then every stored face").tags("search")
                .description("Stage 1 matches the POI gallery at the embedder's person threshold and returns that POI's "
                        + "sightings overlapping the range (matched_poi_id is set even with none). Stage 2 searches the "
                        + "stored faces in the range (top_k nearest at or above the embedder's search threshold) and groups them by track. "
                        + "query_latency_ms measures the index search and view lookups, not the face analysis of the photo. "
                        + "Times without an offset are UTC; a date alone is its midnight UTC.")
                .multipart("The query face and range",
                        FormField.file("image", true, "Face image of the person to search (JPEG/PNG)"),
                        FormField.text("start_time", false, "ISO 8601, e.g. 2026-01-01T00:00:00Z; open when absent"),
                        FormField.text("end_time", false, "ISO 8601; open when absent"),
                        FormField.integer("top_k", false, "Candidate matches per stage, 1-" + MAX_TOP_K + " (default 20)"))
                .responds(200, "Stage 1 (search_stage poi_index) or stage 2 (detection_index) result", SearchResult.class)
                .responds(415, "Not a JPEG or PNG")
                .responds(422, "A bad time, range or top_k, or no face in the image");
    }

    private void search(Context ctx, Routes routes) {
        // The upload first: it parses the multipart form and answers a file over the size limit with 413.
        UploadedImage image = routes.uploads().image(ctx, "image");
        Instant start = time("start_time", ctx.formParam("start_time"));
        Instant end = time("end_time", ctx.formParam("end_time"));
        if (start != null && end != null && start.isAfter(end)) {
            throw ApiException.validation("start_time " + start + " is after end_time " + end + ".");
        }
        int topK = topK(ctx.formParam("top_k"));
        Instant queried = Instant.now();
        Enrolment enrolment = backend.enrolment();
        DetectedFace face = image.withPixels(enrolment::subject).orElseThrow(() -> new ApiException(
                ErrorKind.NO_FACE_DETECTED, "No face detected in the query image; use a photo where the face is clearly visible."));
        float[] query = enrolment.embed(face);
        long began = System.nanoTime();
        QueryRange range = new QueryRange(start, end);
        try {
            List<Gallery.Match> pois = backend.gallery().poisAtLeast(query, backend.thresholds().person());
            if (!pois.isEmpty()) {
                Gallery.Match match = pois.getFirst();
                List<PoiAppearance> appearances = poiAppearances(match.person(), start, end);
                ctx.json(new SearchResult("offline_search_result", range, queried, match.person().getPersonId(),
                        appearances.size(), appearances, new PoiStats("poi_index", round4(match.similarity()), millisSince(began))));
                return;
            }
            long searched = backend.vectors().count(VectorStore.FACES);
            VectorFilter filter = VectorFilter.all().timeRange(start == null ? null : start.toEpochMilli(),
                    end == null ? null : end.toEpochMilli());
            List<ScoredPoint> hits = backend.vectors().search(VectorStore.FACES,
                    new Search(query, topK).filter(filter).minScore(backend.thresholds().search()));
            List<DetectionAppearance> appearances = detectionAppearances(hits);
            ctx.json(new SearchResult("offline_search_result", range, queried, null, appearances.size(), appearances,
                    new DetectionStats("detection_index", searched, hits.size(), appearances.size(), millisSince(began))));
        } catch (VectorStoreException e) {
            throw ApiException.unavailable("The vector store is unavailable; try again in a moment.");
        } catch (InvalidStateStoreException e) {
            throw PoiViews.restoring();
        }
    }

    /** The POI's sightings (those of the identity their tracks resolve to) overlapping the range, in time order. */
    private List<PoiAppearance> poiAppearances(Person poi, Instant start, Instant end) {
        ViewQueries views = backend.queries();
        List<Sighting> found = new ArrayList<>(views.sightingsOf(poi));
        found.removeIf(s -> !overlaps(s, start, end));
        found.sort(Comparator.comparing(Sighting::getEntryTime).thenComparing(Sighting::getSightingId));
        List<PoiAppearance> out = new ArrayList<>(found.size());
        for (Sighting s : found) {
            String matchingFace = s.getThumbnailRef() != null ? s.getThumbnailRef() : s.getBestFaceId();
            Face best = matchingFace == null ? null : views.face(matchingFace).orElse(null);
            Instant bestTime = best != null ? best.getTimestamp() : s.getEntryTime();
            String camera = s.getCameraId() != null ? s.getCameraId() : s.getSourceId();
            String entryUrl = PoiViews.frameUrl(BlobKeys.frame(s.getSourceId(), s.getEntryFrame()));
            String exitUrl = PoiViews.frameUrl(BlobKeys.frame(s.getSourceId(), s.getExitFrame()));
            ZoneAppearance zone = new ZoneAppearance(camera, s.getSourceId(), s.getEntryTime(), s.getExitTime(),
                    seconds(s.getEntryTime(), s.getExitTime()), entryUrl, exitUrl);
            out.add(new PoiAppearance(s.getTrackId(), camera, round4(s.getSimilarity()), bestTime, entryUrl, exitUrl,
                    List.of(zone), PoiViews.thumbnailUrl(s.getTrackId())));
        }
        return out;
    }

    /** Hits grouped by track, best track first; times and frames from the track's sighting where there is one. */
    private List<DetectionAppearance> detectionAppearances(List<ScoredPoint> hits) {
        Map<String, List<ScoredPoint>> byTrack = new LinkedHashMap<>();
        for (ScoredPoint hit : hits) { // best first, so each group's first hit is its best
            Object track = hit.payload().get(FacePayload.TRACK_ID);
            byTrack.computeIfAbsent(track != null ? track.toString() : hit.id(), k -> new ArrayList<>()).add(hit);
        }
        ViewQueries views = backend.queries();
        List<DetectionAppearance> out = new ArrayList<>(byTrack.size());
        byTrack.forEach((trackId, group) -> {
            ScoredPoint best = group.getFirst();
            ScoredPoint first = group.stream().min(Comparator.comparingLong(PoiSearch::timestamp)).orElseThrow();
            ScoredPoint last = group.stream().max(Comparator.comparingLong(PoiSearch::timestamp)).orElseThrow();
            String source = string(best, FacePayload.SOURCE_ID);
            String camera = string(best, FacePayload.CAMERA_ID) != null ? string(best, FacePayload.CAMERA_ID) : source;
            Sighting sighting = views.sighting(trackId).orElse(null);
            Instant entry = sighting != null ? sighting.getEntryTime() : Instant.ofEpochMilli(timestamp(first));
            Instant exit = sighting != null ? sighting.getExitTime() : Instant.ofEpochMilli(timestamp(last));
            long entryFrame = sighting != null ? sighting.getEntryFrame() : number(first, FacePayload.FRAME_NUMBER);
            long exitFrame = sighting != null ? sighting.getExitFrame() : number(last, FacePayload.FRAME_NUMBER);
            Face bestFace = views.face(best.id()).orElse(null);
            out.add(new DetectionAppearance(best.id(), trackId, camera, round4(best.score()), round4(first.score()),
                    round4(last.score()), entry, exit, PoiViews.frameUrl(BlobKeys.frame(source, entryFrame)),
                    PoiViews.frameUrl(BlobKeys.frame(source, exitFrame)),
                    bestFace != null ? bbox(bestFace.getBbox()) : null, List.of(), PoiViews.thumbnailUrl(trackId)));
        });
        return out;
    }

    private static boolean overlaps(Sighting s, Instant start, Instant end) {
        return (start == null || !s.getExitTime().isBefore(start)) && (end == null || !s.getEntryTime().isAfter(end));
    }

    static int[] bbox(BoundingBox box) {
        return new int[] {Math.round(box.getX()), Math.round(box.getY()), Math.round(box.getX() + box.getWidth()),
                Math.round(box.getY() + box.getHeight())};
    }

    private static long timestamp(ScoredPoint hit) {
        return number(hit, FacePayload.TIMESTAMP);
    }

    private static long number(ScoredPoint hit, String field) {
        return hit.payload().get(field) instanceof Number n ? n.longValue() : 0;
    }

    private static String string(ScoredPoint hit, String field) {
        Object value = hit.payload().get(field);
        return value == null ? null : value.toString();
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    static double round4(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    private static double millisSince(long nanos) {
        return Math.round((System.nanoTime() - nanos) / 100_000.0) / 10.0;
    }

    /** ISO 8601 with an offset or Z; without one it is UTC, as is a date alone (its midnight). */
    static Instant time(String field, String value) {
        if (value == null || value.isBlank()) return null;
        String text = value.trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            // not with an offset; try the forms without one
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // nor a local date-time
        }
        try {
            return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw ApiException.validation(field + " must be an ISO 8601 timestamp such as 2026-01-01T00:00:00Z; got '"
                    + value + "'.");
        }
    }

    static int topK(String value) {
        if (value == null || value.isBlank()) return DEFAULT_TOP_K;
        int topK;
        try {
            topK = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.validation("top_k must be an integer from 1 to " + MAX_TOP_K + "; got '" + value + "'.");
        }
        if (topK < 1 || topK > MAX_TOP_K) {
            throw ApiException.validation("top_k must be from 1 to " + MAX_TOP_K + "; got " + topK + ".");
        }
        return topK;
    }
}
