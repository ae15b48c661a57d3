package io.facestream.api.poi;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.ErrorKind;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.Routes;
import io.facestream.api.UploadedImage;
import io.facestream.api.backend.Backend;
import io.facestream.api.poi.PoiBodies.Deleted;
import io.facestream.api.poi.PoiBodies.Poi;
import io.facestream.api.poi.PoiBodies.PoiSummary;
import io.facestream.api.poi.PoiBodies.ReferenceImage;
import io.facestream.models.DetectedFace;
import io.facestream.models.DeviceUnavailableException;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import io.facestream.topologies.gallery.GalleryUpdater;
import io.javalin.http.Context;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Seed 001 at /api/v1: the POI watch list, two-stage search by image, frames, cameras, alerts, status and
 * thumbnails. A POI is a {@link Person} with a watch-list entry on the people topic: enrolment embeds each
 * image and writes the person; reads come from the people view; the gallery the pipeline matches against
 * is built from the same topic, so a write is answered once the gallery has it.
 */
public final class PoiModule implements ApiModule {
    static final String PREFIX = "/api/v1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Backend backend;
    private final PoiSearch search;
    private final PoiViews views;

    public PoiModule(Backend backend) {
        this.backend = backend;
        this.search = new PoiSearch(backend);
        this.views = new PoiViews(backend);
    }

    @Override
    public void register(Routes routes) {
        routes.post(PREFIX + "/poi", ctx -> create(ctx, routes))
                .summary("Enrol a person of interest from 1-5 face images").tags("poi")
                .multipart("The POI's face images and watch-list fields",
                        FormField.files("images", true, "1-5 face images (JPEG/PNG); the largest face of each is enrolled"),
                        FormField.text("severity", false, "low, medium, high or critical (default medium)"),
                        FormField.text("notes", false, "Free-text notes about the suspect"))
                .responds(201, "The enrolled POI", Poi.class)
                .responds(413, "An image over the upload limit")
                .responds(415, "A file that is not JPEG or PNG")
                .responds(422, "No images, more than 5, a bad severity, or an image without a face")
                .responds(503, "The pipeline did not apply the enrolment in time");
        routes.get(PREFIX + "/poi", this::list)
                .summary("List POIs, newest first").tags("poi")
                .responds(200, "Every person on the watch list", PoiSummary[].class);
        routes.get(PREFIX + "/poi/{poi_id}", ctx -> ctx.json(toPoi(poi(ctx.pathParam("poi_id")))))
                .summary("Get one POI").tags("poi").pathParam("poi_id", "The POI's id")
                .responds(200, "The POI", Poi.class).responds(404, "No such POI");
        routes.delete(PREFIX + "/poi/{poi_id}", this::delete)
                .summary("Delete a POI with its reference embeddings").tags("poi").pathParam("poi_id", "The POI's id")
                .description("Deleting the person removes their reference embeddings with them (they live in the "
                        + "person record, the one source of the gallery); past sightings and alerts stay as history.")
                .responds(200, "Deleted", Deleted.class).responds(404, "No such POI");
        search.register(routes);
        views.register(routes);
    }

    private void create(Context ctx, Routes routes) {
        // The upload first: it parses the multipart form, and Uploads answers a form Jetty refused (a file over
        // the size limit) with 413; a form field read first would meet Jetty's exception unexplained (a 500).
        // A bad severity is still refused before any model runs.
        List<UploadedImage> images = routes.uploads().images(ctx, "images", 1, 5);
        Severity severity = severity(ctx.formParam("severity"));
        String notes = blankToNull(ctx.formParam("notes"));
        List<DetectedFace> faces = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            UploadedImage image = images.get(i);
            String which = "image " + (i + 1) + describe(image);
            // Every image is checked before anything is written: one faceless image refuses the whole enrolment.
            faces.add(largestFace(backend, image).orElseThrow(() -> new ApiException(ErrorKind.NO_FACE_DETECTED,
                    "No face detected in " + which + "; use a photo where the face is clearly visible.")));
        }
        String modelId = backend.analyzer().config().catalog().model(ModelSpec.Role.EMBEDDER).id();
        String poiId = newPoiId();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS); // what Avro's timestamp-millis keeps
        List<ReferenceFace> references = new ArrayList<>();
        for (int i = 0; i < faces.size(); i++) {
            float[] embedding = embed(faces.get(i));
            List<Float> values = new ArrayList<>(embedding.length);
            for (float v : embedding) values.add(v);
            references.add(ReferenceFace.newBuilder()
                    .setFaceId("emb-" + poiId.substring("poi-".length()) + "-" + (i + 1))
                    .setEmbedding(values).setModelId(modelId)
                    .setQuality((float) faces.get(i).quality().score()).setAddedAt(now).build());
        }
        Person person = Person.newBuilder().setPersonId(poiId).setName(notes != null ? notes : poiId).setNotes(notes)
                .setMetadata(Map.of()).setWatchlist(new Watchlist(severity, WatchlistStatus.ACTIVE, notes, now))
                .setFaces(references).setCreatedAt(now).setUpdatedAt(now).build();
        backend.writes().putPerson(person);
        backend.awaitVisible(() -> backend.gallery().person(poiId).isPresent() && people().get(poiId) != null,
                "The POI " + poiId);
        ctx.status(201).json(toPoi(person));
    }

    private void list(Context ctx) {
        // From the gallery (every enrolment is awaited there too): the people view would mean decoding every
        // person with their reference embeddings on each request.
        List<Person> pois = new ArrayList<>(backend.gallery().people().stream().filter(p -> p.getWatchlist() != null).toList());
        pois.sort(Comparator.comparing((Person p) -> p.getWatchlist().getEnrolledAt()).reversed()
                .thenComparing(Person::getPersonId));
        ctx.json(pois.stream().map(p -> new PoiSummary(p.getPersonId(), severityName(p), p.getWatchlist().getNotes(),
                statusName(p), p.getWatchlist().getEnrolledAt())).toList());
    }

    private void delete(Context ctx) {
        String poiId = poi(ctx.pathParam("poi_id")).getPersonId();
        backend.writes().deletePerson(poiId);
        backend.awaitVisible(() -> backend.gallery().person(poiId).isEmpty() && people().get(poiId) == null,
                "Deleting the POI " + poiId);
        ctx.json(new Deleted("deleted", poiId));
    }

    /** The person on the watch list under this id; a person without a watch-list entry is no POI (404). */
    private Person poi(String poiId) {
        Person person;
        try {
            person = people().get(poiId);
        } catch (InvalidStateStoreException e) {
            throw PoiViews.restoring();
        }
        if (person == null || person.getWatchlist() == null) {
            throw ApiException.notFound("POI not found: " + poiId);
        }
        return person;
    }

    private ReadOnlyKeyValueStore<String, Person> people() {
        return backend.view(GalleryUpdater.PEOPLE);
    }

    private String newPoiId() {
        for (int attempt = 0; attempt < 8; attempt++) {
            byte[] bytes = new byte[4];
            RANDOM.nextBytes(bytes);
            String id = "poi-" + HexFormat.of().formatHex(bytes);
            if (people().get(id) == null) return id;
        }
        throw ApiException.unavailable("Could not choose a free POI id; try again.");
    }

    static Poi toPoi(Person person) {
        List<ReferenceImage> references = person.getFaces().stream()
                .map(f -> new ReferenceImage(f.getFaceId(), f.getEmbedding().size())).toList();
        return new Poi(person.getPersonId(), severityName(person), person.getWatchlist().getNotes(), references,
                statusName(person), person.getWatchlist().getEnrolledAt());
    }

    static String severityName(Person person) {
        return person.getWatchlist().getSeverity().name().toLowerCase(Locale.ROOT);
    }

    private static String statusName(Person person) {
        return person.getWatchlist().getStatus().name().toLowerCase(Locale.ROOT);
    }

    private static Severity severity(String value) {
        if (value == null || value.isBlank()) return Severity.MEDIUM;
        try {
            return Severity.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.validation("severity must be one of low, medium, high, critical; got '" + value + "'.");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String describe(UploadedImage image) {
        return image.filename() == null || image.filename().isBlank() ? "" : " (" + image.filename() + ")";
    }

    /** The largest face of an uploaded image: the subject of an enrolment or query photo. */
    static Optional<DetectedFace> largestFace(Backend backend, UploadedImage image) {
        try {
            return backend.analyzer().analyzeStill(image.decode()).stream()
                    .max(Comparator.comparingDouble(f -> f.box().area()));
        } catch (DeviceUnavailableException e) {
            throw ApiException.unavailable("The face models are unavailable: " + e.getMessage());
        }
    }

    private float[] embed(DetectedFace face) {
        try {
            return backend.analyzer().embed(face.aligned());
        } catch (DeviceUnavailableException e) {
            throw ApiException.unavailable("The face models are unavailable: " + e.getMessage());
        }
    }
}
