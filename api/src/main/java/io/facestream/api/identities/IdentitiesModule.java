package io.facestream.api.identities;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.JsonBodies;
import io.facestream.api.Principal;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.api.identities.IdentityBodies.BoundingBox;
import io.facestream.api.identities.IdentityBodies.BulkResult;
import io.facestream.api.identities.IdentityBodies.ClearResult;
import io.facestream.api.identities.IdentityBodies.FaceItem;
import io.facestream.api.identities.IdentityBodies.FaceList;
import io.facestream.api.identities.IdentityBodies.IdentityDetail;
import io.facestream.api.identities.IdentityBodies.IdentityItem;
import io.facestream.api.identities.IdentityBodies.IdentityList;
import io.facestream.api.identities.IdentityBodies.OpResult;
import io.facestream.api.identities.IdentityBodies.SightingItem;
import io.facestream.api.identities.IdentityBodies.SightingList;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.ViewQueries;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Seed 002's /api/identities over the pipeline's identity, sighting and face views. Every edit is an
 * {@link IdentityCommand} on the identity-commands topic, applied in order by identity resolution (the one
 * writer of those views), and answered once the view shows it, so two instances never disagree.
 */
public final class IdentitiesModule implements ApiModule {
    static final String PREFIX = "/api/identities";
    /** The only object class the pipeline tracks: it sees faces. */
    static final String PERSON = "person";
    static final int MAX_IDS = 1000;
    static final int MAX_NAME = 200;
    static final int MAX_NOTES = 4000;

    private final Backend backend;

    public IdentitiesModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        routes.get(PREFIX, this::list)
                .summary("List identities, most recently seen first").tags("identities")
                .description("Automatic and named identities. `object_class` is always `person` (faces are what the "
                        + "pipeline tracks): any other class lists nothing. Ids are the pipeline's identity ids (UUIDs).")
                .queryParam("named_only", "boolean", false, "Only identities an operator named")
                .queryParam("min_sightings", "integer", false, "Hide identities with fewer sightings (default 0)")
                .queryParam("object_class", "string", false, "person (the only class the pipeline tracks)")
                .queryParam("limit", "integer", false, "1-500, default 100")
                .queryParam("offset", "integer", false, "Items to skip, default 0")
                .responds(200, "A page of identities and the total", IdentityList.class)
                .responds(422, "A parameter out of range");
        routes.get(PREFIX + "/analytics", this::analytics)
                .summary("Aggregates for the people analytics dashboard").tags("identities")
                .description("`summary`: identities in all, named and unnamed, created today, seen today and in the last "
                        + "7 days (UTC days), sightings in all; `by_camera`: sightings, distinct identities and average dwell "
                        + "(a sighting's span from entry to exit) per camera; `by_hour`: sightings and distinct identities "
                        + "per hour of the last 24 (by entry time, oldest first); `by_match_kind`: sightings of POIs, known "
                        + "people and automatic identities. Computed from the views on each request.")
                .queryParam("object_class", "string", false, "person (default; the only class the pipeline tracks)")
                .responds(200, "The aggregates", IdentityAnalytics.Analytics.class);
        routes.get(PREFIX + "/sightings/{sid}/thumbnail", this::sightingThumbnail)
                .summary("One sighting's thumbnail").tags("identities").pathParam("sid", "The sighting id (its track id)")
                .description("The aligned crop of the face that matched (else the track's best face): the pipeline keeps "
                        + "face crops, not body crops.")
                .respondsBinary(200, "image/jpeg", "The crop").responds(404, "No such sighting, or no crop kept");
        routes.get(PREFIX + "/{id}", this::detail)
                .summary("One identity with its recent sightings").tags("identities").pathParam("id", "The identity id")
                .queryParam("recent", "integer", false, "How many recent sightings to inline, 0-200 (default 24)")
                .description("`num_appearance_exemplars` is 0: the pipeline keeps face exemplars only.")
                .responds(200, "The identity", IdentityDetail.class).responds(404, "No such identity");
        routes.get(PREFIX + "/{id}/sightings", this::sightings)
                .summary("An identity's sightings, newest first").tags("identities").pathParam("id", "The identity id")
                .queryParam("limit", "integer", false, "1-500, default 100")
                .queryParam("offset", "integer", false, "Items to skip, default 0")
                .responds(200, "A page of sightings", SightingList.class).responds(404, "No such identity");
        routes.get(PREFIX + "/{id}/faces", this::faces)
                .summary("Faces captured for an identity, oldest first").tags("identities").pathParam("id", "The identity id")
                .queryParam("limit", "integer", false, "1-500, default 100")
                .queryParam("offset", "integer", false, "Items to skip, default 0")
                .responds(200, "A page of faces", FaceList.class).responds(404, "No such identity");
        routes.get(PREFIX + "/{id}/thumbnail", this::thumbnail)
                .summary("An identity's representative thumbnail").tags("identities").pathParam("id", "The identity id")
                .description("The aligned crop of its best exemplar face.")
                .respondsBinary(200, "image/jpeg", "The crop").responds(404, "No such identity, or no face kept");
        routes.put(PREFIX + "/{id}", this::update)
                .summary("Rename, annotate or confirm an identity").tags("identities").pathParam("id", "The identity id")
                .description("A non-null `name` names the identity and confirms it (`is_named` true); `is_named: false` "
                        + "removes the name; `is_named: true` confirms an identity that has a name; `notes` replaces the notes.")
                .jsonBody(IdentityBodies.Update.class, "{name?, notes?, is_named?}")
                .responds(200, "The identity as it is now", IdentityDetail.class)
                .responds(404, "No such identity").responds(422, "A field of the wrong type or length");
        routes.post(PREFIX + "/merge", this::merge)
                .summary("Merge identities into one").tags("identities")
                .description("Every sighting and face of the sources moves to the target; the sources are deleted; the "
                        + "target's counters, first and last seen and cameras are recomputed; an unnamed target takes a "
                        + "named source's name. The target's own id among the sources is dropped.")
                .jsonBody(IdentityBodies.Merge.class, "{target_id, source_ids: 1-1000 ids}")
                .responds(200, "IdentityOpResult", OpResult.class)
                .responds(404, "The target or a source does not exist")
                .responds(422, "No source other than the target, or more than 1000");
        routes.post(PREFIX + "/{id}/split", this::split)
                .summary("Split sightings off into a new identity").tags("identities").pathParam("id", "The identity id")
                .description("`sighting_ids` (1-1000 of this identity's sightings) move, with every face of their tracks, "
                        + "to a new identity (named `new_name` when given); `auto: true` splits the identity in two by "
                        + "clustering its faces. The result's `target_id` is the new identity.")
                .jsonBody(IdentityBodies.Split.class, "{sighting_ids?, auto?, new_name?}")
                .responds(200, "IdentityOpResult", OpResult.class)
                .responds(400, "Neither sighting_ids nor auto")
                .responds(404, "No such identity")
                .responds(422, "A sighting of another identity, all of its sightings, or too few faces to split automatically");
        routes.post(PREFIX + "/{id}/reject-faces", this::rejectFaces)
                .summary("Negative feedback: these faces are not this identity").tags("identities").pathParam("id", "The identity id")
                .description("The faces leave the identity (assigned to no one, and left there by automatic decisions) and "
                        + "it remembers them: from then on a face at least as like one of them as like the identity's own "
                        + "faces never joins it. Its counters are recomputed. Stored as an identity command.")
                .jsonBody(IdentityBodies.FaceIds.class, "{face_ids: 1-1000 of the identity's face ids}")
                .responds(200, "What was rejected", IdentityBodies.Rejected.class)
                .responds(404, "No such identity or face").responds(422, "No faces, too many, or a face of another identity");
        routes.post(PREFIX + "/{id}/erase", this::erase)
                .summary("Privacy erase: remove an identity from everywhere, with a receipt").tags("identities").pathParam("id", "The identity id")
                .description("Removes the identity, its sightings and faces from every view, its faces from the vector store, "
                        + "and the frames kept only for its faces from the blob store; the receipt lists what was removed and "
                        + "what Kafka keeps until retention or compaction. An identity standing for a known person comes "
                        + "back with that person's next sighting: erase the person (/api/people/{id}/erase) for that.")
                .jsonBody(IdentityBodies.Confirm.class, "{confirm: true}")
                .responds(200, "The receipt", Erasure.Receipt.class)
                .responds(400, "confirm is not true").responds(404, "No such identity");
        routes.delete(PREFIX + "/{id}", this::delete)
                .summary("Delete an identity with its sightings and faces").tags("identities").pathParam("id", "The identity id")
                .description("Removes the identity, its sightings, its faces (views and vector store).")
                .responds(204, "Deleted").responds(404, "No such identity");
        routes.post(PREFIX + "/bulk-delete", this::bulkDelete)
                .summary("Delete the given identities").tags("identities")
                .jsonBody(IdentityBodies.Ids.class, "{ids: 1-1000 identity ids}")
                .responds(200, "What was deleted, and the ids that did not exist", BulkResult.class)
                .responds(422, "No ids, or more than 1000");
        routes.post(PREFIX + "/clear-all", this::clearAll)
                .summary("Delete every identity (of one class)").tags("identities")
                .jsonBody(IdentityBodies.ClearAll.class, "{confirm: true, object_class?}")
                .responds(200, "How many were deleted", ClearResult.class)
                .responds(400, "confirm is not true");
    }

    // ---- reads ----

    private void list(Context ctx) {
        boolean namedOnly = JsonBodies.boolQuery(ctx, "named_only", false);
        int minSightings = JsonBodies.intQuery(ctx, "min_sightings", 0, 0, Integer.MAX_VALUE);
        int limit = JsonBodies.intQuery(ctx, "limit", 100, 1, 500);
        int offset = JsonBodies.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        String objectClass = ctx.queryParam("object_class");
        if (objectClass != null && objectClass.length() > 64) throw ApiException.validation("object_class: at most 64 characters");
        if (objectClass != null && !objectClass.isBlank() && !objectClass.strip().equalsIgnoreCase(PERSON)) {
            ctx.json(new IdentityList(0, List.of()));
            return;
        }
        ViewQueries queries = backend.queries();
        ViewQueries.IdentityPage page = queries.identitiesByLastSeen(namedOnly, minSightings, offset, limit);
        List<IdentityItem> items = page.identities().stream().map(i -> item(i, queries.dwellSeconds(i.getIdentityId()))).toList();
        ctx.json(new IdentityList(Math.toIntExact(page.total()), items));
    }

    private void analytics(Context ctx) {
        String objectClass = ctx.queryParam("object_class");
        if (objectClass != null && objectClass.length() > 64) throw ApiException.validation("object_class: at most 64 characters");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        boolean person = objectClass == null || objectClass.isBlank() || objectClass.strip().equalsIgnoreCase(PERSON);
        ctx.json(person ? IdentityAnalytics.of(backend.queries(), now) : IdentityAnalytics.empty(objectClass.strip(), now));
    }

    private void detail(Context ctx) {
        int recent = JsonBodies.intQuery(ctx, "recent", 24, 0, 200);
        Identity identity = identity(ctx.pathParam("id"));
        ctx.json(detail(identity, recent));
    }

    private IdentityDetail detail(Identity i, int recent) {
        ViewQueries queries = backend.queries();
        List<SightingItem> sightings = queries.sightingsOf(i.getIdentityId(), 0, recent).stream().map(IdentitiesModule::sighting).toList();
        return new IdentityDetail(i.getIdentityId(), i.getName(), i.getName() != null, PERSON, null, null, null, null,
                queries.dwellSeconds(i.getIdentityId()), i.getSightingCount(), i.getFaceCount(), i.getFirstSeen(), i.getLastSeen(),
                i.getCameras(), i.getFiles(), status(i), i.getPersonId(), i.getNotes(), i.getExemplars().size(), 0,
                repThumb(i), faceThumb(i), sightings);
    }

    private void sightings(Context ctx) {
        int limit = JsonBodies.intQuery(ctx, "limit", 100, 1, 500);
        int offset = JsonBodies.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        Identity identity = identity(ctx.pathParam("id"));
        List<SightingItem> items = backend.queries().sightingsOf(identity.getIdentityId(), offset, limit).stream()
                .map(IdentitiesModule::sighting).toList();
        ctx.json(new SightingList(identity.getIdentityId(), identity.getSightingCount(), items));
    }

    private void faces(Context ctx) {
        int limit = JsonBodies.intQuery(ctx, "limit", 100, 1, 500);
        int offset = JsonBodies.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        Identity identity = identity(ctx.pathParam("id"));
        List<Face> all = backend.queries().facesOf(identity.getIdentityId());
        List<FaceItem> items = all.stream().skip(offset).limit(limit).map(IdentitiesModule::face).toList();
        ctx.json(new FaceList(identity.getIdentityId(), all.size(), items));
    }

    private void thumbnail(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        Face face = bestFaceId(identity).flatMap(id -> backend.queries().face(id)).filter(f -> f.getCropJpeg() != null)
                .orElseThrow(() -> ApiException.notFound("No thumbnail for identity " + identity.getIdentityId() + "."));
        jpeg(ctx, face.getCropJpeg());
    }

    private void sightingThumbnail(Context ctx) {
        String sid = ctx.pathParam("sid");
        if (backend.queries().sighting(sid).isEmpty()) throw ApiException.notFound("Sighting not found: " + sid);
        Face face = backend.queries().thumbnailFace(sid).filter(f -> f.getCropJpeg() != null)
                .orElseThrow(() -> ApiException.notFound("No thumbnail was kept for sighting " + sid + "."));
        jpeg(ctx, face.getCropJpeg());
    }

    // ---- edits ----

    private void update(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        JsonNode body = JsonBodies.object(ctx);
        Optional<String> name = JsonBodies.text(body, "name", MAX_NAME).map(String::strip);
        Optional<String> notes = JsonBodies.text(body, "notes", MAX_NOTES);
        Optional<Boolean> named = JsonBodies.bool(body, "is_named");
        if (name.isPresent() && name.get().isEmpty()) throw ApiException.validation("name: must not be blank");
        if (name.isPresent() && named.isPresent() && !named.get()) {
            throw ApiException.validation("is_named: a name marks the identity named; send is_named false without a name to unname it");
        }
        if (name.isEmpty() && named.orElse(false) && identity.getName() == null) {
            throw ApiException.validation("is_named: an identity without a name cannot be named; send a name");
        }
        String id = identity.getIdentityId();
        Principal who = Principal.of(ctx);
        if (name.isPresent()) {
            send(command(IdentityCommandType.RENAME, id, who).setName(name.get()).build());
        } else if (named.isPresent() && !named.get() && identity.getName() != null) {
            send(command(IdentityCommandType.RENAME, id, who).setName(null).build());
        }
        if (name.isPresent() || named.orElse(false)) send(command(IdentityCommandType.CONFIRM, id, who).build());
        notes.ifPresent(n -> send(command(IdentityCommandType.ANNOTATE, id, who).setNotes(n).build()));
        String expectedName = name.orElse(named.isPresent() && !named.get() ? null : identity.getName());
        backend.awaitVisible(() -> backend.queries().identity(id)
                .filter(i -> Objects.equals(i.getName(), expectedName))
                .filter(i -> notes.isEmpty() || notes.get().equals(i.getNotes()))
                .filter(i -> !(name.isPresent() || named.orElse(false)) || i.getStatus() == io.facestream.schemas.avro.IdentityStatus.CONFIRMED)
                .isPresent(), "The change of identity " + id);
        ctx.json(detail(identity(id), 24));
    }

    private void merge(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        String targetId = JsonBodies.id(body, "target_id");
        List<String> sourceIds = new ArrayList<>(JsonBodies.ids(body, "source_ids", MAX_IDS));
        if (sourceIds.isEmpty()) throw ApiException.validation("source_ids: 1 to " + MAX_IDS + " ids are required");
        sourceIds.remove(targetId);
        if (sourceIds.isEmpty()) throw ApiException.validation("source_ids: an identity cannot be merged into itself");
        Identity target = identity(targetId);
        ViewQueries queries = backend.queries();
        int moved = 0;
        for (String sourceId : sourceIds) {
            Identity source = queries.identity(sourceId).orElseThrow(() -> ApiException.notFound("Identity not found: " + sourceId));
            moved += source.getSightingCount();
        }
        send(command(IdentityCommandType.MERGE, targetId, Principal.of(ctx)).setOtherIdentityIds(sourceIds).build());
        backend.awaitVisible(() -> sourceIds.stream().allMatch(id -> backend.queries().identity(id).isEmpty()) && recounted(targetId),
                "Merging into identity " + target.getIdentityId());
        List<String> affected = new ArrayList<>();
        affected.add(targetId);
        affected.addAll(sourceIds);
        ctx.json(new OpResult(true, targetId, affected, moved,
                "Merged " + sourceIds.size() + " identit" + (sourceIds.size() == 1 ? "y" : "ies") + " into " + targetId + "."));
    }

    /**
     * True once an identity's sighting counter says what its sightings view holds. A merge or split moves faces and sightings first and
     * recounts the identities after, and a read may fall between the two (the views are read while the pipeline
     * writes), so an answer waits for the recount, not only for the move.
     */
    private boolean recounted(String identityId) {
        ViewQueries queries = backend.queries();
        return queries.identity(identityId).filter(i -> i.getSightingCount() == queries.sightingsOf(identityId).size()).isPresent();
    }

    private void split(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        JsonNode body = JsonBodies.object(ctx);
        List<String> sightingIds = JsonBodies.ids(body, "sighting_ids", MAX_IDS);
        boolean auto = JsonBodies.bool(body, "auto").orElse(false);
        Optional<String> newName = JsonBodies.text(body, "new_name", MAX_NAME).map(String::strip).filter(n -> !n.isEmpty());
        if (sightingIds.isEmpty() && !auto) throw ApiException.badRequest("Provide sighting_ids or auto=true.");
        if (!sightingIds.isEmpty() && auto) throw ApiException.badRequest("Provide either sighting_ids or auto=true, not both.");
        String id = identity.getIdentityId();
        List<Sighting> all = backend.queries().sightingsOf(id);
        Set<String> own = new HashSet<>();
        all.forEach(s -> own.add(s.getSightingId()));
        List<String> moving;
        if (auto) {
            moving = AutoSplit.sightingsToMove(backend.queries().facesOf(id), all);
        } else {
            for (String sid : sightingIds) {
                if (!own.contains(sid)) throw ApiException.validation("sighting_ids: " + sid + " is not a sighting of identity " + id);
            }
            moving = sightingIds;
        }
        if (moving.size() >= own.size()) {
            throw ApiException.validation("sighting_ids: a split must leave the identity at least one sighting; rename it instead");
        }
        String newId = UUID.randomUUID().toString();
        send(command(IdentityCommandType.SPLIT, id, Principal.of(ctx)).setSightingIds(moving).setNewIdentityId(newId)
                .setName(newName.orElse(null)).build());
        backend.awaitVisible(() -> backend.queries().identity(newId).isPresent()
                && moving.stream().allMatch(sid -> backend.queries().sighting(sid).map(s -> newId.equals(s.getIdentityId())).orElse(true))
                && recounted(newId) && recounted(id),
                "Splitting identity " + id);
        ctx.json(new OpResult(true, newId, List.of(id, newId), moving.size(),
                "Moved " + moving.size() + " sighting" + (moving.size() == 1 ? "" : "s") + " from " + id + " to the new identity " + newId + "."));
    }

    private void rejectFaces(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        String id = identity.getIdentityId();
        List<String> faceIds = JsonBodies.ids(JsonBodies.object(ctx), "face_ids", MAX_IDS);
        if (faceIds.isEmpty()) throw ApiException.validation("face_ids: 1 to " + MAX_IDS + " ids are required");
        ViewQueries queries = backend.queries();
        for (String faceId : faceIds) {
            Face face = queries.face(faceId).orElseThrow(() -> ApiException.notFound("Face not found: " + faceId));
            if (!id.equals(face.getIdentityId())) throw ApiException.validation("face_ids: " + faceId + " is not a face of identity " + id);
        }
        send(command(IdentityCommandType.REJECT_FACES, id, Principal.of(ctx)).setFaceIds(faceIds).build());
        backend.awaitVisible(() -> backend.queries().identity(id).map(i -> io.facestream.topologies.gallery.Matching.rejected(i).stream().map(Exemplar::getFaceId).toList())
                .filter(r -> r.containsAll(faceIds)).isPresent(), "Rejecting faces of identity " + id);
        ctx.json(new IdentityBodies.Rejected(id, faceIds.size(), faceIds));
    }

    private void erase(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        if (!JsonBodies.bool(JsonBodies.object(ctx), "confirm").orElse(false)) {
            throw ApiException.badRequest("Erasing an identity requires \"confirm\": true.");
        }
        ctx.json(new Erasure(backend).identity(identity.getIdentityId(), Principal.of(ctx)));
    }

    private void delete(Context ctx) {
        Identity identity = identity(ctx.pathParam("id"));
        deleteAll(List.of(identity.getIdentityId()), Principal.of(ctx));
        ctx.status(204);
    }

    private void bulkDelete(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        List<String> ids = JsonBodies.ids(body, "ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("ids: 1 to " + MAX_IDS + " ids are required");
        ViewQueries queries = backend.queries();
        List<String> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) (queries.identity(id).isPresent() ? present : missing).add(id);
        deleteAll(present, Principal.of(ctx));
        ctx.json(new BulkResult(present.size(), present, missing));
    }

    private void clearAll(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        if (!JsonBodies.bool(body, "confirm").orElse(false)) {
            throw ApiException.badRequest("Clearing every identity requires \"confirm\": true.");
        }
        String objectClass = JsonBodies.text(body, "object_class", 64).map(String::strip).filter(c -> !c.isEmpty()).orElse(null);
        List<String> ids = new ArrayList<>();
        if (objectClass == null || objectClass.equalsIgnoreCase(PERSON)) {
            ids.addAll(backend.queries().identityIds());
        }
        deleteAll(ids, Principal.of(ctx));
        ctx.json(new ClearResult(ids.size(), objectClass));
    }

    /** One DELETE command per identity, then waits until the view has none of them. */
    private void deleteAll(List<String> ids, Principal who) {
        if (ids.isEmpty()) return;
        backend.writes().identityCommands(ids.stream().map(id -> command(IdentityCommandType.DELETE, id, who).build()).toList());
        // a large clear waits longer: the pipeline applies the deletes one by one
        java.time.Duration timeout = backend.writeTimeout().plusMillis(20L * ids.size());
        backend.awaitVisible(() -> {
            ViewQueries queries = backend.queries();
            return ids.stream().allMatch(id -> queries.identity(id).isEmpty());
        }, ids.size() == 1 ? "Deleting identity " + ids.get(0) : "Deleting " + ids.size() + " identities", timeout);
    }

    // ---- helpers ----

    private Identity identity(String id) {
        if (id.length() > JsonBodies.MAX_ID_LENGTH) throw ApiException.notFound("Identity not found: " + id.substring(0, 40) + "...");
        return backend.queries().identity(id).orElseThrow(() -> ApiException.notFound("Identity not found: " + id));
    }

    private void send(IdentityCommand command) {
        backend.writes().identityCommand(command);
    }

    private static IdentityCommand.Builder command(IdentityCommandType type, String identityId, Principal who) {
        return IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setIdentityId(identityId).setType(type)
                .setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of()).setSightingIds(List.of())
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setIssuedBy(who == null ? null : who.name());
    }

    static IdentityItem item(Identity i, double totalSeconds) {
        return new IdentityItem(i.getIdentityId(), i.getName(), i.getName() != null, PERSON, null, null, null, null, totalSeconds,
                i.getSightingCount(), i.getFaceCount(), i.getFirstSeen(), i.getLastSeen(), i.getCameras(), status(i), i.getPersonId(),
                repThumb(i), faceThumb(i));
    }

    static SightingItem sighting(Sighting s) {
        long millis = Math.max(0, s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli());
        return new SightingItem(s.getSightingId(), s.getIdentityId(), s.getCameraId(), s.getFileId(), s.getEntryTime(), s.getExitTime(),
                millis / 1000.0, s.getMatchKind().name().toLowerCase(java.util.Locale.ROOT), s.getPersonId(), round(s.getSimilarity()),
                s.getFaceCount(), s.getFinal$(), PREFIX + "/sightings/" + segment(s.getSightingId()) + "/thumbnail");
    }

    static FaceItem face(Face f) {
        var box = f.getBbox();
        return new FaceItem(f.getFaceId(), f.getTrackId(), f.getCameraId(), f.getFileId(), f.getTimestamp(), round(f.getQuality()),
                round(f.getSimilarity()), f.getBound(),
                new BoundingBox(Math.round(box.getX()), Math.round(box.getY()), Math.round(box.getWidth()), Math.round(box.getHeight())),
                f.getCropJpeg() == null ? null : "/api/faces/" + segment(f.getFaceId()) + "/thumbnail");
    }

    private static String status(Identity i) {
        return i.getStatus().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Optional<String> bestFaceId(Identity i) {
        return i.getExemplars().stream().max(Comparator.comparingDouble(Exemplar::getQuality)).map(Exemplar::getFaceId);
    }

    private static String repThumb(Identity i) {
        return i.getExemplars().isEmpty() ? null : PREFIX + "/" + segment(i.getIdentityId()) + "/thumbnail";
    }

    private static String faceThumb(Identity i) {
        return bestFaceId(i).map(id -> "/api/faces/" + segment(id) + "/thumbnail").orElse(null);
    }

    private static void jpeg(Context ctx, ByteBuffer crop) {
        ByteBuffer copy = crop.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        ctx.contentType("image/jpeg").header("Cache-Control", "private, max-age=3600").result(bytes);
    }

    private static double round(double value) {
        return Math.round(value * 10_000d) / 10_000d;
    }

    /** An id in a URL path: percent-encoded, spaces as %20. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
