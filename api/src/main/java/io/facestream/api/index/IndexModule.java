package io.facestream.api.index;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.JsonBodies;
import io.facestream.api.Principal;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.Routes;
import io.facestream.api.UploadedImage;
import io.facestream.api.Uploads;
import io.facestream.api.backend.Backend;
import io.facestream.api.index.IndexBodies.BoundingBox;
import io.facestream.api.index.IndexBodies.ChunkRecord;
import io.facestream.api.index.IndexBodies.ChunksResult;
import io.facestream.api.index.IndexBodies.Deleted;
import io.facestream.api.index.IndexBodies.FaceChange;
import io.facestream.api.index.IndexBodies.FaceRecord;
import io.facestream.api.index.IndexBodies.FaceRef;
import io.facestream.api.index.IndexBodies.FacesResult;
import io.facestream.api.index.IndexBodies.FileSummary;
import io.facestream.api.index.IndexBodies.FilesResult;
import io.facestream.api.index.IndexBodies.IdentityFile;
import io.facestream.api.index.IndexBodies.IdentityPage;
import io.facestream.api.index.IndexBodies.IdentityRecord;
import io.facestream.api.index.IndexBodies.ProfileSaved;
import io.facestream.api.index.IndexBodies.ReplayedFile;
import io.facestream.api.index.IndexBodies.ReplayedFiles;
import io.facestream.api.index.IndexBodies.SearchHit;
import io.facestream.api.index.IndexBodies.SearchResult;
import io.facestream.api.index.IndexBodies.Segment;
import io.facestream.api.index.IndexBodies.Uploaded;
import io.facestream.blobs.BlobKeys;
import io.facestream.blobs.BlobKind;
import io.facestream.models.image.ImageFormat;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.views.FileView;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.topologies.views.Views;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seed 000 at /api/v1: the identity index over recorded files. Identities are the pipeline's (automatic, named,
 * bound to people; the same ones seed 002's /api/identities shows); files are replayed recordings; chunks are their
 * subtitle sentences. Reads come from the views; every change is an identity command through Kafka, answered once
 * the identities view shows it. Every route needs the {@code identity-level} scope (or admin) and answers errors as
 * {@code {"success": false, "error": "..."}}.
 */
public final class IndexModule implements ApiModule {
    static final String PREFIX = "/api/v1";
    static final int MAX_PAGE_SIZE = 200;
    static final int MAX_QUERY = 200;
    /** Identities a search by name lists at most. */
    static final int MAX_SEARCH_HITS = 1_000;
    private static final Pattern FRAME_INDEX = Pattern.compile("(\\d{1,18})_(\\d{1,6})");
    private static final Pattern FACE_FRAME = Pattern.compile("face_(\\d{1,18})");
    private static final Pattern PIPELINE_FACE = Pattern.compile(".+:(\\d{1,18}):(\\d{1,6})");
    private static final Pattern DASHLESS_UUID = Pattern.compile("[0-9a-fA-F]{32}");

    private final Backend backend;

    public IndexModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        String one = PREFIX + "/identity/{identity_uuid}";
        String uuidDoc = "The identity's id (with or without the dashes of a UUID)";
        routes.get(PREFIX + "/identities", this::list)
                .summary("List identities, a page at a time").tags("identity index")
                .description("Every identity (automatic, named, bound to a known person), named ones first by name, then "
                        + "by creation. `count` is the total; `identities` the requested page.")
                .queryParam("page", "integer", false, "Page number from 1 (default 1)")
                .queryParam("page_size", "integer", false, "Identities per page, 1-" + MAX_PAGE_SIZE + " (default 20)")
                .responds(200, "A page of identities", IdentityPage.class)
                .responds(400, "A page or page_size out of range");
        routes.get(PREFIX + "/files", this::replayedFiles)
                .summary("Replayed files with their progress, newest first").tags("identity index")
                .description("Every file `facestream replay` has published, from the files view: status (processing, completed, "
                        + "partial, failed, or stale when its replay stopped sending its record), progress 0-1, frames "
                        + "processed and declared, faces, and the sightings and identities found in it so far. Files are "
                        + "indexed by `facestream replay FILE|DIR`, or uploaded with POST /api/v1/files (an admin key).")
                .queryParam("limit", "integer", false, "Files listed, 1-" + MAX_PAGE_SIZE + " (default 100)")
                .responds(200, "The files", ReplayedFiles.class)
                .responds(400, "limit out of range");
        routes.get(PREFIX + "/identities/search", this::search)
                .summary("Search identities by name").tags("identity index")
                .description("Case-insensitive substring match on the name (SQL's ILIKE '%q%', with q taken literally), "
                        + "in name order; at most " + MAX_SEARCH_HITS + " identities.")
                .queryParam("q", "string", true, "Text the name contains, 1-" + MAX_QUERY + " characters")
                .responds(200, "Matching identities by name", SearchResult.class)
                .responds(400, "q missing, blank or too long");
        routes.post(PREFIX + "/identity/upload", this::upload)
                .summary("Create or update an identity from an identity.json").tags("identity index")
                .description("Updates the identity with this identity_uuid; else the one with the same name (case-insensitive); "
                        + "else creates one under identity_uuid. Metadata keys given replace those keys; file_bindings are "
                        + "informational and ignored. Fields not given are left as they are; a new identity's source is .json "
                        + "unless given, its status confirmed. status pending means not confirmed.")
                .jsonBody(IdentityFile.class, "An identity.json")
                .responds(200, "Created or updated", Uploaded.class)
                .responds(400, "Not JSON, or a missing or invalid field")
                .responds(503, "The pipeline did not apply it in time");
        routes.get(one, ctx -> ctx.json(record(find(ctx), true)))
                .summary("Get an identity").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("`identity_type` is \"people\" unless an identity.json said otherwise; `status` is confirmed, pending "
                        + "(not confirmed by an operator) or inactive; `tmdb_profile` is this API's profile-image path when "
                        + "one was uploaded, else the TMDb URL an identity.json gave.")
                .responds(200, "The identity", IdentityRecord.class).responds(404, "No such identity");
        routes.delete(one, this::delete)
                .summary("Delete an identity permanently").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("Removes the identity with its faces (views and vector store), its sightings and its profile image.")
                .responds(200, "Deleted", Deleted.class).responds(404, "No such identity")
                .responds(503, "The pipeline did not apply it in time");
        routes.get(one + "/files", this::files)
                .summary("Files where the identity appears").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .responds(200, "A summary per file, in replay order", FilesResult.class).responds(404, "No such identity");
        routes.get(one + "/faces", this::faces)
                .summary("The identity's faces in recorded files").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("The kept (embedded) faces: tracking embeds a track's first usable face and then better ones, "
                        + "not every detection. `face_id` is {frame}_{idx}.")
                .responds(200, "Faces by file and frame", FacesResult.class).responds(404, "No such identity");
        routes.get(one + "/chunks", this::chunks)
                .summary("Sentences spoken while the identity was on screen").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("Subtitle sentences (sidecar SRT/WebVTT or an embedded text stream) whose time overlaps the "
                        + "identity's time on screen in each file; `text_content` is the sentence as the subtitles give it. "
                        + "A file without subtitles has none.")
                .responds(200, "Sentences by file and time", ChunksResult.class).responds(404, "No such identity");
        routes.post(one + "/bind", ctx -> changeFace(ctx, true))
                .summary("Bind a face to the identity").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("Moves one face of a file to this identity by hand; automatic decisions leave it there. face_id is "
                        + "{frame}_{idx}; face_{frame} is accepted when that frame has one face.")
                .jsonBody(FaceRef.class, "The face")
                .responds(200, "Bound", FaceChange.class).responds(400, "A missing or malformed field, or an ambiguous face_{frame}")
                .responds(404, "No such identity, or no such face in that file");
        routes.post(one + "/unbind", ctx -> changeFace(ctx, false))
                .summary("Unbind a face from the identity").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .description("The face leaves the identity and belongs to none; automatic decisions leave it so.")
                .jsonBody(FaceRef.class, "The face")
                .responds(200, "Unbound", FaceChange.class).responds(400, "A malformed field, or a face not bound to this identity")
                .responds(404, "No such identity, or no such face in that file");
        routes.post(one + "/profile-image", ctx -> saveProfileImage(ctx, routes.uploads()))
                .summary("Upload the identity's profile image").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .multipart("The image", FormField.file("image", true, "JPEG or PNG"))
                .responds(200, "Saved", ProfileSaved.class)
                .responds(400, "No image field, or an empty, truncated or corrupt image")
                .responds(404, "No such identity")
                .responds(413, "Over the upload's byte or pixel limit")
                .responds(415, "Not JPEG or PNG (judged from the bytes)");
        routes.get(one + "/profile-image", this::profileImage)
                .summary("The identity's profile image").tags("identity index").pathParam("identity_uuid", uuidDoc)
                .respondsBinary(200, "image/jpeg", "The image (image/jpeg or image/png)")
                .responds(404, "No such identity, or it has no profile image");
    }

    // ---- identities ----

    private void list(Context ctx) {
        int page = JsonBodies.intQuery(ctx, "page", 1, 1, 1_000_000);
        int size = JsonBodies.intQuery(ctx, "page_size", 20, 1, MAX_PAGE_SIZE);
        ViewQueries.IdentityPage found = backend.queries().identitiesByName((long) (page - 1) * size, size);
        List<IdentityRecord> items = found.identities().stream().map(i -> record(i, null)).toList();
        ctx.json(new IdentityPage(true, found.total(), page, size, items));
    }

    private void search(Context ctx) {
        String q = ctx.queryParam("q");
        if (q == null || q.isBlank()) throw ApiException.validation("q is required: the text a name contains.");
        if (q.length() > MAX_QUERY) throw ApiException.validation("q: at most " + MAX_QUERY + " characters.");
        List<Identity> hits = backend.queries().identitiesNameContaining(q, MAX_SEARCH_HITS);
        ctx.json(new SearchResult(true, q, hits.size(), hits.stream().map(i -> new SearchHit(i.getIdentityId(), i.getName(),
                IdentityJson.sourceName(i.getSource()), IdentityJson.statusName(i.getStatus()), i.getTmdbId(),
                i.getFiles().isEmpty() ? null : i.getFiles().getFirst(), List.copyOf(i.getFiles()))).toList()));
    }

    private IdentityRecord record(Identity i, Boolean success) {
        String profile = i.getProfileImageRef() == null ? null : profilePath(i.getIdentityId());
        return new IdentityRecord(success, i.getIdentityId(), i.getName(), i.getIdentityType() != null ? i.getIdentityType() : "people",
                IdentityJson.sourceName(i.getSource()), IdentityJson.statusName(i.getStatus()), i.getTmdbId(),
                profile != null ? profile : i.getTmdbProfile(), IdentityJson.metadataNode(i.getMetadata()),
                IdentityJson.referenceNode(i.getReferenceData()), i.getCreatedAt(), i.getUpdatedAt(), i.getFaceCount(),
                i.getSightingCount(), i.getFirstSeen(), i.getLastSeen(), List.copyOf(i.getFiles()), i.getPersonId(), profile);
    }

    private static String profilePath(String identityId) {
        return PREFIX + "/identity/" + identityId + "/profile-image";
    }

    /** The identity named in the path; a UUID is found with or without its dashes. */
    private Identity find(Context ctx) {
        String id = ctx.pathParam("identity_uuid");
        if (id.length() > 200 || id.chars().anyMatch(Character::isISOControl)) throw notFound(id);
        ViewQueries queries = backend.queries();
        Optional<Identity> found = queries.identity(id);
        if (found.isEmpty() && DASHLESS_UUID.matcher(id).matches()) {
            String dashed = id.substring(0, 8) + "-" + id.substring(8, 12) + "-" + id.substring(12, 16) + "-"
                    + id.substring(16, 20) + "-" + id.substring(20);
            found = queries.identity(dashed.toLowerCase(Locale.ROOT));
        }
        return found.orElseThrow(() -> notFound(id));
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("Identity not found: " + id);
    }

    private void delete(Context ctx) {
        Identity identity = find(ctx);
        String id = identity.getIdentityId();
        backend.writes().identityCommand(command(ctx, IdentityCommandType.DELETE, id).build());
        backend.awaitVisible(() -> backend.queries().identity(id).isEmpty(), "Deleting identity " + id);
        String ref = identity.getProfileImageRef();
        if (ref != null && BlobKeys.isKey(BlobKind.PROFILE, ref)) {
            try {
                backend.blobs().delete(ref);
            } catch (IOException e) {
                // the identity is gone; an orphaned image is swept with the blob store's size cap
            }
        }
        ctx.json(new Deleted(true, id, "Identity deleted"));
    }

    private void upload(Context ctx) {
        if (ctx.contentLength() > IdentityJson.MAX_BODY_BYTES) {
            throw ApiException.validation("An identity.json is at most " + IdentityJson.MAX_BODY_BYTES + " bytes.");
        }
        IdentityJson.Upload upload = IdentityJson.parse(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8));
        ViewQueries queries = backend.queries();
        Optional<Identity> existing = queries.identity(upload.identityUuid());
        if (existing.isEmpty()) {
            existing = queries.identitiesNamed(upload.name()).stream().findFirst();
        }
        String id = existing.map(Identity::getIdentityId).orElse(upload.identityUuid());
        // a new identity from an identity.json is of source .json unless it says otherwise; an update keeps its source
        String source = upload.source() != null ? upload.source() : existing.isEmpty() ? ".json" : null;
        IdentityJson.Upload applied = new IdentityJson.Upload(upload.identityUuid(), upload.name(), upload.identityType(), source,
                upload.status(), upload.tmdbId(), upload.tmdbProfile(), upload.metadata(), upload.referenceData());
        IdentityCommand command = command(ctx, IdentityCommandType.UPSERT, id).setName(upload.name())
                .setSource(source).setStatus(upload.status()).setIdentityType(upload.identityType())
                .setTmdbId(upload.tmdbId()).setTmdbProfile(upload.tmdbProfile()).setReferenceData(upload.referenceData())
                .setMetadata(upload.metadata()).build();
        backend.writes().identityCommand(command);
        backend.awaitVisible(() -> backend.queries().identity(id).filter(i -> applied(i, applied)).isPresent(), "The identity " + id);
        ctx.json(new Uploaded(true, id, upload.name(), existing.isEmpty(), "Identity uploaded successfully"));
    }

    /** True once the identity carries every value the upload set. */
    private static boolean applied(Identity i, IdentityJson.Upload u) {
        boolean status = u.status() == null || (u.status() == IdentityStatus.PENDING
                ? i.getStatus() == IdentityStatus.PENDING || i.getStatus() == IdentityStatus.ACTIVE : i.getStatus() == u.status());
        return u.name().equals(i.getName()) && (u.source() == null || u.source().equals(i.getSource())) && status
                && (u.tmdbId() == null || u.tmdbId().equals(i.getTmdbId()))
                && (u.identityType() == null || u.identityType().equals(i.getIdentityType()))
                && (u.tmdbProfile() == null || u.tmdbProfile().equals(i.getTmdbProfile()))
                && (u.referenceData() == null || u.referenceData().equals(i.getReferenceData()))
                && u.metadata().entrySet().stream().allMatch(e -> e.getValue().equals(i.getMetadata().get(e.getKey())));
    }

    private static IdentityCommand.Builder command(Context ctx, IdentityCommandType type, String identityId) {
        Principal principal = Principal.of(ctx);
        return IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setIdentityId(identityId).setType(type)
                .setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of())
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setIssuedBy(principal == null ? null : principal.name());
    }

    // ---- files, faces, chunks ----

    private void replayedFiles(Context ctx) {
        int limit = JsonBodies.intQuery(ctx, "limit", 100, 1, MAX_PAGE_SIZE);
        List<ReplayedFile> out = backend.queries().files().stream()
                .sorted(Comparator.comparing((FileView f) -> f.file().getRegisteredAt()).reversed().thenComparing(FileView::fileId))
                .limit(limit).map(IndexModule::replayed).toList();
        ctx.json(new ReplayedFiles(true, out.size(), out));
    }

    private static ReplayedFile replayed(FileView view) {
        var f = view.file();
        return new ReplayedFile(f.getFileId(), f.getName(), f.getCameraId(), f.getStatus().name().toLowerCase(Locale.ROOT),
                round(f.getProgress()), f.getFramesProcessed(), f.getFrameCount(), f.getFacesDetected(), f.getFps(),
                f.getDurationMs() / 1000.0, f.getWidth(), f.getHeight(), f.getError(), f.getRegisteredAt(), f.getUpdatedAt(),
                view.summary().sightings(), view.summary().sightingsByIdentity().size());
    }

    private void files(Context ctx) {
        Identity identity = find(ctx);
        List<FileSummary> out = new ArrayList<>();
        for (Appearances.InFile in : Appearances.of(backend.queries(), identity.getIdentityId()).files()) {
            FileView file = in.file().orElse(null);
            List<Segment> segments = in.intervals().stream()
                    .map(i -> new Segment(i.startFrame(), i.endFrame(), seconds(i.startMs()), seconds(i.endMs()))).toList();
            Double confidence = in.faces().isEmpty() ? null
                    : round(in.faces().stream().mapToDouble(Face::getDetectionScore).average().orElseThrow());
            Double similarity = in.faces().isEmpty() ? null
                    : round(in.faces().stream().mapToDouble(Face::getSimilarity).average().orElseThrow());
            Segment first = segments.isEmpty() ? null : segments.getFirst();
            Segment last = segments.isEmpty() ? null : segments.getLast();
            out.add(new FileSummary(in.fileId(), file == null ? null : file.file().getName(), file == null ? null : file.file().getFps(),
                    in.faces().size(), in.sightings().stream().mapToLong(s -> s.getFaceCount()).sum(), in.sightings().size(),
                    in.sightings().stream().map(s -> s.getSightingId()).toList(),
                    confidence, similarity,
                    first == null ? null : segments.stream().mapToLong(Segment::startFrame).min().orElseThrow(),
                    last == null ? null : segments.stream().mapToLong(Segment::endFrame).max().orElseThrow(),
                    first == null ? null : first.startTime(), last == null ? null : last.endTime(), segments));
        }
        ctx.json(new FilesResult(true, identity.getIdentityId(), out.size(), out));
    }

    private void faces(Context ctx) {
        Identity identity = find(ctx);
        List<FaceRecord> out = new ArrayList<>();
        for (Appearances.InFile in : Appearances.of(backend.queries(), identity.getIdentityId()).files()) {
            Long base = in.file().map(f -> f.file().getBaseTime().toEpochMilli()).orElse(null);
            for (Face f : in.faces()) {
                var box = f.getBbox();
                out.add(new FaceRecord(in.fileId(), f.getFrameNumber(), seedFaceId(f), round(f.getDetectionScore()), f.getFaceId(),
                        base == null ? null : seconds(f.getTimestamp().toEpochMilli() - base),
                        new BoundingBox(Math.round(box.getX()), Math.round(box.getY()), Math.round(box.getWidth()), Math.round(box.getHeight())),
                        round(f.getSimilarity()), f.getBound()));
            }
        }
        ctx.json(new FacesResult(true, identity.getIdentityId(), out.size(), out));
    }

    /** Seed 000's face id: {frame}_{idx}, unique within its file. */
    static String seedFaceId(Face face) {
        return face.getFrameNumber() + "_" + Views.faceIndex(face.getFaceId());
    }

    private void chunks(Context ctx) {
        Identity identity = find(ctx);
        ViewQueries queries = backend.queries();
        List<ChunkRecord> out = new ArrayList<>();
        for (Appearances.InFile in : Appearances.of(queries, identity.getIdentityId()).files()) {
            if (in.intervals().isEmpty()) continue;
            double fps = in.file().orElseThrow().file().getFps();
            for (Chunk c : queries.chunksOf(in.fileId())) {
                if (!in.onScreenDuring(c)) continue;
                out.add(new ChunkRecord(c.getIndex(), c.getFileId(), c.getFileId() + "_" + c.getIndex(), "sentence", c.getStartFrame(),
                        c.getEndFrame(), fps, seconds(c.getStartMs()), seconds(c.getEndMs()), c.getText()));
            }
        }
        ctx.json(new ChunksResult(true, identity.getIdentityId(), out.size(), out));
    }

    // ---- bind, unbind ----

    private void changeFace(Context ctx, boolean bind) {
        Identity identity = find(ctx);
        FaceRef ref = faceRef(ctx);
        Face face = face(ref);
        String id = identity.getIdentityId(), faceId = face.getFaceId();
        String seedId = seedFaceId(face);
        if (bind) {
            if (!id.equals(face.getIdentityId())) {
                backend.writes().identityCommand(command(ctx, IdentityCommandType.BIND_FACE, id).setFaceIds(List.of(faceId)).build());
                backend.awaitVisible(() -> backend.queries().face(faceId).map(f -> id.equals(f.getIdentityId())).orElse(false),
                        "Binding face " + seedId);
            }
            ctx.json(new FaceChange(true, id, ref.fileUuid(), seedId, "Face bound to identity"));
        } else {
            if (!id.equals(face.getIdentityId())) {
                throw ApiException.validation("Face " + seedId + " of file " + ref.fileUuid() + " is not bound to identity " + id + ".");
            }
            backend.writes().identityCommand(command(ctx, IdentityCommandType.UNBIND_FACE, id).setFaceIds(List.of(faceId)).build());
            backend.awaitVisible(() -> backend.queries().face(faceId).map(f -> f.getIdentityId() == null).orElse(true),
                    "Unbinding face " + seedId);
            ctx.json(new FaceChange(true, id, ref.fileUuid(), seedId, "Face unbound from identity"));
        }
    }

    private static FaceRef faceRef(Context ctx) {
        if (ctx.contentLength() > 64 * 1024) throw ApiException.validation("The body is at most 64 KiB.");
        var node = parseObject(ctx);
        String file = text(node, "file_uuid");
        String face = text(node, "face_id");
        return new FaceRef(file, face);
    }

    private static com.fasterxml.jackson.databind.JsonNode parseObject(Context ctx) {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = io.facestream.api.ApiJson.mapper().readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw ApiException.badRequest("The body is not valid JSON.");
        }
        if (node == null || !node.isObject()) throw ApiException.validation("The body must be a JSON object {file_uuid, face_id}.");
        return node;
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode node, String field) {
        var value = node.get(field);
        if (value == null || value.isNull()) throw ApiException.validation(field + " is required.");
        if (!value.isTextual() || value.asText().isBlank()) throw ApiException.validation(field + ": a non-blank string.");
        String text = value.asText().strip();
        if (text.length() > 300 || text.chars().anyMatch(Character::isISOControl)) throw ApiException.validation(field + ": at most 300 printable characters.");
        return text;
    }

    /**
     * The face a {@code {file_uuid, face_id}} names: face_id is {frame}_{idx}, face_{frame} (when that frame has one kept
     * face), or the pipeline's own face id of that file.
     */
    private Face face(FaceRef ref) {
        ViewQueries queries = backend.queries();
        String file = ref.fileUuid(), faceId = ref.faceId();
        Matcher m;
        Optional<Face> face;
        if ((m = FRAME_INDEX.matcher(faceId)).matches()) {
            face = queries.face(file, Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)));
        } else if ((m = FACE_FRAME.matcher(faceId)).matches()) {
            List<Face> inFrame = queries.facesInFrame(file, Long.parseLong(m.group(1)));
            if (inFrame.size() > 1) {
                throw ApiException.validation("Frame " + m.group(1) + " of file " + file + " has " + inFrame.size()
                        + " faces; name one as {frame}_{idx}: " + inFrame.stream().map(IndexModule::seedFaceId).toList() + ".");
            }
            face = inFrame.stream().findFirst();
        } else if ((m = PIPELINE_FACE.matcher(faceId)).matches() && faceId.startsWith(file + ":")) {
            face = queries.face(faceId);
        } else {
            throw ApiException.validation("face_id: {frame}_{idx} (as /faces lists it) or face_{frame}, got '" + faceId + "'.");
        }
        // a face of a live camera whose id happens to start like this file's is not a face of the file
        return face.filter(f -> file.equals(f.getFileId()))
                .orElseThrow(() -> ApiException.notFound("Face " + faceId + " not found in file " + file + "."));
    }

    // ---- profile image ----

    private void saveProfileImage(Context ctx, Uploads uploads) {
        Identity identity = find(ctx);
        UploadedImage image = uploads.image(ctx, "image");
        String id = identity.getIdentityId();
        String key;
        try {
            key = backend.blobs().put(BlobKind.PROFILE, profileBlobId(id, image.format()), image.bytes());
        } catch (IOException e) {
            throw ApiException.unavailable("The profile image could not be stored; try again.");
        }
        String previous = identity.getProfileImageRef();
        if (!key.equals(previous)) {
            backend.writes().identityCommand(command(ctx, IdentityCommandType.ANNOTATE, id).setProfileImageRef(key).build());
            backend.awaitVisible(() -> backend.queries().identity(id).map(i -> key.equals(i.getProfileImageRef())).orElse(false),
                    "The profile image of identity " + id);
            if (previous != null && BlobKeys.isKey(BlobKind.PROFILE, previous)) {
                try {
                    backend.blobs().delete(previous); // the other format's file, now replaced
                } catch (IOException e) {
                    // left for the size cap's sweep
                }
            }
        }
        String file = "profile." + image.format().extension();
        ctx.json(new ProfileSaved(true, id, profilePath(id), "Profile image saved: " + file));
    }

    private void profileImage(Context ctx) {
        Identity identity = find(ctx);
        String ref = identity.getProfileImageRef();
        if (ref == null) throw ApiException.notFound("Identity " + identity.getIdentityId() + " has no profile image.");
        if (BlobKeys.isKey(BlobKind.PROFILE, ref)) {
            byte[] bytes;
            try {
                bytes = backend.blobs().get(ref).orElseThrow(() -> ApiException.notFound(
                        "The profile image of identity " + identity.getIdentityId() + " is no longer stored."));
            } catch (IOException e) {
                throw ApiException.unavailable("The profile image could not be read; try again.");
            }
            String type = ref.endsWith("." + ImageFormat.PNG.extension()) ? ImageFormat.PNG.mediaType() : ImageFormat.JPEG.mediaType();
            ctx.contentType(type).result(bytes);
            return;
        }
        // the ref may name one of the identity's faces: its aligned crop
        Face face = backend.queries().face(ref).filter(f -> f.getCropJpeg() != null).orElseThrow(() -> ApiException.notFound(
                "The profile image of identity " + identity.getIdentityId() + " is no longer stored."));
        var crop = face.getCropJpeg().duplicate();
        byte[] jpeg = new byte[crop.remaining()];
        crop.get(jpeg);
        ctx.contentType(ImageFormat.JPEG.mediaType()).result(jpeg);
    }

    /** A profile image's blob id: the identity's id where it is a valid blob id, else a UUID derived from it. */
    static String profileBlobId(String identityId, ImageFormat format) {
        String base = IdentityJson.UUID_FORMAT.matcher(identityId).matches() ? identityId
                : UUID.nameUUIDFromBytes(identityId.getBytes(StandardCharsets.UTF_8)).toString();
        return "identity-" + base + "." + format.extension();
    }

    // ---- helpers ----

    private static double seconds(long millis) {
        return millis / 1000.0;
    }

    private static double round(double value) {
        return Math.round(value * 10_000d) / 10_000d;
    }
}
