package io.facestream.api.people;

import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.ErrorKind;
import io.facestream.api.JsonBodies;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.Routes;
import io.facestream.api.UploadedImage;
import io.facestream.api.Uploads;
import io.facestream.api.backend.Backend;
import io.facestream.blobs.BlobKind;
import io.facestream.models.DetectedFace;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.RejectedFace;
import io.facestream.topologies.views.Views;
import io.facestream.topologies.gallery.Enrolment;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLEncoder;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 002's /api/people: the manual face database. A person is a {@link Person} on the people topic, the same
 * record seed 001's POIs are (a person on the watch list carries a watch-list entry): one gallery, which live
 * matching on every instance is built from. Each write replaces the person's record and is answered once this
 * instance's gallery and people view show it. Enrolled photos are kept in the blob store (kind {@code profile}).
 */
public final class PeopleModule implements ApiModule {
    private static final Logger LOG = LoggerFactory.getLogger(PeopleModule.class);
    static final String PREFIX = "/api/people";
    static final int MAX_IDS = 1000;
    static final int MAX_NAME = 200;
    static final int MAX_NOTES = 4000;
    /** Reference faces one person may have: each is compared with every track's faces. */
    static final int MAX_FACES = 100;
    /** Rejected faces a person remembers (the latest): each costs a dot product per match. */
    static final int MAX_REJECTED = 64;

    public record PersonItem(String id, String name, String notes, int numFaces, boolean isPoi, String severity,
            String identityId, Instant createdAt, Instant updatedAt) {}

    public record FaceItem(String id, String personId, double quality, String modelId, Instant addedAt, String imageUrl) {}

    public record Enrolled(String embeddingId, int facesDetected, String imagePath) {}

    public record BulkResult(int deleted, List<String> deletedIds, List<String> notFound) {}

    public record ClearResult(int deleted) {}

    /** Request bodies, for the OpenAPI document. */
    public record PersonBody(String name, String notes) {}

    public record Ids(List<String> ids) {}

    public record Confirm(Boolean confirm) {}

    private final Backend backend;
    /** The server's upload checks, known once the routes are registered. */
    private Uploads uploads;

    public PeopleModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        uploads = routes.uploads();
        routes.get(PREFIX, this::list)
                .summary("List people with their number of faces").tags("people")
                .description("Every person of the gallery, by name; people on seed 001's watch list too (`is_poi`).")
                .responds(200, "The people", PersonItem[].class);
        routes.post(PREFIX, this::create)
                .summary("Create a person without faces").tags("people")
                .jsonBody(PersonBody.class, "{name, notes?}")
                .responds(201, "The person", PersonItem.class).responds(422, "A missing or invalid field");
        routes.post(PREFIX + "/bulk-delete", this::bulkDelete)
                .summary("Delete the given people with their faces and photos").tags("people")
                .jsonBody(Ids.class, "{ids: 1-1000 person ids}")
                .responds(200, "What was deleted, and the ids that did not exist", BulkResult.class)
                .responds(422, "No ids, or more than 1000");
        routes.post(PREFIX + "/clear-all", this::clearAll)
                .summary("Delete every person (POIs too) with their faces and photos").tags("people")
                .jsonBody(Confirm.class, "{confirm: true}")
                .responds(200, "How many were deleted", ClearResult.class).responds(400, "confirm is not true");
        routes.get(PREFIX + "/{id}", ctx -> ctx.json(item(person(ctx.pathParam("id")))))
                .summary("One person").tags("people").pathParam("id", "The person id")
                .responds(200, "The person", PersonItem.class).responds(404, "No such person");
        routes.put(PREFIX + "/{id}", this::update)
                .summary("Update a person's name or notes").tags("people").pathParam("id", "The person id")
                .jsonBody(PersonBody.class, "{name?, notes?}")
                .responds(200, "The person", PersonItem.class).responds(404, "No such person")
                .responds(422, "An invalid field");
        routes.delete(PREFIX + "/{id}", this::delete)
                .summary("Delete a person with their faces and photos").tags("people").pathParam("id", "The person id")
                .description("The person leaves the gallery (no match from the next track on) and the people view; their "
                        + "enrolled photos leave the blob store. Past sightings stay as history.")
                .responds(204, "Deleted").responds(404, "No such person");
        routes.post(PREFIX + "/{id}/faces", this::enrol)
                .summary("Enrol a face from an uploaded photo").tags("people").pathParam("id", "The person id")
                .multipart("One clear photo of the person", FormField.file("file", true, "JPEG or PNG; the largest face is enrolled"))
                .description("The largest detected face is embedded and added to the person's reference faces; live "
                        + "matching uses it from the next track on. `image_path` is where the photo is served.")
                .responds(201, "The enrolled face", Enrolled.class)
                .responds(400, "An empty upload or an undecodable image")
                .responds(404, "No such person")
                .responds(413, "Over 8 MiB, or over 50 megapixels")
                .responds(415, "Not JPEG or PNG")
                .responds(422, "No face detected, no file, or the person has " + MAX_FACES + " faces already")
                .responds(503, "The recognizer is unavailable, or the pipeline did not apply the change in time");
        routes.post(PREFIX + "/{id}/reject-faces", this::rejectFaces)
                .summary("Negative feedback: these captured faces are not this person").tags("people").pathParam("id", "The person id")
                .description("The person remembers the faces (the latest " + MAX_REJECTED + "): from then on a face at least as "
                        + "like one of them as like the person's reference faces never matches them, in identity resolution "
                        + "and in POI alerts alike; the faces leave the identity standing for the person.")
                .jsonBody(io.facestream.api.identities.IdentityBodies.FaceIds.class, "{face_ids: 1-1000 captured face ids}")
                .responds(200, "What was rejected", io.facestream.api.identities.IdentityBodies.Rejected.class)
                .responds(404, "No such person or face").responds(422, "No faces, or too many");
        routes.post(PREFIX + "/{id}/erase", this::erase)
                .summary("Privacy erase: remove a person from everywhere, with a receipt").tags("people").pathParam("id", "The person id")
                .description("Removes the person from the gallery (no future match) and the people view, the identity standing "
                        + "for them and every identity bound to them with their sightings and faces (views and vector store), "
                        + "their enrolled photos and profile image, and the frames kept only for their faces (blob store); "
                        + "the receipt lists what was removed and what Kafka keeps until retention or compaction.")
                .jsonBody(Confirm.class, "{confirm: true}")
                .responds(200, "The receipt", io.facestream.api.identities.Erasure.Receipt.class)
                .responds(400, "confirm is not true").responds(404, "No such person");
        routes.get(PREFIX + "/{id}/faces", this::faces)
                .summary("A person's enrolled faces").tags("people").pathParam("id", "The person id")
                .responds(200, "The faces", FaceItem[].class).responds(404, "No such person");
        routes.get(PREFIX + "/{id}/faces/{fid}/image", this::image)
                .summary("The photo a face was enrolled from").tags("people")
                .pathParam("id", "The person id").pathParam("fid", "The face id")
                .respondsBinary(200, "image/jpeg", "The photo as uploaded (JPEG or PNG)")
                .responds(404, "No such person or face, or no photo kept for it");
        routes.delete(PREFIX + "/{id}/faces/{fid}", this::deleteFace)
                .summary("Remove one enrolled face and its photo").tags("people")
                .pathParam("id", "The person id").pathParam("fid", "The face id")
                .responds(204, "Removed").responds(404, "No such person or face");
    }

    private void list(Context ctx) {
        List<Person> people = new ArrayList<>(backend.gallery().people());
        people.sort(Comparator.comparing((Person p) -> p.getName().toLowerCase(Locale.ROOT)).thenComparing(Person::getPersonId));
        ctx.json(people.stream().map(PeopleModule::item).toList());
    }

    private void create(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        String name = name(body).orElseThrow(() -> ApiException.validation("name: field required"));
        Optional<String> notes = JsonBodies.text(body, "notes", MAX_NOTES);
        Instant now = now();
        Person person = Person.newBuilder().setPersonId(UUID.randomUUID().toString()).setName(name).setNotes(notes.orElse(null))
                .setMetadata(Map.of()).setFaces(List.of()).setCreatedAt(now).setUpdatedAt(now).build();
        put(person, "The new person");
        ctx.status(201).json(item(person));
    }

    private void update(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        JsonNode body = JsonBodies.object(ctx);
        Optional<String> name = name(body);
        Optional<String> notes = JsonBodies.text(body, "notes", MAX_NOTES);
        Person.Builder b = Person.newBuilder(person).setUpdatedAt(now());
        name.ifPresent(b::setName);
        notes.ifPresent(b::setNotes);
        Person updated = b.build();
        put(updated, "The change of person " + person.getPersonId());
        ctx.json(item(updated));
    }

    private void delete(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        deleteAll(List.of(person));
        ctx.status(204);
    }

    private void bulkDelete(Context ctx) {
        List<String> ids = JsonBodies.ids(JsonBodies.object(ctx), "ids", MAX_IDS);
        if (ids.isEmpty()) throw ApiException.validation("ids: 1 to " + MAX_IDS + " ids are required");
        List<Person> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            Optional<Person> person = backend.queries().person(id);
            if (person.isPresent()) present.add(person.get());
            else missing.add(id);
        }
        deleteAll(present);
        ctx.json(new BulkResult(present.size(), present.stream().map(Person::getPersonId).toList(), missing));
    }

    private void clearAll(Context ctx) {
        if (!JsonBodies.bool(JsonBodies.object(ctx), "confirm").orElse(false)) {
            throw ApiException.badRequest("Clearing every person requires \"confirm\": true.");
        }
        List<Person> all = List.copyOf(backend.gallery().people());
        deleteAll(all);
        ctx.json(new ClearResult(all.size()));
    }

    private void enrol(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        // The upload first: Uploads answers a form Jetty refused (a file over the limit) with 413.
        UploadedImage upload = uploads.image(ctx, "file");
        if (person.getFaces().size() >= MAX_FACES) {
            throw ApiException.validation("The person has " + MAX_FACES + " faces already; delete one first.");
        }
        Enrolment enrolment = backend.enrolment();
        List<DetectedFace> found;
        try {
            found = upload.withPixels(enrolment::faces);
        } catch (ApiException e) {
            throw e; // an undecodable image (400) or a full analysis pool (503), answered as on every upload route
        } catch (RuntimeException e) {
            LOG.error("The recognizer failed on an enrolment of {}", person.getPersonId(), e);
            throw ApiException.unavailable("The face recognizer is unavailable; try again later.");
        }
        if (found.isEmpty()) {
            throw new ApiException(ErrorKind.NO_FACE_DETECTED, "No face detected; use a photo where the face is clearly visible.");
        }
        String faceId = UUID.randomUUID().toString();
        String imageRef;
        try {
            imageRef = backend.blobs().put(BlobKind.PROFILE, person.getPersonId() + ":" + faceId, upload.bytes());
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not store the enrolment photo of {}", person.getPersonId(), e);
            throw ApiException.unavailable("The photo could not be stored; try again later.");
        }
        Instant now = now();
        ReferenceFace reference;
        try {
            reference = enrolment.reference(found.get(0), faceId, imageRef, now);
        } catch (RuntimeException e) {
            deleteBlob(imageRef);
            LOG.error("The recognizer failed on an enrolment of {}", person.getPersonId(), e);
            throw ApiException.unavailable("The face recognizer is unavailable; try again later.");
        }
        List<ReferenceFace> faces = new ArrayList<>(person.getFaces());
        faces.add(reference);
        Person updated = Person.newBuilder(person).setFaces(faces).setUpdatedAt(now).build();
        put(updated, "The new face of person " + person.getPersonId());
        ctx.status(201).json(new Enrolled(faceId, found.size(), imageUrl(person.getPersonId(), faceId)));
    }

    private void rejectFaces(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        List<String> faceIds = JsonBodies.ids(JsonBodies.object(ctx), "face_ids", MAX_IDS);
        if (faceIds.isEmpty()) throw ApiException.validation("face_ids: 1 to " + MAX_IDS + " ids are required");
        List<Face> faces = new ArrayList<>();
        for (String faceId : faceIds) {
            faces.add(backend.queries().face(faceId).orElseThrow(() -> ApiException.notFound("Face not found: " + faceId)));
        }
        Instant now = now();
        List<RejectedFace> rejected = new ArrayList<>(io.facestream.topologies.gallery.Matching.rejected(person));
        for (Face f : faces) {
            rejected.removeIf(r -> r.getFaceId().equals(f.getFaceId()));
            rejected.add(new RejectedFace(f.getFaceId(), StoredEmbeddings.asList(f), now));
        }
        if (rejected.size() > MAX_REJECTED) rejected = new ArrayList<>(rejected.subList(rejected.size() - MAX_REJECTED, rejected.size()));
        put(Person.newBuilder(person).setRejectedFaces(rejected).setUpdatedAt(now).build(), "Rejecting faces of person " + person.getPersonId());
        // the faces already filed under the person's identity leave it, as an identity's rejected faces do
        String identityId = Views.identityOf(person);
        List<String> filed = faces.stream().filter(f -> identityId.equals(f.getIdentityId())).map(Face::getFaceId).toList();
        if (!filed.isEmpty()) {
            backend.writes().identityCommand(IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString())
                    .setIdentityId(identityId).setType(IdentityCommandType.REJECT_FACES).setMetadata(Map.of())
                    .setOtherIdentityIds(List.of()).setFaceIds(filed).setSightingIds(List.of()).setIssuedAt(now)
                    .setIssuedBy(Optional.ofNullable(io.facestream.api.Principal.of(ctx)).map(io.facestream.api.Principal::name).orElse(null))
                    .build());
            backend.awaitVisible(() -> filed.stream().allMatch(id -> backend.queries().face(id)
                    .map(f -> !identityId.equals(f.getIdentityId())).orElse(true)), "Moving rejected faces out of person " + person.getPersonId());
        }
        ctx.json(new io.facestream.api.identities.IdentityBodies.Rejected(person.getPersonId(), faceIds.size(), faceIds));
    }

    private void erase(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        if (!JsonBodies.bool(JsonBodies.object(ctx), "confirm").orElse(false)) {
            throw ApiException.badRequest("Erasing a person requires \"confirm\": true.");
        }
        ctx.json(new io.facestream.api.identities.Erasure(backend).person(person, io.facestream.api.Principal.of(ctx)));
    }

    private void faces(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        ctx.json(person.getFaces().stream().map(f -> new FaceItem(f.getFaceId(), person.getPersonId(),
                Math.round(f.getQuality() * 10_000d) / 10_000d, f.getModelId(), f.getAddedAt(),
                f.getImageRef() == null ? null : imageUrl(person.getPersonId(), f.getFaceId()))).toList());
    }

    private void image(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        ReferenceFace face = face(person, ctx.pathParam("fid"));
        if (face.getImageRef() == null) throw ApiException.notFound("No photo was kept for face " + face.getFaceId() + ".");
        byte[] bytes;
        try {
            bytes = backend.blobs().get(face.getImageRef())
                    .orElseThrow(() -> ApiException.notFound("The photo of face " + face.getFaceId() + " is no longer stored."));
        } catch (IOException e) {
            throw ApiException.unavailable("The blob store could not be read; try again later.");
        }
        String type = bytes.length > 3 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' ? "image/png" : "image/jpeg";
        ctx.contentType(type).header("Cache-Control", "private, max-age=3600").result(bytes);
    }

    private void deleteFace(Context ctx) {
        Person person = person(ctx.pathParam("id"));
        ReferenceFace face = face(person, ctx.pathParam("fid"));
        List<ReferenceFace> rest = new ArrayList<>(person.getFaces());
        rest.remove(face);
        put(Person.newBuilder(person).setFaces(rest).setUpdatedAt(now()).build(), "Removing face " + face.getFaceId());
        if (face.getImageRef() != null && !face.getImageRef().equals(person.getProfileImageRef())) deleteBlob(face.getImageRef());
        ctx.status(204);
    }

    // ---- helpers ----

    private Person person(String id) {
        if (id.length() > JsonBodies.MAX_ID_LENGTH) throw ApiException.notFound("Person not found.");
        return backend.queries().person(id).orElseThrow(() -> ApiException.notFound("Person not found: " + id));
    }

    private static ReferenceFace face(Person person, String faceId) {
        return person.getFaces().stream().filter(f -> f.getFaceId().equals(faceId)).findFirst()
                .orElseThrow(() -> ApiException.notFound("Face not found: " + faceId));
    }

    private static Optional<String> name(JsonNode body) {
        Optional<String> name = JsonBodies.text(body, "name", MAX_NAME).map(String::strip);
        if (name.isPresent() && name.get().isEmpty()) throw ApiException.validation("name: must not be blank");
        return name;
    }

    /** Writes the person and waits until this instance's people view and gallery hold exactly this record. */
    private void put(Person person, String what) {
        backend.writes().putPerson(person);
        backend.awaitVisible(() -> backend.queries().person(person.getPersonId()).filter(person::equals).isPresent()
                && backend.gallery().person(person.getPersonId()).filter(person::equals).isPresent(), what);
    }

    /** Tombstones every person, waits until the view and gallery have none of them, then drops their photos. */
    private void deleteAll(List<Person> people) {
        if (people.isEmpty()) return;
        backend.writes().deletePeople(people.stream().map(Person::getPersonId).toList());
        backend.awaitVisible(() -> people.stream().allMatch(p -> backend.gallery().person(p.getPersonId()).isEmpty()
                        && backend.queries().person(p.getPersonId()).isEmpty()),
                people.size() == 1 ? "Deleting person " + people.get(0).getPersonId() : "Deleting " + people.size() + " people",
                backend.writeTimeout().plusMillis(10L * people.size()));
        for (Person p : people) {
            if (p.getProfileImageRef() != null) deleteBlob(p.getProfileImageRef());
            for (ReferenceFace f : p.getFaces()) if (f.getImageRef() != null) deleteBlob(f.getImageRef());
        }
    }

    private void deleteBlob(String key) {
        try {
            backend.blobs().delete(key);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete blob {}: {}", key, e.toString());
        }
    }

    static PersonItem item(Person p) {
        return new PersonItem(p.getPersonId(), p.getName(), p.getNotes(), p.getFaces().size(), p.getWatchlist() != null,
                p.getWatchlist() == null ? null : p.getWatchlist().getSeverity().name().toLowerCase(Locale.ROOT),
                p.getIdentityId(), p.getCreatedAt(), p.getUpdatedAt());
    }

    static String imageUrl(String personId, String faceId) {
        return PREFIX + "/" + segment(personId) + "/faces/" + segment(faceId) + "/image";
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS); // what Avro's timestamp-millis keeps
    }
}
