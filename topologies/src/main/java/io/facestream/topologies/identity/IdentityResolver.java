package io.facestream.topologies.identity;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.AlertKind;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackResolution;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.Keys;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.ProcessorStores;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.FacePayload;
import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Identity resolution and the identity views. Runs as one task on a one-partition input, so every decision
 * about identities is serialized: two tracks of one new person seen at once in two cameras arrive one after
 * the other here, the first creates the identity and the second finds it. Operators' identity commands come
 * through the same task, in order with the faces they touch.
 *
 * <p>Each embedded face is stored in the faces view as it arrives, and in the vector store once its track has an
 * identity (at once when it has one, else when the track's next event resolves it; the insert runs on a writer thread
 * of its own and is applied before the commit, {@link VectorWrites}). On every track update and end
 * the track's best faces decide, together: a known person or POI when their quality-weighted similarity to
 * the person's reference faces reaches the threshold; else the identity the track already has; else the
 * nearest automatic identity above its threshold; else a new one, pending until it has enough faces. Ids
 * of new identities derive from the face that created them, so reprocessing after a crash recreates the
 * same ids and the vector store's upserts stay idempotent.
 *
 * <p>A track that matches nobody enrolled, whose identity nobody named, raises one unknown-face alert candidate
 * ({@link PoiAlert} of kind UNKNOWN, keyed by its identity) once it has {@code identityMinFaces} faces at least
 * {@code goodFaceQuality} good, at most one per identity and camera within the alert cooldown; the topology keeps
 * those of cameras that ask for them ({@code unknown_face_alerts}). Output: sightings and those candidates.
 */
public final class IdentityResolver implements Processor<String, SpecificRecord, String, SpecificRecord> {
    private static final Logger log = LoggerFactory.getLogger(IdentityResolver.class);
    /** Live tracks' resolution state (internal, not a view). */
    static final String TRACKS = "resolution-tracks";
    /** Last unknown-face alert per identity and camera (internal), for the cooldown POI alerts have too. */
    static final String UNKNOWN_COOLDOWN = "resolution-unknown-cooldown";
    /** The name an unknown-face alert gives an identity nobody named. */
    public static final String UNKNOWN_NAME = "Unknown person";
    /** How often changed identity centroids are written to the vector store. */
    static final Duration CENTROID_FLUSH = Duration.ofSeconds(1);
    /** How often an upgrade's indexing takes its next step. */
    static final Duration BUILD_STEP_EVERY = Duration.ofMillis(100);

    private final PipelineSettings settings;
    private final Gallery gallery;
    private final VectorStore vectors;
    private final IdentityIndex index = new IdentityIndex();
    /**
     * The identities this task read or wrote last, decoded: a track's faces and events touch its identity several times
     * each (count, sighting, last seen), and each store read would decode its exemplars again. Only this task writes the
     * store, always through {@link #putIdentity} and {@link #deleteIdentity}, so an entry is what the store holds; records
     * are never changed in place (a change is a new record from a builder).
     */
    private final Map<String, Identity> recent = new java.util.LinkedHashMap<>(RECENT_IDENTITIES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Identity> eldest) {
            return size() > RECENT_IDENTITIES;
        }
    };
    private static final int RECENT_IDENTITIES = 256;
    /**
     * Identities changed while the current record is processed, written to the store, the index and the read indexes
     * once at its end ({@link #writeChanged}): one track event changes its identity up to four times (created, its
     * faces counted, its sighting counted, its last seen), and each write encoded the whole record (~18 KiB with its
     * exemplars) into the store's cache. Kafka Streams commits between records, never within one, so what a commit
     * holds is the same. Each value is the identity as the store held it before the record (null: none), for
     * {@link #sameForMatching}; the new one is in {@link #changed}.
     */
    private final Map<String, Identity> changedFrom = new java.util.LinkedHashMap<>();
    private final Map<String, Identity> changed = new HashMap<>();
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, Identity> identities;
    private KeyValueStore<String, Face> faces;
    private KeyValueStore<String, String> facesByIdentity;
    private KeyValueStore<String, Sighting> sightings;
    private KeyValueStore<String, String> sightingsByIdentity;
    private KeyValueStore<String, TrackResolution> tracks;
    private KeyValueStore<String, Long> unknownCooldown;
    private KeyValueStore<String, Long> alertCounts;
    private ReadIndexes readIndexes;
    private CentroidPublisher centroids;
    /** The vector store's upserts, applied off this thread and all before each commit. */
    private VectorWrites vectorWrites;
    /** The embeddings of exemplars and live tracks' faces, which name their face (see {@link FaceEmbeddings}). */
    private FaceEmbeddings embeddings;
    /** The centroids' flush timer while changes wait (and once at start); null otherwise. */
    private Cancellable flushTimer;
    /** The read indexes' build steps after an upgrade; null otherwise. */
    private Cancellable buildTimer;

    public IdentityResolver(PipelineSettings settings, Gallery gallery, VectorStore vectors) {
        this.settings = settings;
        this.gallery = gallery;
        this.vectors = vectors;
    }

    /** Resolvers with the stores they keep: the identity, face and sighting views and the live tracks' state. */
    public static ProcessorSupplier<String, SpecificRecord, String, SpecificRecord> supplier(PipelineSettings settings, Gallery gallery,
                                                                                     VectorStore vectors, AvroSerdes serdes) {
        Set<StoreBuilder<?>> stores = new java.util.HashSet<>(ReadIndexes.stores(serdes));
        stores.addAll(Set.of(
                Views.IDENTITIES.persistentStore(serdes), Views.FACES.persistentStore(serdes),
                Views.FACES_BY_IDENTITY.persistentStore(serdes), Views.SIGHTINGS.persistentStore(serdes),
                Views.SIGHTINGS_BY_IDENTITY.persistentStore(serdes),
                ProcessorStores.persistent(TRACKS, serdes.of(TrackResolution.class)), CommitHook.builder(CommitHook.RESOLUTION),
                ProcessorStores.persistent(UNKNOWN_COOLDOWN, org.apache.kafka.common.serialization.Serdes.Long())));
        return ProcessorStores.supplier(() -> new IdentityResolver(settings, gallery, vectors), stores);
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        identities = context.getStateStore(Views.IDENTITIES.name());
        faces = context.getStateStore(Views.FACES.name());
        facesByIdentity = context.getStateStore(Views.FACES_BY_IDENTITY.name());
        sightings = context.getStateStore(Views.SIGHTINGS.name());
        sightingsByIdentity = context.getStateStore(Views.SIGHTINGS_BY_IDENTITY.name());
        tracks = context.getStateStore(TRACKS);
        unknownCooldown = context.getStateStore(UNKNOWN_COOLDOWN);
        alertCounts = context.getStateStore(Views.ALERT_COUNTS.name()); // global: every alert ever, per key
        readIndexes = new ReadIndexes(context);
        if (vectorWrites != null) vectorWrites.close(); // initialised again: what the last one asked for first
        vectorWrites = new VectorWrites(vectors);
        CommitHook commitHook = context.getStateStore(CommitHook.RESOLUTION);
        commitHook.beforeCommit(vectorWrites::awaitWritten);
        centroids = new CentroidPublisher(vectors, vectorWrites);
        embeddings = new FaceEmbeddings(faces); // a task initialised again reads its restored faces afresh
        recent.clear(); // a task initialised again (after an aborted transaction) reads its restored store
        changed.clear();
        changedFrom.clear();
        index.clear();
        long indexing = System.nanoTime();
        List<Identity> all = new ArrayList<>();
        try (KeyValueIterator<String, Identity> it = identities.all()) {
            it.forEachRemaining(kv -> {
                index(kv.value);
                all.add(kv.value);
            });
        }
        // the exemplars' embeddings are read from the faces view here: a restart's cost grows with the identities
        log.info("identity resolution: indexed {} identities from the store in {} ms", all.size(), (System.nanoTime() - indexing) / 1_000_000);
        centroids.reconcile(all);
        if (!readIndexes.built()) {
            // views from a version without the read indexes: indexed in steps, records processed between them
            buildTimer = context.schedule(BUILD_STEP_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (readIndexes.buildStep(identities, sightings, facesByIdentity)) {
                    buildTimer.cancel();
                    buildTimer = null;
                }
            });
        }
        awaitCentroidFlush();
    }

    /**
     * Writes changed centroids to the vector store, at most once a {@link #CENTROID_FLUSH}; the timer runs only while
     * some wait, so an idle task has no punctuation and nothing to commit (under exactly-once, a transaction).
     */
    private void flushCentroids() {
        centroids.flush();
        flushTimer.cancel();
        flushTimer = null;
    }

    private void awaitCentroidFlush() {
        if (flushTimer == null && centroids.hasPending()) {
            flushTimer = context.schedule(CENTROID_FLUSH, PunctuationType.WALL_CLOCK_TIME, now -> flushCentroids());
        }
    }

    @Override
    public void close() {
        try {
            if (centroids != null) centroids.flush();
        } finally {
            if (vectorWrites != null) vectorWrites.close(); // applies what waits, then stops its thread
        }
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        try {
            switch (record.value()) {
                case ResolutionInput in when in.getEmbedding() != null -> onFace(in.getEmbedding(),
                        in.getCropJpeg() != null ? in.getCropJpeg() : in.getEmbedding().getCropJpeg()); // the latter: a record from before
                case ResolutionInput in when in.getEvent() != null -> onTrackEvent(in.getEvent());
                case IdentityCommand command -> new Commands(this).apply(command);
                case null, default -> {
                }
            }
        } finally {
            writeChanged(); // also after a failure: what the record did to the other stores is written too
        }
    }

    // ---- faces and tracks ----

    private void onFace(FaceEmbedding e, ByteBuffer cropJpeg) {
        if (e.getTrackId() == null) return;
        TrackResolution.Builder track = track(e.getTrackId());
        List<Exemplar> best = new ArrayList<>(track.getFaces());
        best.removeIf(x -> x.getFaceId().equals(e.getCropId()));
        ByteBuffer f32 = StoredEmbeddings.f32Of(e); // as it came, into the face (the track names the face)
        best.add(StoredEmbeddings.reference(e.getCropId(), e.getQuality()));
        best.sort(Comparator.comparingDouble(Exemplar::getQuality).reversed());
        track.setFaces(List.copyOf(best.subList(0, Math.min(best.size(), settings.maxTrackFaces()))));
        Set<String> ids = new LinkedHashSet<>(track.getFaceIds());
        ids.add(e.getCropId());
        track.setFaceIds(List.copyOf(ids));
        Face previous = faces.get(e.getCropId());
        Face face = StoredEmbeddings.withEmbedding(Face.newBuilder().setFaceId(e.getCropId()).setSourceId(e.getSourceId())
                .setSourceKind(e.getSourceKind() == null ? SourceKind.CAMERA : e.getSourceKind())
                .setCameraId(e.getCameraId()).setFileId(e.getFileId())
                .setFrameNumber(e.getFrameNumber() == null ? 0 : e.getFrameNumber()).setTimestamp(e.getTimestamp())
                .setBbox(e.getBbox()).setDetectionScore(e.getDetectionScore() == null ? 0f : e.getDetectionScore())
                .setQuality(e.getQuality()).setTrackId(e.getTrackId()).setIdentityId(track.getIdentityId()).setPersonId(track.getPersonId())
                .setSimilarity(track.getSimilarity()).setModelId(e.getModelId())
                .setCropJpeg(cropJpeg).setFrameRef(e.getFrameRef()), f32).build();
        if (previous != null && previous.getIdentityId() != null) detachFaces(previous.getIdentityId(), List.of(previous));
        embeddings.stored(e.getCropId(), StoredEmbeddings.decode(f32, null));
        // A face of a track not resolved yet goes to the vector store when its track resolves (moveTrack), with its
        // identity: indexing it now as well would insert it into the HNSW graph twice. One the store held before (the
        // same face again) is written now, so its point does not keep an identity it no longer has.
        storeFace(face, face.getIdentityId() != null || previous != null);
        tracks.put(e.getTrackId(), track.build());
        if (track.getIdentityId() != null) countFaces(track.getIdentityId(), List.of(face));
    }

    private TrackResolution.Builder track(String trackId) {
        TrackResolution existing = tracks.get(trackId);
        return existing == null ? TrackResolution.newBuilder().setTrackId(trackId).setFaces(List.of()).setFaceIds(List.of())
                : TrackResolution.newBuilder(existing);
    }

    private void onTrackEvent(TrackEvent event) {
        TrackResolution current = tracks.get(event.getTrackId());
        boolean ended = event.getType() == TrackEventType.ENDED;
        List<Exemplar> trackFaces = current == null ? List.of() : present(current.getFaces());
        if (trackFaces.isEmpty()) {
            if (ended) tracks.delete(event.getTrackId());
            return; // no face of this track was embedded (or an operator deleted them): nothing to recognise
        }
        TrackResolution.Builder track = TrackResolution.newBuilder(current);
        List<Gallery.WeightedFace> weighted = trackFaces.stream()
                .map(f -> new Gallery.WeightedFace(embeddings.of(f), f.getQuality())).toList();
        Optional<Gallery.Match> person = gallery.bestForTrack(weighted).filter(m -> m.similarity() >= settings.thresholds().person());
        String identityId;
        double similarity;
        if (person.isPresent()) {
            identityId = identityOfPerson(person.get().person(), event).getIdentityId();
            similarity = person.get().similarity();
            track.setPersonId(person.get().person().getPersonId());
        } else if (current.getIdentityId() != null && current.getPersonId() == null && identity(current.getIdentityId()) != null) {
            identityId = current.getIdentityId();
            similarity = Embeddings.similarity(centroid(trackFaces), StoredEmbeddings.centroidOf(identity(identityId)));
        } else {
            float[] centroid = centroid(trackFaces);
            // a track of soft faces alone joins no identity by similarity (see index): it starts its own
            boolean allSoft = trackFaces.stream().allMatch(this::soft);
            Optional<IdentityIndex.Nearest> nearest = allSoft ? Optional.empty()
                    : index.nearest(centroid, settings.thresholds().identity());
            if (nearest.isPresent()) {
                identityId = nearest.get().identityId();
                similarity = nearest.get().similarity();
            } else {
                identityId = newIdentity(current, event).getIdentityId();
                similarity = 1;
            }
            track.setPersonId(null);
        }
        track.setSimilarity((float) similarity);
        if (!identityId.equals(current.getIdentityId())) moveTrack(track, current.getIdentityId(), identityId);
        track.setIdentityId(identityId);
        emitSighting(track.build(), event);
        if (person.isEmpty()) maybeAlertUnknown(track, event);
        if (ended) tracks.delete(event.getTrackId());
        else tracks.put(event.getTrackId(), track.build());
    }

    /** Moves a track's faces and sighting from one identity (or none) to another. */
    private void moveTrack(TrackResolution.Builder track, String from, String to) {
        List<Face> trackFaces = track.getFaceIds().stream().map(faces::get).filter(f -> f != null && !f.getBound()).toList();
        if (from != null) detachFaces(from, trackFaces);
        Sighting old = sightings.get(track.getTrackId()); // also one from an earlier replay of the same file
        if (old != null) {
            sightingsByIdentity.delete(Views.sightingOfIdentity(old.getIdentityId(), old.getEntryTime(), old.getSightingId()));
            adjustSightings(old.getIdentityId(), -1);
        }
        attachFaces(to, trackFaces, track.getSimilarity(), track.getPersonId());
        adjustSightings(to, +1);
    }

    private void emitSighting(TrackResolution track, TrackEvent event) {
        Identity identity = identity(track.getIdentityId());
        Exemplar best = track.getFaces().get(0);
        Person person = track.getPersonId() == null ? null : gallery.person(track.getPersonId()).orElse(null);
        MatchKind kind = person == null ? MatchKind.IDENTITY : Gallery.isPoi(person) ? MatchKind.POI : MatchKind.PERSON;
        Sighting s = Sighting.newBuilder().setSightingId(event.getTrackId()).setTrackId(event.getTrackId())
                .setSourceId(event.getSourceId()).setSourceKind(event.getSourceKind()).setCameraId(event.getCameraId())
                .setFileId(event.getFileId()).setIdentityId(track.getIdentityId()).setPersonId(person == null ? null : person.getPersonId())
                .setMatchKind(kind).setSimilarity(track.getSimilarity()).setEntryTime(event.getFirstSeen()).setExitTime(event.getLastSeen())
                .setEntryFrame(event.getFirstFrame()).setExitFrame(event.getLastFrame()).setBestFaceId(best.getFaceId())
                .setBestFrameRef(Optional.ofNullable(faces.get(best.getFaceId())).map(Face::getFrameRef).orElse(event.getBestFrameRef()))
                .setThumbnailRef(best.getFaceId()).setFaceCount(event.getFaceCount())
                .setFinal$(event.getType() == TrackEventType.ENDED).build();
        readIndexes.sighting(sightings.get(s.getSightingId()), s);
        sightings.put(s.getSightingId(), s);
        sightingsByIdentity.put(Views.sightingOfIdentity(s.getIdentityId(), s.getEntryTime(), s.getSightingId()), s.getSightingId());
        long first = event.getFirstSeen().toEpochMilli(), last = event.getLastSeen().toEpochMilli();
        if (changesSeen(identity, first, last, event.getCameraId(), event.getFileId())) { // else the same record again
            Identity.Builder updated = Identity.newBuilder(identity);
            seenAt(updated, first, last, event.getCameraId(), event.getFileId());
            putIdentity(updated.build());
        }
        context.forward(new Record<>(s.getIdentityId(), s, event.getTimestamp().toEpochMilli()));
    }

    /** An unknown-face alert candidate for a track that matched nobody, once it has enough good faces (see the class). */
    private void maybeAlertUnknown(TrackResolution.Builder track, TrackEvent event) {
        if (track.getUnknownAlerted() || event.getCameraId() == null) return;
        Identity identity = identity(track.getIdentityId());
        if (identity == null || identity.getName() != null || identity.getPersonId() != null) return; // named: known
        long good = track.getFaces().stream().filter(f -> f.getQuality() >= settings.goodFaceQuality()).count();
        if (good < settings.identityMinFaces()) return;
        track.setUnknownAlerted(true); // one decision per track, alert or cooldown
        long time = event.getTimestamp().toEpochMilli();
        String cooldownKey = Keys.of(identity.getIdentityId(), event.getCameraId());
        Long previous = unknownCooldown.get(cooldownKey);
        if (previous != null && time >= previous && time - previous < settings.alertCooldown().toMillis()) return;
        unknownCooldown.put(cooldownKey, time);
        Exemplar best = track.getFaces().get(0);
        Face face = faces.get(best.getFaceId());
        if (face == null) return;
        Long count = alertCounts.get(identity.getIdentityId());
        PoiAlert alert = PoiAlert.newBuilder().setKind(AlertKind.UNKNOWN).setIdentityId(identity.getIdentityId())
                .setAlertId(identity.getIdentityId() + ":" + event.getTrackId()).setPoiId(identity.getIdentityId())
                .setPoiName(UNKNOWN_NAME).setSeverity(Severity.LOW).setNotes(null).setEnrolledAt(identity.getCreatedAt())
                .setPreviousMatchCount(count == null ? 0 : count.intValue())
                .setCameraId(event.getCameraId()).setSourceId(event.getSourceId()).setTrackId(event.getTrackId())
                .setTimestamp(event.getTimestamp()).setConfidence(face.getDetectionScore()).setSimilarity(track.getSimilarity())
                .setBbox(face.getBbox()).setFrameNumber(face.getFrameNumber()).setFrameRef(face.getFrameRef())
                .setThumbnailRef(face.getFaceId()).build();
        context.forward(new Record<>(identity.getIdentityId(), alert, time));
    }

    // ---- identities ----

    /** The identity standing for a known person: the one bound to them, else one created for them. */
    private Identity identityOfPerson(Person person, TrackEvent event) {
        String id = Views.identityOf(person);
        Identity existing = identity(id);
        if (existing != null) return existing;
        long t = event.getFirstSeen().toEpochMilli();
        Identity created = Identity.newBuilder().setIdentityId(id).setName(person.getName()).setStatus(IdentityStatus.CONFIRMED)
                .setSource("user_defined").setPersonId(person.getPersonId()).setExemplars(List.of())
                .setFaceCount(0).setSightingCount(0).setFirstSeen(Instant.ofEpochMilli(t)).setLastSeen(Instant.ofEpochMilli(t))
                .setCreatedAt(Instant.ofEpochMilli(t)).setUpdatedAt(Instant.ofEpochMilli(t)).build();
        putIdentity(created);
        return created;
    }

    private Identity newIdentity(TrackResolution track, TrackEvent event) {
        String id = uuid("identity:" + track.getFaceIds().get(0));
        Identity existing = identity(id);
        if (existing != null) return existing; // the same faces again (a repeated replay) make the same identity
        long t = event.getFirstSeen().toEpochMilli();
        Identity created = Identity.newBuilder().setIdentityId(id)
                .setStatus(IdentityStatus.PENDING).setSource("auto").setExemplars(List.of())
                .setFaceCount(0).setSightingCount(0).setFirstSeen(Instant.ofEpochMilli(t)).setLastSeen(Instant.ofEpochMilli(t))
                .setCreatedAt(Instant.ofEpochMilli(t)).setUpdatedAt(Instant.ofEpochMilli(t)).build();
        putIdentity(created);
        return created;
    }

    /** Assigns faces to an identity: the faces views and the vector store, then the identity's counters. */
    void attachFaces(String identityId, List<Face> attached, double similarity, String personId) {
        if (identity(identityId) == null || attached.isEmpty()) return;
        List<Face> moved = attached.stream()
                .map(f -> Face.newBuilder(f).setIdentityId(identityId).setPersonId(personId).setSimilarity((float) similarity).build()).toList();
        moved.forEach(this::storeFace);
        countFaces(identityId, moved);
    }

    /** Counts faces (already stored under it) into an identity: counters, exemplars, centroid, first/last seen, status. */
    private void countFaces(String identityId, List<Face> attached) {
        Identity identity = identity(identityId);
        if (identity == null) return;
        Identity.Builder b = Identity.newBuilder(identity);
        List<Exemplar> exemplars = new ArrayList<>(identity.getExemplars());
        for (Face f : attached) {
            exemplars.removeIf(x -> x.getFaceId().equals(f.getFaceId()));
            exemplars.add(exemplar(f));
            seenAt(b, f.getTimestamp().toEpochMilli(), f.getTimestamp().toEpochMilli(), f.getCameraId(), f.getFileId());
        }
        b.setFaceCount(identity.getFaceCount() + attached.size());
        setExemplars(b, exemplars);
        if (b.getStatus() == IdentityStatus.PENDING && b.getFaceCount() >= settings.identityMinFaces()) b.setStatus(IdentityStatus.ACTIVE);
        putIdentity(b.build());
    }

    /** Takes faces off an identity; its best remaining faces replace exemplars that left. */
    void detachFaces(String identityId, List<Face> detached) {
        Identity identity = identity(identityId);
        for (Face f : detached) facesByIdentity.delete(Views.faceOfIdentity(identityId, f.getTimestamp(), f.getFaceId()));
        if (identity == null || detached.isEmpty()) return;
        Set<String> ids = new java.util.HashSet<>();
        detached.forEach(f -> ids.add(f.getFaceId()));
        List<Exemplar> exemplars = new ArrayList<>(identity.getExemplars());
        exemplars.removeIf(x -> ids.contains(x.getFaceId()));
        Identity.Builder b = Identity.newBuilder(identity).setFaceCount(Math.max(0, identity.getFaceCount() - detached.size()));
        if (exemplars.size() < identity.getExemplars().size()) refillExemplars(identityId, exemplars, ids);
        setExemplars(b, exemplars);
        putIdentity(b.build());
    }

    /** After exemplars were taken away, the identity's best remaining faces take their place. */
    private void refillExemplars(String identityId, List<Exemplar> exemplars, Set<String> excluded) {
        Set<String> have = new java.util.HashSet<>();
        exemplars.forEach(x -> have.add(x.getFaceId()));
        for (Face f : facesOf(identityId)) {
            if (!excluded.contains(f.getFaceId()) && !have.contains(f.getFaceId())) exemplars.add(exemplar(f));
        }
    }

    /** A kept face as an exemplar: a reference to it, its embedding noted for the centroid and the index. */
    private Exemplar exemplar(Face face) {
        embeddings.stored(face.getFaceId(), StoredEmbeddings.of(face));
        return StoredEmbeddings.reference(face.getFaceId(), face.getQuality());
    }

    /** The exemplars whose embedding can be read (a reference's face is in the faces view), in their order. */
    private List<Exemplar> present(List<Exemplar> exemplars) {
        for (Exemplar x : exemplars) {
            if (embeddings.of(x) == null) return exemplars.stream().filter(y -> embeddings.of(y) != null).toList();
        }
        return exemplars;
    }

    private void setExemplars(Identity.Builder b, List<Exemplar> exemplars) {
        exemplars.sort(Comparator.comparingDouble(Exemplar::getQuality).reversed());
        List<Exemplar> kept = List.copyOf(exemplars.subList(0, Math.min(exemplars.size(), settings.maxExemplars())));
        b.setExemplars(kept);
        StoredEmbeddings.withCentroid(b, centroid(kept));
    }

    /**
     * Recomputes an identity's counters, first and last seen, cameras and files from the faces and sightings it
     * holds now (after an operator moved some in or out); an identity left with neither keeps its times.
     */
    void recount(String identityId) {
        Identity identity = identity(identityId);
        if (identity == null) return;
        List<Face> owned = facesOf(identityId);
        List<Sighting> seen = sightingsOf(identityId);
        Identity.Builder b = Identity.newBuilder(identity).setFaceCount(owned.size()).setSightingCount(seen.size());
        if (!owned.isEmpty() || !seen.isEmpty()) {
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            Set<String> cameras = new LinkedHashSet<>();
            Set<String> files = new LinkedHashSet<>();
            for (Face f : owned) {
                first = Math.min(first, f.getTimestamp().toEpochMilli());
                last = Math.max(last, f.getTimestamp().toEpochMilli());
                if (f.getCameraId() != null) cameras.add(f.getCameraId());
                if (f.getFileId() != null) files.add(f.getFileId());
            }
            for (Sighting s : seen) {
                first = Math.min(first, s.getEntryTime().toEpochMilli());
                last = Math.max(last, s.getExitTime().toEpochMilli());
                if (s.getCameraId() != null) cameras.add(s.getCameraId());
                if (s.getFileId() != null) files.add(s.getFileId());
            }
            b.setFirstSeen(Instant.ofEpochMilli(first)).setLastSeen(Instant.ofEpochMilli(last))
                    .setCameras(List.copyOf(cameras)).setFiles(List.copyOf(files));
        }
        putIdentity(b.build());
    }

    void adjustSightings(String identityId, int delta) {
        Identity identity = identity(identityId);
        if (identity == null) return;
        putIdentity(Identity.newBuilder(identity).setSightingCount(Math.max(0, identity.getSightingCount() + delta)).build());
    }

    private static void seenAt(Identity.Builder b, long first, long last, String camera, String file) {
        if (first < b.getFirstSeen().toEpochMilli()) b.setFirstSeen(Instant.ofEpochMilli(first));
        if (last > b.getLastSeen().toEpochMilli()) b.setLastSeen(Instant.ofEpochMilli(last));
        if (last > b.getUpdatedAt().toEpochMilli()) b.setUpdatedAt(Instant.ofEpochMilli(last));
        if (camera != null && !b.getCameras().contains(camera)) b.setCameras(append(b.getCameras(), camera));
        if (file != null && !b.getFiles().contains(file)) b.setFiles(append(b.getFiles(), file));
    }

    /** Whether {@link #seenAt} would change the identity. */
    private static boolean changesSeen(Identity identity, long first, long last, String camera, String file) {
        return first < identity.getFirstSeen().toEpochMilli() || last > identity.getLastSeen().toEpochMilli()
                || last > identity.getUpdatedAt().toEpochMilli() || (camera != null && !identity.getCameras().contains(camera))
                || (file != null && !identity.getFiles().contains(file));
    }

    private static List<String> append(List<String> list, String value) {
        List<String> out = new ArrayList<>(list);
        out.add(value);
        return out;
    }

    /** The identity with this id, null when there is none. */
    Identity identity(String identityId) {
        Identity pending = changed.get(identityId);
        if (pending != null) return pending;
        Identity known = recent.get(identityId);
        if (known != null) return known;
        Identity stored = identities.get(identityId);
        if (stored != null) recent.put(identityId, stored);
        return stored;
    }

    /** Changes an identity; the store and the indexes follow at the end of the record ({@link #changed}). */
    void putIdentity(Identity identity) {
        String id = identity.getIdentityId();
        // what the index holds when known (see recent); null makes the write index it again
        if (!changed.containsKey(id)) changedFrom.put(id, recent.get(id));
        changed.put(id, identity);
    }

    /** Writes the identities the current record changed, each once. */
    private void writeChanged() {
        if (changedFrom.isEmpty()) return;
        for (Map.Entry<String, Identity> e : changedFrom.entrySet()) {
            Identity previous = e.getValue();
            Identity identity = changed.get(e.getKey());
            identities.put(identity.getIdentityId(), identity);
            recent.put(identity.getIdentityId(), identity);
            if (previous == null || !sameForMatching(previous, identity)) index(identity); // most faces change only counters
            readIndexes.identity(identity);
            centroids.changed(identity);
        }
        changedFrom.clear();
        changed.clear();
        awaitCentroidFlush();
    }

    /** Whether the index would hold the same entry for both: same status, vectors and rejected faces. */
    private static boolean sameForMatching(Identity a, Identity b) {
        return a.getStatus() == b.getStatus() && StoredEmbeddings.sameCentroid(a, b) && Objects.equals(a.getExemplars(), b.getExemplars())
                && Objects.equals(a.getRejected(), b.getRejected());
    }

    /**
     * Only identities with a usable face are found by similarity: blurred, tiny faces of different people look more like
     * each other than like anyone's sharp face (0.85 between two people's, in SmallSoftFacesTest), so an identity made of
     * soft faces alone would gather strangers. It stays, with its own track; a usable face makes it findable.
     */
    private void index(Identity identity) {
        if (identity.getExemplars().stream().anyMatch(e -> !soft(e))) index.put(identity, embeddings::of);
        else index.remove(identity.getIdentityId());
    }

    /** A face under the tracker's usable quality: embedded only so a track of such faces is not starved. */
    private boolean soft(Exemplar face) {
        return face.getQuality() < settings.tracker().minEmbedQuality();
    }

    /** Removes an identity, its faces (views and vector store) and its sightings. */
    void deleteIdentity(String identityId) {
        List<Face> owned = facesOf(identityId);
        for (Face f : owned) {
            faces.delete(f.getFaceId());
            embeddings.deleted(f.getFaceId());
            readIndexes.faceDeleted(f);
            facesByIdentity.delete(Views.faceOfIdentity(identityId, f.getTimestamp(), f.getFaceId()));
        }
        if (!owned.isEmpty()) vectorWrites.delete(VectorStore.FACES, owned.stream().map(Face::getFaceId).toList());
        for (KeyValue<String, String> kv : scan(sightingsByIdentity, identityId)) {
            Sighting gone = sightings.get(kv.value);
            if (gone != null) readIndexes.sighting(gone, null);
            sightings.delete(kv.value);
            sightingsByIdentity.delete(kv.key);
        }
        List<String> live = new ArrayList<>();
        try (KeyValueIterator<String, TrackResolution> it = tracks.all()) {
            it.forEachRemaining(kv -> {
                if (identityId.equals(kv.value.getIdentityId())) live.add(kv.key);
            });
        }
        live.forEach(tracks::delete); // a live track of the deleted identity starts over from its next face
        changed.remove(identityId);
        changedFrom.remove(identityId);
        identities.delete(identityId);
        recent.remove(identityId);
        index.remove(identityId);
        readIndexes.identityDeleted(identityId);
        centroids.removed(identityId);
        awaitCentroidFlush();
    }

    /** Removes faces (already detached from their identities) from the faces view and the vector store. */
    void deleteFaces(List<String> faceIds) {
        if (faceIds.isEmpty()) return;
        for (String id : faceIds) {
            Face gone = faces.get(id);
            if (gone != null) readIndexes.faceDeleted(gone);
            faces.delete(id);
            embeddings.deleted(id);
        }
        vectorWrites.delete(VectorStore.FACES, faceIds);
    }

    List<Face> facesOf(String identityId) {
        return indexed(facesByIdentity, faces, identityId);
    }

    List<Sighting> sightingsOf(String identityId) {
        return indexed(sightingsByIdentity, sightings, identityId);
    }

    /** The values an identity's index entries point to, in the index's (time) order. */
    private static <V> List<V> indexed(KeyValueStore<String, String> index, KeyValueStore<String, V> values, String identityId) {
        List<V> out = new ArrayList<>();
        for (KeyValue<String, String> kv : scan(index, identityId)) {
            V value = values.get(kv.value);
            if (value != null) out.add(value);
        }
        return out;
    }

    /** Re-files a sighting under another identity and publishes it again, so consumers see the move. */
    void moveSighting(Sighting s, String to) {
        sightingsByIdentity.delete(Views.sightingOfIdentity(s.getIdentityId(), s.getEntryTime(), s.getSightingId()));
        Sighting moved = Sighting.newBuilder(s).setIdentityId(to).build();
        readIndexes.sighting(sightings.get(moved.getSightingId()), moved);
        sightings.put(moved.getSightingId(), moved);
        sightingsByIdentity.put(Views.sightingOfIdentity(to, moved.getEntryTime(), moved.getSightingId()), moved.getSightingId());
        context.forward(new Record<>(to, moved, context.currentSystemTimeMs()));
        TrackResolution live = tracks.get(s.getTrackId());
        if (live != null) tracks.put(live.getTrackId(), TrackResolution.newBuilder(live).setIdentityId(to).build());
    }

    void storeFace(Face face) {
        storeFace(face, true);
    }

    /** Stores a face in the faces views and, when {@code indexed}, in the vector store. */
    private void storeFace(Face face, boolean indexed) {
        Face previous = faces.get(face.getFaceId());
        if (previous != null && previous.getIdentityId() != null && !previous.getIdentityId().equals(face.getIdentityId())) {
            facesByIdentity.delete(Views.faceOfIdentity(previous.getIdentityId(), previous.getTimestamp(), face.getFaceId()));
        }
        faces.put(face.getFaceId(), face);
        readIndexes.face(previous, face);
        if (face.getIdentityId() != null) {
            facesByIdentity.put(Views.faceOfIdentity(face.getIdentityId(), face.getTimestamp(), face.getFaceId()), face.getFaceId());
        }
        if (indexed) vectorWrites.upsert(VectorStore.FACES, List.of(new VectorPoint(face.getFaceId(), StoredEmbeddings.of(face), payload(face))));
    }

    private static Map<String, Object> payload(Face f) {
        Map<String, Object> p = new HashMap<>();
        p.put(FacePayload.FACE_ID, f.getFaceId());
        p.put(FacePayload.SOURCE_ID, f.getSourceId());
        p.put(FacePayload.SOURCE_KIND, f.getSourceKind().name());
        p.put(FacePayload.FRAME_NUMBER, f.getFrameNumber());
        p.put(FacePayload.TIMESTAMP, f.getTimestamp().toEpochMilli());
        p.put(FacePayload.QUALITY, (double) f.getQuality());
        if (f.getCameraId() != null) p.put(FacePayload.CAMERA_ID, f.getCameraId());
        if (f.getFileId() != null) p.put(FacePayload.FILE_ID, f.getFileId());
        if (f.getTrackId() != null) p.put(FacePayload.TRACK_ID, f.getTrackId());
        if (f.getIdentityId() != null) p.put(FacePayload.IDENTITY_ID, f.getIdentityId());
        if (f.getPersonId() != null) p.put(FacePayload.PERSON_ID, f.getPersonId());
        return p;
    }

    KeyValueStore<String, Face> faces() {
        return faces;
    }

    KeyValueStore<String, TrackResolution> tracks() {
        return tracks;
    }

    Gallery gallery() {
        return gallery;
    }

    PipelineSettings settings() {
        return settings;
    }

    static List<KeyValue<String, String>> scan(KeyValueStore<String, String> store, String identityId) {
        List<KeyValue<String, String>> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.prefixScan(Views.ofIdentity(identityId), Keys.PREFIX)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Quality-weighted mean of the exemplars' embeddings, L2-normalised (those whose face is gone left out). */
    private float[] centroid(List<Exemplar> faces) {
        return centroid(faces, embeddings::of);
    }

    /** Quality-weighted mean of embeddings, L2-normalised; {@code embedding} gives each exemplar's (null: left out). */
    static float[] centroid(List<Exemplar> faces, java.util.function.Function<Exemplar, float[]> embedding) {
        float[] sum = null;
        for (Exemplar f : faces) {
            float[] e = embedding.apply(f);
            if (e == null) continue;
            if (sum == null) sum = new float[e.length]; // the first one's dimension
            double w = Math.max(f.getQuality(), 1e-3);
            for (int i = 0; i < sum.length && i < e.length; i++) sum[i] += (float) (w * e[i]);
        }
        return sum == null ? new float[0] : Embeddings.normalise(sum);
    }

    static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
