package io.facestream.api.identities;

import io.facestream.api.Principal;
import io.facestream.api.backend.Backend;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.topics.TopicSpec;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.VectorStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Privacy erase: a person or an identity removed in one call from every view (identities, faces, sightings and
 * their indexes; the people view and the gallery, so no future match), the vector store, and the blob store (the
 * person's enrolled photos and profile image, and the frames kept only for their faces), with a receipt of what
 * was removed and of what Kafka still holds until retention or compaction (an append-only log is not rewritten).
 */
public final class Erasure {
    private static final Logger LOG = LoggerFactory.getLogger(Erasure.class);

    /** What an erase removed, and what outlives it and for how long. */
    public record Receipt(String subject, String personId, List<String> identityIds, int faces, int sightings, int vectors,
            List<String> blobs, List<String> retained, Instant erasedAt) {}

    private final Backend backend;

    public Erasure(Backend backend) {
        this.backend = backend;
    }

    /** Erases an identity (not the person it may be bound to). */
    public Receipt identity(String identityId, Principal who) {
        return erase("identity " + identityId, null, List.of(identityId), Set.of(), who);
    }

    /** Erases a person with the identity standing for them and every identity bound to them. */
    public Receipt person(Person person, Principal who) {
        LinkedHashSet<String> identities = new LinkedHashSet<>();
        ViewQueries queries = backend.queries();
        String own = Views.identityOf(person);
        if (queries.identity(own).isPresent()) identities.add(own);
        identities.addAll(queries.identityIdsOf(person.getPersonId()));
        LinkedHashSet<String> photos = new LinkedHashSet<>();
        if (person.getProfileImageRef() != null) photos.add(person.getProfileImageRef());
        for (ReferenceFace f : person.getFaces()) if (f.getImageRef() != null) photos.add(f.getImageRef());
        return erase("person " + person.getPersonId(), person, List.copyOf(identities), photos, who);
    }

    private Receipt erase(String subject, Person person, List<String> identityIds, Set<String> photos, Principal who) {
        ViewQueries queries = backend.queries();
        List<Face> faces = new ArrayList<>();
        List<String> faceIds = new ArrayList<>();
        Set<String> frames = new LinkedHashSet<>();
        int sightings = 0;
        for (String id : identityIds) {
            for (Face f : queries.facesOf(id)) {
                faces.add(f);
                faceIds.add(f.getFaceId());
                if (f.getFrameRef() != null) frames.add(f.getFrameRef());
            }
            sightings += queries.sightingsOf(id).size();
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (String id : identityIds) {
            backend.writes().identityCommand(IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setIdentityId(id)
                    .setType(IdentityCommandType.DELETE).setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of())
                    .setSightingIds(List.of()).setIssuedAt(now).setIssuedBy(who == null ? null : who.name()).build());
        }
        if (person != null) backend.writes().deletePerson(person.getPersonId());
        backend.awaitVisible(() -> {
            ViewQueries q = backend.queries();
            return identityIds.stream().allMatch(id -> q.identity(id).isEmpty())
                    && faceIds.stream().allMatch(id -> q.face(id).isEmpty())
                    && (person == null || (q.person(person.getPersonId()).isEmpty() && backend.gallery().person(person.getPersonId()).isEmpty()));
        }, "Erasing " + subject, backend.writeTimeout().plusMillis(5L * faceIds.size()));
        // the vector store is written by the pipeline as it deletes the faces: check, and remove what is left
        List<String> leftInVectors = faceIds.stream().filter(id -> backend.vectors().get(VectorStore.FACES, id).isPresent()).toList();
        if (!leftInVectors.isEmpty()) backend.vectors().delete(VectorStore.FACES, leftInVectors);
        List<String> blobs = new ArrayList<>();
        Set<String> shared = backend.queries().frameRefsInUse(faces);
        for (String frame : frames) if (!shared.contains(frame) && deleteBlob(frame)) blobs.add(frame);
        for (String photo : photos) if (deleteBlob(photo)) blobs.add(photo);
        return new Receipt(subject, person == null ? null : person.getPersonId(), identityIds, faceIds.size(), sightings, faceIds.size(),
                blobs, retained(shared.size(), person != null && person.getWatchlist() != null), now);
    }

    private boolean deleteBlob(String key) {
        try {
            return backend.blobs().delete(key);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not erase blob {}: {}", key, e.toString());
            return false;
        }
    }

    /** What Kafka keeps after the erase: the data flow's topics until retention, the entity topics until compaction. */
    private static List<String> retained(int sharedFrames, boolean poi) {
        List<String> out = new ArrayList<>();
        for (TopicSpec t : Topics.catalog(1, (short) 1)) {
            String retention = t.configs().get("retention.ms");
            if (t.compacted() || retention == null) continue;
            long ms = Long.parseLong(retention);
            out.add(t.name() + ": records until retention (" + (ms < 0 ? "forever" : Duration.ofMillis(ms)) + ")");
        }
        out.add(Topics.PEOPLE + " and the views' changelogs: earlier values until log compaction");
        if (poi) out.add("the recent-alerts view: this POI's alerts until they are cleared (DELETE /api/v1/alerts)");
        if (sharedFrames > 0) out.add(sharedFrames + " frame(s) also showing someone else stay in the blob store");
        return out;
    }
}
