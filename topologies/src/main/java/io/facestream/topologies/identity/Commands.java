package io.facestream.topologies.identity;

import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operators' edits of identities, applied by the identity resolution task in order with the faces and
 * tracks they touch. A command naming an identity or face that does not exist changes nothing (the API
 * checks before it sends; a command can still lose a race with a delete).
 */
final class Commands {
    private final IdentityResolver r;

    Commands(IdentityResolver resolver) {
        this.r = resolver;
    }

    void apply(IdentityCommand c) {
        Identity target = r.identities().get(c.getIdentityId());
        switch (c.getType()) {
            case UPSERT -> upsert(c, target);
            case RENAME -> update(target, b -> b.setName(c.getName()));
            case ANNOTATE -> update(target, b -> {
                if (c.getNotes() != null) b.setNotes(c.getNotes());
                if (c.getProfileImageRef() != null) b.setProfileImageRef(c.getProfileImageRef());
                Map<String, String> metadata = new HashMap<>(b.getMetadata());
                metadata.putAll(c.getMetadata());
                b.setMetadata(metadata);
            });
            case CONFIRM -> update(target, b -> b.setStatus(IdentityStatus.CONFIRMED));
            case MERGE -> merge(c, target);
            case SPLIT -> split(c, target);
            case DELETE -> {
                if (target != null) r.deleteIdentity(target.getIdentityId());
            }
            case BIND_FACE -> bindFaces(c, target);
            case UNBIND_FACE -> unbindFaces(c);
            case BIND_PERSON -> update(target, b -> {
                b.setPersonId(c.getPersonId());
                if (b.getName() == null) r.gallery().person(c.getPersonId()).map(Person::getName).ifPresent(b::setName);
            });
            case UNBIND_PERSON -> update(target, b -> b.setPersonId(null));
        }
    }

    private void upsert(IdentityCommand c, Identity target) {
        long at = c.getIssuedAt().toEpochMilli();
        Identity.Builder b = target != null ? Identity.newBuilder(target)
                : Identity.newBuilder().setIdentityId(c.getIdentityId()).setStatus(IdentityStatus.CONFIRMED).setMetadata(Map.of()).setCentroid(List.of())
                .setExemplars(List.of()).setFaceCount(0).setSightingCount(0).setFirstSeen(c.getIssuedAt()).setLastSeen(c.getIssuedAt())
                .setCreatedAt(c.getIssuedAt()).setUpdatedAt(c.getIssuedAt());
        if (c.getName() != null) b.setName(c.getName());
        if (c.getNotes() != null) b.setNotes(c.getNotes());
        if (c.getPersonId() != null) b.setPersonId(c.getPersonId());
        Map<String, String> metadata = new HashMap<>(b.getMetadata());
        metadata.putAll(c.getMetadata());
        b.setMetadata(metadata).setSource(c.getSource() != null ? c.getSource() : target != null ? target.getSource() : "user_defined");
        if (c.getIdentityType() != null) b.setIdentityType(c.getIdentityType());
        if (c.getTmdbId() != null) b.setTmdbId(c.getTmdbId());
        if (c.getTmdbProfile() != null) b.setTmdbProfile(c.getTmdbProfile());
        if (c.getReferenceData() != null) b.setReferenceData(c.getReferenceData());
        if (c.getProfileImageRef() != null) b.setProfileImageRef(c.getProfileImageRef());
        if (c.getStatus() != null) b.setStatus(status(c.getStatus(), b));
        if (at > b.getUpdatedAt().toEpochMilli()) b.setUpdatedAt(c.getIssuedAt());
        r.putIdentity(b.build());
    }

    /**
     * The status an UPSERT leaves: CONFIRMED and INACTIVE as asked; PENDING or ACTIVE ask for "not confirmed", and
     * the identity then has the status its faces earn (ACTIVE once it has enough, else PENDING).
     */
    private IdentityStatus status(IdentityStatus asked, Identity.Builder b) {
        if (asked == IdentityStatus.CONFIRMED || asked == IdentityStatus.INACTIVE) return asked;
        return b.getFaceCount() >= r.settings().identityMinFaces() ? IdentityStatus.ACTIVE : IdentityStatus.PENDING;
    }

    private void update(Identity target, java.util.function.Consumer<Identity.Builder> change) {
        if (target == null) return;
        Identity.Builder b = Identity.newBuilder(target);
        change.accept(b);
        r.putIdentity(b.build());
    }

    /** Every face and sighting of the other identities moves to the target; the others are gone. */
    private void merge(IdentityCommand c, Identity target) {
        if (target == null) return;
        for (String otherId : c.getOtherIdentityIds()) {
            Identity other = r.identities().get(otherId);
            if (other == null || otherId.equals(target.getIdentityId())) continue;
            List<Face> moved = r.facesOf(otherId);
            List<Sighting> sightings = r.sightingsOf(otherId);
            r.detachFaces(otherId, moved);
            r.attachFaces(target.getIdentityId(), moved, 1.0, target.getPersonId());
            for (Sighting s : sightings) r.moveSighting(s, target.getIdentityId());
            r.adjustSightings(target.getIdentityId(), sightings.size());
            Identity merged = r.identities().get(target.getIdentityId());
            Identity.Builder b = Identity.newBuilder(merged).setSource("merged");
            if (other.getFirstSeen().isBefore(b.getFirstSeen())) b.setFirstSeen(other.getFirstSeen());
            if (other.getLastSeen().isAfter(b.getLastSeen())) b.setLastSeen(other.getLastSeen());
            List<String> cameras = new ArrayList<>(b.getCameras());
            other.getCameras().stream().filter(x -> !cameras.contains(x)).forEach(cameras::add);
            List<String> files = new ArrayList<>(b.getFiles());
            other.getFiles().stream().filter(x -> !files.contains(x)).forEach(files::add);
            r.putIdentity(b.setCameras(cameras).setFiles(files).build());
            r.deleteIdentity(otherId);
        }
    }

    /** The named faces leave the identity for a new one (the command's new_identity_id). */
    private void split(IdentityCommand c, Identity target) {
        if (target == null || c.getNewIdentityId() == null || c.getFaceIds().isEmpty()) return;
        List<Face> moved = c.getFaceIds().stream().map(r.faces()::get)
                .filter(f -> f != null && target.getIdentityId().equals(f.getIdentityId())).toList();
        if (moved.isEmpty()) return;
        long first = moved.stream().mapToLong(f -> f.getTimestamp().toEpochMilli()).min().orElseThrow();
        java.time.Instant at = java.time.Instant.ofEpochMilli(first);
        r.putIdentity(Identity.newBuilder().setIdentityId(c.getNewIdentityId()).setName(c.getName()).setStatus(IdentityStatus.CONFIRMED)
                .setSource("split").setCentroid(List.of()).setExemplars(List.of()).setFaceCount(0).setSightingCount(0)
                .setFirstSeen(at).setLastSeen(at).setCreatedAt(c.getIssuedAt()).setUpdatedAt(c.getIssuedAt()).build());
        r.detachFaces(target.getIdentityId(), moved);
        r.attachFaces(c.getNewIdentityId(), bound(moved, true), 1.0, null);
    }

    private void bindFaces(IdentityCommand c, Identity target) {
        if (target == null) return;
        List<Face> moved = c.getFaceIds().stream().map(r.faces()::get).filter(f -> f != null).toList();
        Map<String, List<Face>> byOwner = new HashMap<>();
        for (Face f : moved) if (f.getIdentityId() != null) byOwner.computeIfAbsent(f.getIdentityId(), k -> new ArrayList<>()).add(f);
        byOwner.forEach(r::detachFaces);
        r.attachFaces(target.getIdentityId(), bound(moved, true), 1.0, target.getPersonId());
    }

    private void unbindFaces(IdentityCommand c) {
        for (String faceId : c.getFaceIds()) {
            Face f = r.faces().get(faceId);
            if (f == null || f.getIdentityId() == null || !f.getIdentityId().equals(c.getIdentityId())) continue;
            r.detachFaces(f.getIdentityId(), List.of(f));
            r.storeFace(Face.newBuilder(f).setIdentityId(null).setPersonId(null).setBound(true).build());
        }
    }

    /** Faces an operator placed by hand; automatic decisions leave them where they are. */
    private static List<Face> bound(List<Face> faces, boolean value) {
        return faces.stream().map(f -> Face.newBuilder(f).setBound(value).build()).toList();
    }
}
