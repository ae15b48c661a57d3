package io.facestream.api.facegroups;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.JsonBodies;
import io.facestream.api.Principal;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.blobs.BlobKind;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.topologies.views.ViewQueries;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 002's /api/face-groups: the pipeline's kept faces ("samples") clustered on demand into same-person groups
 * by cosine similarity ({@link FaceClustering}, which keeps the last sample's similarities), so the settings are query parameters and nothing precomputed goes
 * stale. A group becomes a person of the gallery ({@code enroll}); labels and deletions of samples are identity
 * commands, applied by identity resolution (the faces view's one writer) and answered once the view shows them.
 */
public final class FaceGroupsModule implements ApiModule {
    private static final Logger LOG = LoggerFactory.getLogger(FaceGroupsModule.class);
    static final String PREFIX = "/api/face-groups";
    static final int MAX_IDS = 1000;
    static final int MAX_SAMPLES = 2000;
    /** Faces a group gives the person it is enrolled as: its best ones. */
    static final int ENROLLED_FACES = 12;
    static final int MAX_LABEL = 200;
    /** The key of face commands on the one-partition identity-commands topic (they target faces, not an identity). */
    static final String FACES_KEY = "faces";

    public record Settings(double faceThreshold, double clothingWeight, int minSize, int maxMembers, int maxSamples) {}

    public record Member(String id, String thumbUrl, String cameraId, String fileId, Instant ts, double quality, String label,
            String identityId, String personId) {}

    public record Group(String groupId, int size, String label, List<String> cameras, Instant firstSeen, Instant lastSeen,
            String repThumbUrl, List<String> identityIds, List<Member> members) {}

    public record Groups(int totalSamples, int totalGroups, Settings settings, List<Group> groups) {}

    public record Enrolled(String personId, String name, int enrolledFaces) {}

    public record Labelled(int updated, String label) {}

    public record BulkResult(int deleted, List<String> deletedIds, List<String> notFound) {}

    public record ClearResult(int deleted, String label) {}

    /** Request bodies, for the OpenAPI document. */
    public record EnrollBody(List<String> sampleIds, String name) {}

    public record LabelBody(List<String> sampleIds, String label) {}

    public record Ids(List<String> ids) {}

    public record ClearAll(Boolean confirm, String label) {}

    private final Backend backend;
    /** One per server: it keeps the last sample's pairwise similarities (about 16 MB at 2 000 faces). */
    private final FaceClustering clustering = new FaceClustering();

    public FaceGroupsModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        routes.get(PREFIX, this::groups)
                .summary("Cluster captured faces into same-person groups, largest first").tags("face-groups")
                .description("The most recent `max_samples` kept faces, grouped by single linkage at `face_threshold` "
                        + "(two faces are linked when their cosine similarity reaches it). `group_id` "
                        + "is the group's representative sample: its best-quality face. `label` is the most common label "
                        + "of its samples. The pipeline keeps faces only, so `clothing_weight` must be 0.")
                .queryParam("face_threshold", "number", false, "0-1, default 0.5: the least cosine similarity that links two faces")
                .queryParam("clothing_weight", "number", false, "0 (no clothing features are kept)")
                .queryParam("min_size", "integer", false, "Hide groups smaller than this (default 1)")
                .queryParam("max_members", "integer", false, "Member thumbnails per group, 0-500 (default 40)")
                .queryParam("max_samples", "integer", false, "Faces clustered, newest first, 1-2000 (default 2000)")
                .responds(200, "The groups", Groups.class)
                .responds(422, "A parameter out of range");
        routes.get(PREFIX + "/samples/{id}/thumbnail", this::thumbnail)
                .summary("A sample's face crop").tags("face-groups").pathParam("id", "The sample (face) id")
                .respondsBinary(200, "image/jpeg", "The aligned crop").responds(404, "No such sample, or no crop kept");
        routes.post(PREFIX + "/enroll", this::enroll)
                .summary("Turn a group into a known person").tags("face-groups")
                .description("Creates a person with the " + ENROLLED_FACES + " best-quality faces among `sample_ids` as "
                        + "reference faces (live matching uses them from the next track on) and labels the samples with "
                        + "the name. Each reference face's crop is kept as its photo (/api/people/{id}/faces/{fid}/image).")
                .jsonBody(EnrollBody.class, "{sample_ids: 1-1000, name}")
                .responds(200, "The new person", Enrolled.class)
                .responds(404, "A sample that does not exist")
                .responds(422, "No samples, too many, or no name");
        routes.post(PREFIX + "/label", this::label)
                .summary("Label samples").tags("face-groups")
                .jsonBody(LabelBody.class, "{sample_ids: 1-1000, label (null or empty clears it)}")
                .responds(200, "How many samples were labelled", Labelled.class)
                .responds(404, "A sample that does not exist").responds(422, "No samples or too many");
        routes.post(PREFIX + "/samples/bulk-delete", this::bulkDelete)
                .summary("Delete the given samples").tags("face-groups")
                .description("Each face leaves the faces view, its identity (whose counters are recomputed) and the vector store.")
                .jsonBody(Ids.class, "{ids: 1-1000 sample ids}")
                .responds(200, "What was deleted, and the ids that did not exist", BulkResult.class)
                .responds(422, "No ids, or more than 1000");
        routes.post(PREFIX + "/samples/clear-all", this::clearAll)
                .summary("Delete every sample (of one label)").tags("face-groups")
                .jsonBody(ClearAll.class, "{confirm: true, label?}")
                .responds(200, "How many were deleted", ClearResult.class).responds(400, "confirm is not true");
        routes.delete(PREFIX + "/samples/{id}", this::delete)
                .summary("Delete one sample").tags("face-groups").pathParam("id", "The sample (face) id")
                .responds(204, "Deleted").responds(404, "No such sample");
    }

    // ---- clustering ----

    private void groups(Context ctx) {
        double threshold = JsonBodies.doubleQuery(ctx, "face_threshold", 0.5, 0, 1);
        double clothing = JsonBodies.doubleQuery(ctx, "clothing_weight", 0, 0, 1);
        if (clothing != 0) throw ApiException.validation("clothing_weight: must be 0; the pipeline keeps faces, not clothing");
        int minSize = JsonBodies.intQuery(ctx, "min_size", 1, 1, MAX_SAMPLES);
        int maxMembers = JsonBodies.intQuery(ctx, "max_members", 40, 0, 500);
        int maxSamples = JsonBodies.intQuery(ctx, "max_samples", MAX_SAMPLES, 1, MAX_SAMPLES);
        List<Face> samples = backend.queries().recentFaces(maxSamples, null);
        List<Group> groups = new ArrayList<>();
        for (List<Face> members : clustering.cluster(samples, threshold)) {
            if (members.size() >= minSize) groups.add(group(members, maxMembers));
        }
        groups.sort(Comparator.comparingInt(Group::size).reversed().thenComparing(Group::lastSeen, Comparator.reverseOrder())
                .thenComparing(Group::groupId));
        ctx.json(new Groups(samples.size(), groups.size(), new Settings(threshold, clothing, minSize, maxMembers, maxSamples), groups));
    }

    private static Group group(List<Face> faces, int maxMembers) {
        List<Face> best = new ArrayList<>(faces);
        best.sort(Comparator.comparingDouble(Face::getQuality).reversed().thenComparing(Face::getFaceId));
        Face representative = best.get(0);
        Map<String, Long> labels = faces.stream().filter(f -> f.getLabel() != null)
                .collect(Collectors.groupingBy(Face::getLabel, Collectors.counting()));
        String label = labels.entrySet().stream()
                .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                .map(Map.Entry::getKey).orElse(null);
        LinkedHashSet<String> cameras = new LinkedHashSet<>();
        LinkedHashSet<String> identities = new LinkedHashSet<>();
        Instant first = null;
        Instant last = null;
        for (Face f : faces) {
            if (f.getCameraId() != null) cameras.add(f.getCameraId());
            if (f.getIdentityId() != null) identities.add(f.getIdentityId());
            if (first == null || f.getTimestamp().isBefore(first)) first = f.getTimestamp();
            if (last == null || f.getTimestamp().isAfter(last)) last = f.getTimestamp();
        }
        List<Member> members = best.stream().limit(maxMembers).map(FaceGroupsModule::member).toList();
        return new Group(representative.getFaceId(), faces.size(), label, List.copyOf(cameras), first, last,
                thumbUrl(representative), List.copyOf(identities), members);
    }

    private static Member member(Face f) {
        return new Member(f.getFaceId(), thumbUrl(f), f.getCameraId(), f.getFileId(), f.getTimestamp(),
                Math.round(f.getQuality() * 10_000d) / 10_000d, f.getLabel(), f.getIdentityId(), f.getPersonId());
    }

    private void thumbnail(Context ctx) {
        Face face = sample(ctx.pathParam("id"));
        if (face.getCropJpeg() == null) throw ApiException.notFound("No crop was kept for sample " + face.getFaceId() + ".");
        ctx.contentType("image/jpeg").header("Cache-Control", "private, max-age=3600").result(bytes(face.getCropJpeg()));
    }

    // ---- edits ----

    private void enroll(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        List<String> ids = JsonBodies.ids(body, "sample_ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("sample_ids: 1 to " + MAX_IDS + " ids are required");
        String name = JsonBodies.text(body, "name", MAX_LABEL).map(String::strip).filter(n -> !n.isEmpty())
                .orElseThrow(() -> ApiException.validation("name: field required"));
        List<Face> samples = samples(ids);
        String modelId = backend.enrolment().modelId();
        List<Face> chosen = samples.stream().filter(f -> modelId.equals(f.getModelId()) && StoredEmbeddings.dimension(f) > 0)
                .sorted(Comparator.comparingDouble(Face::getQuality).reversed().thenComparing(Face::getFaceId))
                .limit(ENROLLED_FACES).toList();
        if (chosen.isEmpty()) throw ApiException.validation("sample_ids: no sample was embedded by the current model " + modelId);
        String personId = UUID.randomUUID().toString();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ReferenceFace> references = new ArrayList<>();
        for (Face f : chosen) {
            String faceId = UUID.randomUUID().toString();
            references.add(ReferenceFace.newBuilder().setFaceId(faceId).setImageRef(storeCrop(personId, faceId, f))
                    .setEmbedding(StoredEmbeddings.asList(f)).setModelId(f.getModelId()).setQuality(f.getQuality()).setAddedAt(now).build());
        }
        Person person = Person.newBuilder().setPersonId(personId).setName(name).setMetadata(Map.of("source", "face-group"))
                .setFaces(references).setCreatedAt(now).setUpdatedAt(now).build();
        backend.writes().putPerson(person);
        send(labelCommand(ids, name, Principal.of(ctx)));
        backend.awaitVisible(() -> backend.gallery().person(personId).isPresent() && backend.queries().person(personId).isPresent()
                && labelled(ids, name), "Enrolling the group as " + name);
        ctx.json(new Enrolled(personId, name, references.size()));
    }

    private void label(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        List<String> ids = JsonBodies.ids(body, "sample_ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("sample_ids: 1 to " + MAX_IDS + " ids are required");
        String label = JsonBodies.text(body, "label", MAX_LABEL).map(String::strip).filter(l -> !l.isEmpty()).orElse(null);
        samples(ids);
        send(labelCommand(ids, label, Principal.of(ctx)));
        backend.awaitVisible(() -> labelled(ids, label), "Labelling " + ids.size() + " samples");
        ctx.json(new Labelled(ids.size(), label));
    }

    private void delete(Context ctx) {
        Face face = sample(ctx.pathParam("id"));
        deleteAll(List.of(face.getFaceId()), Principal.of(ctx));
        ctx.status(204);
    }

    private void bulkDelete(Context ctx) {
        List<String> ids = JsonBodies.ids(JsonBodies.object(ctx), "ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("ids: 1 to " + MAX_IDS + " ids are required");
        ViewQueries queries = backend.queries();
        List<String> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) (queries.face(id).isPresent() ? present : missing).add(id);
        deleteAll(present, Principal.of(ctx));
        ctx.json(new BulkResult(present.size(), present, missing));
    }

    private void clearAll(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        if (!JsonBodies.bool(body, "confirm").orElse(false)) {
            throw ApiException.badRequest("Clearing every sample requires \"confirm\": true.");
        }
        String label = JsonBodies.text(body, "label", MAX_LABEL).map(String::strip).filter(l -> !l.isEmpty()).orElse(null);
        List<String> ids = backend.queries().faceIds(label);
        deleteAll(ids, Principal.of(ctx));
        ctx.json(new ClearResult(ids.size(), label));
    }

    /** DELETE_FACES commands of up to {@link #MAX_IDS} faces each, then waits until the view has none of them. */
    private void deleteAll(List<String> ids, Principal who) {
        if (ids.isEmpty()) return;
        for (int from = 0; from < ids.size(); from += MAX_IDS) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IDS));
            send(command(IdentityCommandType.DELETE_FACES, who).setFaceIds(List.copyOf(chunk)).build());
        }
        backend.awaitVisible(() -> {
            ViewQueries queries = backend.queries();
            return ids.stream().allMatch(id -> queries.face(id).isEmpty());
        }, "Deleting " + ids.size() + " sample" + (ids.size() == 1 ? "" : "s"), backend.writeTimeout().plus(Duration.ofMillis(5L * ids.size())));
    }

    // ---- helpers ----

    private boolean labelled(List<String> ids, String label) {
        ViewQueries queries = backend.queries();
        return ids.stream().allMatch(id -> queries.face(id).map(f -> Objects.equals(f.getLabel(), label)).orElse(true));
    }

    /** Every sample named, in order; a 404 naming the first that does not exist. */
    private List<Face> samples(List<String> ids) {
        ViewQueries queries = backend.queries();
        List<Face> out = new ArrayList<>(ids.size());
        for (String id : ids) out.add(queries.face(id).orElseThrow(() -> ApiException.notFound("Sample not found: " + id)));
        return out;
    }

    private Face sample(String id) {
        if (id.length() > JsonBodies.MAX_ID_LENGTH) throw ApiException.notFound("Sample not found.");
        return backend.queries().face(id).orElseThrow(() -> ApiException.notFound("Sample not found: " + id));
    }

    /** The crop as the reference face's photo; the person is enrolled without it when the blob store fails. */
    private String storeCrop(String personId, String faceId, Face face) {
        if (face.getCropJpeg() == null) return null;
        try {
            return backend.blobs().put(BlobKind.PROFILE, personId + ":" + faceId, bytes(face.getCropJpeg()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not store the crop of {} for person {}: {}", face.getFaceId(), personId, e.toString());
            return null;
        }
    }

    private IdentityCommand labelCommand(List<String> ids, String label, Principal who) {
        return command(IdentityCommandType.LABEL_FACES, who).setFaceIds(ids).setName(label).build();
    }

    private void send(IdentityCommand command) {
        backend.writes().identityCommand(command);
    }

    private static IdentityCommand.Builder command(IdentityCommandType type, Principal who) {
        return IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setIdentityId(FACES_KEY).setType(type)
                .setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of()).setSightingIds(List.of())
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setIssuedBy(who == null ? null : who.name());
    }

    private static String thumbUrl(Face f) {
        return f.getCropJpeg() == null ? null : PREFIX + "/samples/" + URLEncoder.encode(f.getFaceId(), StandardCharsets.UTF_8).replace("+", "%20") + "/thumbnail";
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
