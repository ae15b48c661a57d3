package io.facestream.api.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiJson;
import io.facestream.api.ApiModule;
import io.facestream.api.Envelope;
import io.facestream.api.ErrorKind;
import io.facestream.api.Routes;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.UploadedImage;
import io.facestream.api.backend.Backend;
import io.facestream.ingest.blob.BlobKind;
import io.facestream.models.DetectedFace;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 004's POST /api/v1/register: a known person (no watch list) from one face image. The person is
 * written to the people topic and the call returns once the gallery holds them, so the very next frame on
 * /api/v1/ws can already be matched against them.
 */
public final class RegisterModule implements ApiModule {
    static final String NO_FACE_MESSAGE = "No face detected in the provided image";
    private static final Logger LOG = LoggerFactory.getLogger(RegisterModule.class);

    /** Seed 004's {@code data}. */
    public record Registered(String personId, String name, String relationship, int embeddingCount,
            Instant createdAt) {}

    private final Backend backend;

    public RegisterModule(Backend backend) {
        this.backend = backend;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/api/v1/register", ctx -> register(routes, ctx))
                .summary("Register a person from one face image")
                .description("Detects the largest face in the image, embeds it and enrols a known person (not a "
                        + "person of interest). Answers once the person is in the matching gallery, so the "
                        + "WebSocket at /api/v1/ws recognises them from the next frame on. `metadata` is a JSON "
                        + "object; its values are kept as strings (a non-string value as its JSON text).")
                .tags("register")
                .multipart("The person and their face",
                        FormField.text("name", true, "Person's name"),
                        FormField.text("relationship", false, "Relationship to the user"),
                        FormField.file("image", true, "Face image (JPEG/PNG); the largest face is enrolled"),
                        FormField.text("metadata", false, "Additional metadata: a JSON object"))
                .responds(200, "Registered", Registered.class)
                .responds(400, "NO_FACE_DETECTED, INVALID_IMAGE, or VALIDATION_ERROR for a missing name or "
                        + "metadata that is not a JSON object")
                .responds(503, "The pipeline did not take the person in within the write timeout");
    }

    private void register(Routes routes, Context ctx) {
        UploadedImage image = routes.uploads().image(ctx, "image");
        String name = trimmed(ctx.formParam("name"));
        if (name == null) {
            throw ApiException.validation("Field 'name' is required.");
        }
        String relationship = trimmed(ctx.formParam("relationship"));
        Map<String, String> metadata = metadata(ctx.formParam("metadata"));

        DetectedFace face = backend.analyzer().analyzeStill(image.decode()).stream()
                .max(Comparator.comparingDouble(f -> f.box().area()))
                .orElseThrow(() -> new ApiException(ErrorKind.NO_FACE_DETECTED, NO_FACE_MESSAGE));
        float[] embedding = backend.analyzer().embed(face.aligned());

        String personId = UUID.randomUUID().toString();
        // Avro keeps milliseconds; answering with the same precision keeps the response equal to what is stored.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String imageRef = storeImage(personId, image.bytes());
        List<Float> values = new ArrayList<>(embedding.length);
        for (float v : embedding) values.add(v);
        String modelId = backend.analyzer().config().catalog().model(ModelSpec.Role.EMBEDDER).id();
        Person person = Person.newBuilder()
                .setPersonId(personId)
                .setName(name)
                .setRelationship(relationship)
                .setMetadata(metadata)
                .setProfileImageRef(imageRef)
                .setFaces(List.of(new ReferenceFace(personId + ":0", imageRef, values, modelId,
                        (float) face.quality().score(), now)))
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .build();
        backend.writes().putPerson(person);
        backend.awaitVisible(() -> backend.gallery().person(personId).isPresent(), "The new person");
        ctx.json(Envelope.ok(new Registered(personId, name, relationship, person.getFaces().size(), now)));
    }

    /** The uploaded image as the person's profile image; registering does not fail when the blob store does. */
    private String storeImage(String personId, byte[] bytes) {
        try {
            return backend.blobs().put(BlobKind.PROFILE, personId, bytes);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not store the profile image of {}: {}", personId, e.toString());
            return null;
        }
    }

    static Map<String, String> metadata(String raw) {
        if (raw == null || raw.isBlank()) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = ApiJson.mapper().readTree(raw);
        } catch (JsonProcessingException e) {
            throw ApiException.validation("Field 'metadata' must be a JSON object; it is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.validation("Field 'metadata' must be a JSON object.");
        }
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(),
                e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        return out;
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
