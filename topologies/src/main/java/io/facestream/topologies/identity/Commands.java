package io.facestream.topologies.identity;

import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.MatchKind;
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
    /** Rejected faces an identity remembers (the latest): each costs a dot product per track decision. */
    static final int MAX_REJECTED = 64;
    private final IdentityResolver r;

    Commands(IdentityResolver resolver) {
        this.r = resolver;
    }

    void apply(IdentityCommand c) {
        Identity target = r.identity(c.getIdentityId());
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
            case LABEL_FACES -> labelFaces(c);
            case DELETE_FACES -> deleteFaces(c);
            case REJECT_FACES -> rejectFaces(c, target);
        }
    }

    private void upsert(IdentityCommand c, Identity target) {
        long at = c.getIssuedAt().toEpochMilli();
        Identity.Builder b = target != null ? Identity.newBuilder(target)
                : Identity.newBuilder().setIdentityId(c.getIdentityId()).setStatus(IdentityStatus.CONFIRMED).setMetadata(Map.of())
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

    /**
     * Every face and sighting of the other identities moves to the target; the others are gone. The target's
     * counters, first/last seen, cameras and files are recomputed from what it then holds, and an unnamed
     * target takes the name of the first named source.
     */
    private void merge(IdentityCommand c, Identity target) {
        if (target == null) return;
        String targetId = target.getIdentityId();
        String inheritedName = null;
        boolean merged = false;
        for (String otherId : c.getOtherIdentityIds()) {
            Identity other = r.identity(otherId);
            if (other == null || otherId.equals(targetId)) continue;
            List<Face> moved = r.facesOf(otherId);
            List<Sighting> sightings = r.sightingsOf(otherId);
            r.detachFaces(otherId, moved);
            r.attachFaces(targetId, moved, 1.0, target.getPersonId());
            for (Sighting s : sightings) r.moveSighting(s, targetId);
            if (inheritedName == null && other.getName() != null) inheritedName = other.getName();
            r.deleteIdentity(otherId);
            merged = true;
        }
        if (!merged) return;
        Identity.Builder b = Identity.newBuilder(r.identity(targetId)).setSource("merged");
        if (b.getName() == null && inheritedName != null) b.setName(inheritedName);
        r.putIdentity(b.build());
        r.recount(targetId);
    }

    /**
     * The named sightings (with every face of their tracks) and the named faces leave the identity for a new
     * one (the command's new_identity_id); both identities' counters and times are recomputed.
     */
    private void split(IdentityCommand c, Identity target) {
        if (target == null || c.getNewIdentityId() == null || r.identity(c.getNewIdentityId()) != null) return;
        String from = target.getIdentityId();
        java.util.Set<String> tracks = new java.util.HashSet<>(c.getSightingIds());
        List<Sighting> sightings = r.sightingsOf(from).stream().filter(s -> tracks.contains(s.getSightingId())).toList();
        java.util.Set<String> faceIds = new java.util.LinkedHashSet<>(c.getFaceIds());
        List<Face> moved = r.facesOf(from).stream()
                .filter(f -> faceIds.contains(f.getFaceId()) || (f.getTrackId() != null && tracks.contains(f.getTrackId()))).toList();
        if (moved.isEmpty() && sightings.isEmpty()) return;
        java.time.Instant at = java.util.stream.Stream.concat(moved.stream().map(Face::getTimestamp), sightings.stream().map(Sighting::getEntryTime))
                .min(java.util.Comparator.naturalOrder()).orElseThrow();
        r.putIdentity(Identity.newBuilder().setIdentityId(c.getNewIdentityId()).setName(c.getName()).setStatus(IdentityStatus.CONFIRMED)
                .setSource("split").setExemplars(List.of()).setFaceCount(0).setSightingCount(0)
                .setFirstSeen(at).setLastSeen(at).setCreatedAt(c.getIssuedAt()).setUpdatedAt(c.getIssuedAt()).build());
        r.detachFaces(from, moved);
        r.attachFaces(c.getNewIdentityId(), bound(moved, true), 1.0, null);
        for (Sighting s : sightings) r.moveSighting(Sighting.newBuilder(s).setPersonId(null).setMatchKind(MatchKind.IDENTITY).build(), c.getNewIdentityId());
        r.recount(from);
        r.recount(c.getNewIdentityId());
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

    private void labelFaces(IdentityCommand c) {
        for (String faceId : c.getFaceIds()) {
            Face f = r.faces().get(faceId);
            if (f != null && !java.util.Objects.equals(f.getLabel(), c.getName())) r.storeFace(Face.newBuilder(f).setLabel(c.getName()).build());
        }
    }

    /** The faces leave every view and the vector store; the identities they belonged to are recounted. */
    private void deleteFaces(IdentityCommand c) {
        Map<String, List<Face>> byOwner = new HashMap<>();
        List<String> gone = new ArrayList<>();
        for (String faceId : new java.util.LinkedHashSet<>(c.getFaceIds())) {
            Face f = r.faces().get(faceId);
            if (f == null) continue;
            if (f.getIdentityId() != null) byOwner.computeIfAbsent(f.getIdentityId(), k -> new ArrayList<>()).add(f);
            gone.add(faceId);
        }
        byOwner.forEach(r::detachFaces);
        r.deleteFaces(gone);
        byOwner.keySet().forEach(r::recount);
    }

    /**
     * Negative feedback: the faces leave the identity (they stay in the faces view, assigned to no one, bound so
     * automatic decisions leave them there) and join its rejected faces, which veto the identity for any face more
     * like them than like the identity ({@code Matching.vetoed}). A live track holding one resolves afresh.
     */
    private void rejectFaces(IdentityCommand c, Identity target) {
        if (target == null) return;
        String id = target.getIdentityId();
        List<Face> rejected = c.getFaceIds().stream().distinct().map(r.faces()::get).filter(java.util.Objects::nonNull).toList();
        if (rejected.isEmpty()) return;
        List<Face> owned = rejected.stream().filter(f -> id.equals(f.getIdentityId())).toList();
        r.detachFaces(id, owned);
        for (Face f : owned) r.storeFace(Face.newBuilder(f).setIdentityId(null).setPersonId(null).setBound(true).build());
        List<io.facestream.schemas.avro.Exemplar> kept = new ArrayList<>(io.facestream.topologies.gallery.Matching.rejected(r.identity(id)));
        for (Face f : rejected) {
            kept.removeIf(x -> x.getFaceId().equals(f.getFaceId()));
            kept.add(StoredEmbeddings.exemplar(f));
        }
        if (kept.size() > MAX_REJECTED) kept = new ArrayList<>(kept.subList(kept.size() - MAX_REJECTED, kept.size()));
        r.putIdentity(Identity.newBuilder(r.identity(id)).setRejected(kept).build());
        r.recount(id);
        for (Face f : rejected) {
            if (f.getTrackId() == null) continue;
            io.facestream.schemas.avro.state.TrackResolution live = r.tracks().get(f.getTrackId());
            if (live != null && id.equals(live.getIdentityId())) {
                r.tracks().put(live.getTrackId(), io.facestream.schemas.avro.state.TrackResolution.newBuilder(live)
                        .setIdentityId(null).setPersonId(null).build());
            }
        }
    }

    /** Faces an operator placed by hand; automatic decisions leave them where they are. */
    private static List<Face> bound(List<Face> faces, boolean value) {
        return faces.stream().map(f -> Face.newBuilder(f).setBound(value).build()).toList();
    }
}
