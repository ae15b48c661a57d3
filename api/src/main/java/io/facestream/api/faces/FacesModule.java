package io.facestream.api.faces;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.topologies.views.FileView;
import io.facestream.vectors.IdentityPayload;
import io.facestream.vectors.ScoredPoint;
import io.facestream.vectors.Search;
import io.facestream.vectors.VectorStore;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Seed 003's GET /api/faces/{face_id} over the pipeline's {@code faces} view, and the face's aligned crop as
 * its thumbnail. Face ids are the pipeline's crop ids ({@code source:frame:index}), without seed 003's
 * {@code face_} prefix. The faces view is read wherever it is held (identity resolution runs as a single task,
 * so one instance holds it all; reads on another instance are routed there).
 */
public final class FacesModule implements ApiModule {
    static final String CLUSTER_ASSIGNMENT = "cluster_assignment";
    /** How many candidates {@code include=cluster_assignment} lists. */
    static final int CANDIDATES = 5;
    /** Identities asked of the vector store for the candidates: several may stand for one person. */
    static final int IDENTITY_HITS = 4 * CANDIDATES;
    /**
     * Candidates the HNSW walk over the identities' centroids keeps (the store's default, sized for a million faces,
     * walks five times as many): the walk's cost grows with it; recall at this setting is checked by the vector
     * store's contract tests.
     */
    static final int IDENTITY_CANDIDATES = 40;

    public record BoundingBox(int x, int y, int w, int h) {}

    public record AssetUrls(String thumbnail) {}

    public record Candidate(String personId, double distance, String name) {}

    public record ClusterAssignment(Double distanceToPerson, List<Candidate> candidates) {}

    public record FaceResponse(String id, String assetId, BoundingBox boundingBox, Instant createdAt,
            Instant updatedAt, String personId, Long timestampMs, AssetUrls assetUrls,
            ClusterAssignment clusterAssignment) {}

    private final Backend backend;

    public FacesModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/api/faces/{face_id}", this::face)
                .summary("Get a face")
                .description("One detected face from the faces view. `id` is the pipeline's face id "
                        + "(source:frame:index). `asset_id` is the file id for a replayed file, else the camera id. "
                        + "`person_id` is the known person the face's track matched, else the automatic identity "
                        + "it was assigned to (an identity id; null when neither). `created_at` and `updated_at` "
                        + "are the face's event time (when its frame was captured; faces are not edited in "
                        + "place). `timestamp_ms` is the media time in the file (face time minus the replay's "
                        + "base time), null for live cameras. `asset_urls.thumbnail` serves the aligned 112x112 "
                        + "crop. include=cluster_assignment adds `distance_to_person` (1 - cosine similarity to the "
                        + "person's closest reference face, or to the identity's centroid) and the nearest "
                        + CANDIDATES + " people (by their closest reference face) and identities (by their centroid) as "
                        + "`candidates`, closest first.")
                .tags("faces")
                .pathParam("face_id", "The face id (source:frame:index)")
                .queryParam("include", "string", false, "Comma-separated expansions: cluster_assignment")
                .responds(200, "The face", FaceResponse.class)
                .responds(404, "No such face")
                .responds(422, "An unknown include value");
        routes.get("/api/faces/{face_id}/thumbnail", this::thumbnail)
                .summary("A face's thumbnail")
                .description("The face's aligned crop (112x112 JPEG) as the pipeline kept it.")
                .tags("faces")
                .pathParam("face_id", "The face id (source:frame:index)")
                .respondsBinary(200, "image/jpeg", "The crop")
                .responds(404, "No such face, or no crop kept for it");
    }

    private void face(Context ctx) {
        Set<String> include = include(ctx.queryParam("include"));
        Face face = find(ctx.pathParam("face_id"));
        var box = face.getBbox();
        Instant time = face.getTimestamp();
        ctx.json(new FaceResponse(face.getFaceId(),
                face.getFileId() != null ? face.getFileId() : face.getSourceId(),
                new BoundingBox(Math.round(box.getX()), Math.round(box.getY()), Math.round(box.getWidth()),
                        Math.round(box.getHeight())),
                time, time,
                face.getPersonId() != null ? face.getPersonId() : face.getIdentityId(),
                mediaTime(face),
                new AssetUrls(face.getCropJpeg() == null ? null
                        : "/api/faces/" + pathSegment(face.getFaceId()) + "/thumbnail"),
                include.contains(CLUSTER_ASSIGNMENT) ? clusterAssignment(face) : null));
    }

    private void thumbnail(Context ctx) {
        Face face = find(ctx.pathParam("face_id"));
        if (face.getCropJpeg() == null) {
            throw ApiException.notFound("No thumbnail was kept for face " + face.getFaceId() + ".");
        }
        var crop = face.getCropJpeg().duplicate();
        byte[] jpeg = new byte[crop.remaining()];
        crop.get(jpeg);
        ctx.contentType("image/jpeg").header("Cache-Control", "private, max-age=3600").result(jpeg);
    }

    private Face find(String faceId) {
        return backend.queries().face(faceId).orElseThrow(() -> ApiException.notFound("Face not found: " + faceId));
    }

    static Set<String> include(String raw) {
        Set<String> values = new LinkedHashSet<>();
        if (raw == null) return values;
        for (String value : raw.split(",")) {
            String v = value.strip();
            if (v.isEmpty()) continue;
            if (!v.equals(CLUSTER_ASSIGNMENT)) {
                throw ApiException.validation("include: unknown value '" + v + "'; supported: " + CLUSTER_ASSIGNMENT);
            }
            values.add(v);
        }
        return values;
    }

    /** Media time in the file; null for a camera, or while the file's record has not reached its view. */
    private Long mediaTime(Face face) {
        if (face.getSourceKind() != SourceKind.FILE || face.getFileId() == null) return null;
        try {
            Optional<FileView> file = backend.queries().file(face.getFileId());
            return file.map(f -> face.getTimestamp().toEpochMilli() - f.file().getBaseTime().toEpochMilli())
                    .orElse(null);
        } catch (RuntimeException e) {
            return null; // the catalog view is restoring: the rest of the face is still worth answering
        }
    }

    private ClusterAssignment clusterAssignment(Face face) {
        float[] embedding = StoredEmbeddings.of(face);
        List<ScoredPoint> identities = nearestIdentities(embedding);
        Double distance = null;
        if (face.getPersonId() != null) {
            OptionalDouble similarity = backend.gallery().similarityTo(face.getPersonId(), embedding);
            distance = similarity.isPresent() ? 1 - similarity.getAsDouble() : null;
        } else if (face.getIdentityId() != null) {
            distance = distanceToCentroid(face.getIdentityId(), embedding, identities);
        }
        return new ClusterAssignment(distance == null ? null : round(distance), candidates(embedding, identities));
    }

    /**
     * The identities nearest to the face, enough for {@link #CANDIDATES} people: several may stand for one person, so
     * when the nearest {@link #CANDIDATES} do not name as many, up to {@link #IDENTITY_HITS} are read. Any identity
     * past the first {@link #CANDIDATES} distinct ones is farther than each of them and cannot make the list, so the
     * short read answers what the long one would (one HNSW walk either way: its candidates do not depend on the
     * limit), and reads a fourth of the stored fields, most of a search's cost.
     */
    private List<ScoredPoint> nearestIdentities(float[] embedding) {
        Search nearest = new Search(embedding, CANDIDATES).candidates(IDENTITY_CANDIDATES);
        List<ScoredPoint> hits = backend.vectors().search(VectorStore.IDENTITIES, nearest);
        if (hits.size() < CANDIDATES || hits.stream().map(FacesModule::candidateKey).distinct().count() == CANDIDATES) return hits;
        return backend.vectors().search(VectorStore.IDENTITIES, new Search(embedding, IDENTITY_HITS).candidates(IDENTITY_CANDIDATES));
    }

    /** The candidate an identity stands for: the person it is bound to, else itself. */
    private static String candidateKey(ScoredPoint identity) {
        String personId = (String) identity.payload().get(IdentityPayload.PERSON_ID);
        return personId != null ? personId : identity.id();
    }

    /**
     * 1 - cosine similarity to the identity's centroid as the vector store's identities collection holds it: the
     * search's own score when the identity is among its hits (a face's own identity mostly is), else read by id.
     */
    private Double distanceToCentroid(String identityId, float[] embedding, List<ScoredPoint> hits) {
        for (ScoredPoint hit : hits) if (hit.id().equals(identityId)) return 1 - hit.score();
        return backend.vectors().get(VectorStore.IDENTITIES, identityId)
                .map(p -> 1 - Embeddings.similarity(p.vector(), embedding)).orElse(null);
    }

    /**
     * The nearest people (closest reference face) and identities (their centroid), one entry per person: an identity
     * bound to a person counts as that person. People come from the in-memory gallery (only its closest few can make
     * the list); identities from the vector store's collection of centroids, which identity resolution keeps (a
     * top-k search, so the cost does not grow with every identity there is). More identities than the list holds are
     * asked for, as several may stand for one person.
     */
    private List<Candidate> candidates(float[] embedding, List<ScoredPoint> identities) {
        Map<String, Candidate> best = new HashMap<>();
        backend.gallery().ranked(embedding).stream().limit(CANDIDATES).forEach(m ->
                offer(best, new Candidate(m.person().getPersonId(), 1 - m.similarity(), m.person().getName())));
        for (ScoredPoint hit : identities) {
            Map<String, Object> payload = hit.payload();
            String personId = (String) payload.get(IdentityPayload.PERSON_ID);
            String name = (String) payload.get(IdentityPayload.NAME);
            if (personId != null) name = backend.gallery().person(personId).map(Person::getName).orElse(name);
            offer(best, new Candidate(candidateKey(hit), 1 - hit.score(), name));
        }
        return best.values().stream()
                .sorted(Comparator.comparingDouble(Candidate::distance))
                .limit(CANDIDATES)
                .map(c -> new Candidate(c.personId(), round(c.distance()), c.name()))
                .toList();
    }

    private static void offer(Map<String, Candidate> best, Candidate candidate) {
        best.merge(candidate.personId(), candidate, (a, b) -> a.distance() <= b.distance() ? a : b);
    }

    private static double round(double value) {
        return Math.round(value * 10_000d) / 10_000d;
    }

    /** A face id in a URL path: percent-encoded, spaces as %20 rather than a form's '+'. */
    static String pathSegment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
