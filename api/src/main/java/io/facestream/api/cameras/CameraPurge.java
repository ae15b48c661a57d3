package io.facestream.api.cameras;

import io.facestream.api.backend.Backend;
import io.facestream.api.events.EventStore;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.ViewQueries;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What is removed with a camera (seed 002's recursive delete): its events with their clips and thumbnails, the
 * identities it alone saw (deleted as identity commands, with their sightings and faces), and its face samples that
 * belonged to identities also seen elsewhere (those identities survive). Repointing a camera removes only its events.
 */
final class CameraPurge {
    /** The key of face commands that belong to no one identity (as face groups send them). */
    private static final String FACES_KEY = "faces";
    private static final int FACES_PER_COMMAND = 1000;

    /** What a purge removed, for the response header. */
    record Removed(int events, int eventFiles, int identities, int faces) {
        String header() {
            return "camera definition; worker stopped; " + events + " events; " + eventFiles + " clip and thumbnail files; "
                    + identities + " identities seen only by it; " + faces + " face samples";
        }
    }

    private final Backend backend;
    private final EventStore events;

    CameraPurge(Backend backend) {
        this.backend = backend;
        this.events = new EventStore(backend);
    }

    /** The camera's events, clips and thumbnails; returns how many events. */
    int events(String cameraId) {
        var all = events.allOfCamera(cameraId);
        events.delete(all);
        return all.size();
    }

    Removed everything(String cameraId, String who) {
        var recorded = events.allOfCamera(cameraId);
        int files = events.delete(recorded);
        ViewQueries queries = backend.queries();
        List<String> faces = new ArrayList<>();
        Set<String> touched = new LinkedHashSet<>();
        // a scan of faces and one of sightings: a camera's delete is rare
        queries.recentFaces(Integer.MAX_VALUE, null).forEach(f -> {
            if (ofCamera(f, cameraId)) {
                faces.add(f.getFaceId());
                if (f.getIdentityId() != null) touched.add(f.getIdentityId());
            }
        });
        queries.forEachSighting(s -> {
            if (cameraId.equals(s.getCameraId()) || cameraId.equals(s.getSourceId())) touched.add(s.getIdentityId());
        });
        List<String> orphans = new ArrayList<>();
        for (String identity : touched) {
            List<Sighting> sightings = queries.sightingsOf(identity);
            if (queries.identity(identity).isPresent()
                    && sightings.stream().allMatch(s -> cameraId.equals(s.getCameraId()) || cameraId.equals(s.getSourceId()))) {
                orphans.add(identity);
            }
        }
        List<IdentityCommand> commands = new ArrayList<>();
        for (String identity : orphans) commands.add(command(IdentityCommandType.DELETE, identity, who).build());
        for (int from = 0; from < faces.size(); from += FACES_PER_COMMAND) {
            commands.add(command(IdentityCommandType.DELETE_FACES, FACES_KEY, who)
                    .setFaceIds(List.copyOf(faces.subList(from, Math.min(faces.size(), from + FACES_PER_COMMAND)))).build());
        }
        if (!commands.isEmpty()) backend.writes().identityCommands(commands);
        Set<String> faceSet = new HashSet<>(faces);
        backend.awaitVisible(() -> {
            ViewQueries q = backend.queries();
            return orphans.stream().allMatch(id -> q.identity(id).isEmpty()) && faceSet.stream().allMatch(id -> q.face(id).isEmpty());
        }, "Deleting the camera's identities and faces", backend.writeTimeout().plus(Duration.ofMillis(20L * (orphans.size() + faces.size()))));
        return new Removed(recorded.size(), files, orphans.size(), faces.size());
    }

    private static boolean ofCamera(Face f, String cameraId) {
        return cameraId.equals(f.getCameraId()) || cameraId.equals(f.getSourceId());
    }

    private static IdentityCommand.Builder command(IdentityCommandType type, String identityId, String who) {
        return IdentityCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setIdentityId(identityId).setType(type)
                .setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of()).setSightingIds(List.of())
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setIssuedBy(who);
    }
}
