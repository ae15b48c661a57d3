package io.facestream.topologies;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.InferenceMetrics;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelStore;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.ChunkOrigin;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.IdentityCommandType;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Point;
import io.facestream.schemas.avro.QualityParts;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.topologies.tracking.TrackingProcessor;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.FacePayload;
import io.facestream.vectors.IdentityPayload;
import io.facestream.vectors.VectorFilter;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology under Kafka Streams' test driver, fed with real aligned crops of real photos (so the
 * embeddings are the model's, not invented): batching, tracking, alerts and their cooldown, race-free
 * identities across cameras, silent cameras, and the operators' identity commands.
 */
class PipelineTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    /**
     * The driver's wall clock is this far past T0: the cameras' records are tracked an hour after their capture, as
     * by a pipeline behind them, so their crops wait for a batch (EmbeddingProcessor.IN_STEP) unless a test says so.
     */
    static final Duration BEHIND = Duration.ofHours(1);
    static FaceAnalyzer analyzer;
    /** Three different people: a POI-to-be and two strangers. */
    static DetectedFace poiFace, strangerA, strangerB;

    @TempDir
    Path dir;
    TopologyTestDriver driver;
    VectorStore vectors;
    TestInputTopic<String, FaceCrop> crops;
    TestInputTopic<String, Frame> frames;
    TestInputTopic<String, Person> people;
    TestInputTopic<String, IdentityCommand> commands;
    TestOutputTopic<String, PoiAlert> alerts;
    TestOutputTopic<String, TrackEvent> tracks;
    TestOutputTopic<String, FaceEmbedding> embeddings;
    TestOutputTopic<String, Sighting> sightings;
    PipelineSettings settings;

    @BeforeAll
    static void models() throws Exception {
        analyzer = FaceAnalyzer.create();
        List<DetectedFace> group = largest("sample1", 2);
        poiFace = group.get(0);
        strangerA = group.get(1);
        strangerB = largest("sample2", 1).get(0);
    }

    static List<DetectedFace> largest(String photo, int n) throws Exception {
        byte[] bytes = Files.readAllBytes(ModelStore.fromEnvironment().resolve(ModelCatalog.photos().fileRef(photo)));
        List<DetectedFace> faces = new ArrayList<>(analyzer.analyze(bytes));
        faces.sort(Comparator.comparingDouble((DetectedFace f) -> f.box().area()).reversed());
        return faces.subList(0, n);
    }

    @AfterAll
    static void closeModels() {
        analyzer.close();
    }

    @BeforeEach
    void start() throws Exception {
        settings = PipelineSettings.defaults(analyzer.thresholds()).withEmbedding(4, Duration.ofMillis(20));
        startDriver(settings);
    }

    void startDriver(PipelineSettings pipelineSettings) throws Exception {
        startDriver(pipelineSettings, new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors"))));
    }

    void startDriver(PipelineSettings pipelineSettings, VectorStore vectorStore) throws Exception {
        AvroSerdes serdes = PipelineFixture.serdes();
        vectors = vectorStore;
        vectors.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        driver = new TopologyTestDriver(FacestreamTopology.build(pipelineSettings, serdes, new AnalyzerEmbedder(analyzer), new Gallery(),
                vectors, new InferenceMetrics()), props, T0.plus(BEHIND));
        var keys = Serdes.String();
        crops = driver.createInputTopic(Topics.FACE_CROPS, keys.serializer(), serdes.of(FaceCrop.class).serializer());
        frames = driver.createInputTopic(Topics.FRAMES, keys.serializer(), serdes.of(Frame.class).serializer());
        people = driver.createInputTopic(Topics.PEOPLE, keys.serializer(), serdes.of(Person.class).serializer());
        commands = driver.createInputTopic(Topics.IDENTITY_COMMANDS, keys.serializer(), serdes.of(IdentityCommand.class).serializer());
        alerts = driver.createOutputTopic(Topics.POI_ALERTS, keys.deserializer(), serdes.of(PoiAlert.class).deserializer());
        tracks = driver.createOutputTopic(Topics.TRACKS, keys.deserializer(), serdes.of(TrackEvent.class).deserializer());
        embeddings = driver.createOutputTopic(Topics.FACE_EMBEDDINGS, keys.deserializer(), serdes.of(FaceEmbedding.class).deserializer());
        sightings = driver.createOutputTopic(Topics.SIGHTINGS, keys.deserializer(), serdes.of(Sighting.class).deserializer());
    }

    @AfterEach
    void stop() {
        try {
            theReadIndexesAgreeWithTheViews();
        } finally {
            driver.close();
            vectors.close();
        }
    }

    /**
     * After every test's edits (merges, splits, deletes, rejections...): the indexes and counters the list, analytics,
     * face-group and cluster-assignment reads use say what a scan of the views says.
     */
    void theReadIndexesAgreeWithTheViews() {
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // the centroids' flush
        ViewQueries q = new ViewQueries(driver::getKeyValueStore, ViewQueries.DEFAULT_STALENESS, java.time.Clock.systemUTC());
        List<Identity> all = identities();
        List<String> byLastSeen = all.stream().sorted(Comparator.comparing(Identity::getLastSeen).reversed()
                .thenComparing(Identity::getIdentityId)).map(Identity::getIdentityId).toList();
        ViewQueries.IdentityPage page = q.identitiesByLastSeen(false, 0, 0, 1000);
        assertThat(page.total()).isEqualTo(all.size());
        assertThat(page.identities()).extracting(Identity::getIdentityId).containsExactlyElementsOf(byLastSeen);
        assertThat(q.identitiesByLastSeen(false, 0, 1, 1).identities()).extracting(Identity::getIdentityId)
                .containsExactlyElementsOf(byLastSeen.stream().skip(1).limit(1).toList());
        assertThat(q.identitiesByLastSeen(true, 0, 0, 1000).total()).isEqualTo(all.stream().filter(i -> i.getName() != null).count());
        assertThat(q.identitiesByLastSeen(false, 1, 0, 1000).identities()).extracting(Identity::getIdentityId)
                .containsExactlyElementsOf(all.stream().sorted(Comparator.comparing(Identity::getLastSeen).reversed()
                        .thenComparing(Identity::getIdentityId)).filter(i -> i.getSightingCount() >= 1).map(Identity::getIdentityId).toList());

        // seed 000's list order, its search by name and the person index
        List<String> byName = all.stream().sorted(Comparator.comparing((Identity i) -> i.getName() == null ? null : Views.nameKey(i.getName()),
                        Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(Identity::getCreatedAt).thenComparing(Identity::getIdentityId))
                .map(Identity::getIdentityId).toList();
        assertThat(q.identitiesByName(0, 1000).identities()).extracting(Identity::getIdentityId).containsExactlyElementsOf(byName);
        assertThat(q.identitiesByName(0, 1000).total()).isEqualTo(all.size());
        assertThat(q.identitiesByName(1, 1).identities()).extracting(Identity::getIdentityId)
                .containsExactlyElementsOf(byName.stream().skip(1).limit(1).toList());
        assertThat(q.identityIds()).containsExactlyElementsOf(byName);
        for (Identity named : all.stream().filter(i -> i.getName() != null).toList()) {
            String part = named.getName().strip().substring(1).toUpperCase(java.util.Locale.ROOT);
            assertThat(q.identitiesNameContaining(part, 1000)).extracting(Identity::getIdentityId).containsExactlyElementsOf(all.stream()
                    .filter(i -> i.getName() != null && Views.nameKey(i.getName()).contains(Views.nameKey(part)))
                    .map(Identity::getIdentityId).sorted(Comparator.comparing(byName::indexOf)).toList());
            assertThat(q.identitiesNamed(" " + named.getName().toUpperCase(java.util.Locale.ROOT))).extracting(Identity::getIdentityId)
                    .contains(named.getIdentityId());
        }
        all.stream().map(Identity::getPersonId).filter(java.util.Objects::nonNull).distinct().forEach(person ->
                assertThat(q.identityIdsOf(person)).containsExactlyInAnyOrderElementsOf(all.stream()
                        .filter(i -> person.equals(i.getPersonId())).map(Identity::getIdentityId).toList()));

        for (Instant since : List.of(T0.minus(Duration.ofDays(3)), T0.truncatedTo(java.time.temporal.ChronoUnit.DAYS), T0.minusSeconds(1),
                T0.plusSeconds(5), T0.plus(Duration.ofHours(2)))) {
            assertThat(q.identitiesSeenSince(since)).as("seen since " + since)
                    .isEqualTo(all.stream().filter(i -> !i.getLastSeen().isBefore(since)).count());
        }
        assertThat(q.identitiesCreatedOn(T0)).isEqualTo(all.stream().filter(i -> i.getCreatedAt().atZone(java.time.ZoneOffset.UTC)
                .toLocalDate().equals(T0.atZone(java.time.ZoneOffset.UTC).toLocalDate())).count());
        List<Sighting> allSightings = new ArrayList<>();
        KeyValueStore<String, Sighting> sightingStore = store(Views.SIGHTINGS.name());
        sightingStore.all().forEachRemaining(kv -> allSightings.add(kv.value));
        ViewQueries.IdentityCounts counts = q.identityCounts();
        assertThat(counts.identities()).isEqualTo(all.size());
        assertThat(counts.sightings()).isEqualTo(allSightings.size());
        for (MatchKind kind : MatchKind.values()) {
            assertThat(counts.byMatchKind().get(kind.name().toLowerCase(java.util.Locale.ROOT)))
                    .isEqualTo(allSightings.stream().filter(s -> s.getMatchKind() == kind).count());
        }
        Map<String, List<Sighting>> perCamera = new java.util.TreeMap<>();
        allSightings.forEach(s -> perCamera.computeIfAbsent(s.getCameraId() != null ? s.getCameraId() : s.getSourceId(), c -> new ArrayList<>()).add(s));
        assertThat(counts.byCamera()).containsExactlyElementsOf(perCamera.entrySet().stream().map(e -> new ViewQueries.CameraCounts(e.getKey(),
                e.getValue().size(), e.getValue().stream().mapToLong(s -> s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli()).sum(),
                e.getValue().stream().map(Sighting::getIdentityId).distinct().count())).toList());
        Map<String, Long> dwellPerIdentity = new java.util.HashMap<>();
        allSightings.forEach(s -> dwellPerIdentity.merge(s.getIdentityId(), s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli(), Long::sum));
        for (Identity i : all) {
            assertThat(q.dwellSeconds(i.getIdentityId())).as("dwell of " + i.getIdentityId())
                    .isEqualTo(dwellPerIdentity.getOrDefault(i.getIdentityId(), 0L) / 1000.0);
        }
        Instant firstHour = T0.minus(Duration.ofHours(2));
        for (ViewQueries.HourCounts h : q.hourly(firstHour, 4)) {
            List<Sighting> inHour = allSightings.stream().filter(s -> !s.getEntryTime().isBefore(h.hour())
                    && s.getEntryTime().isBefore(h.hour().plus(Duration.ofHours(1)))).toList();
            assertThat(h.sightings()).isEqualTo(inHour.size());
            assertThat(h.identities()).isEqualTo(inHour.stream().map(Sighting::getIdentityId).distinct().count());
        }

        List<Face> allFaces = new ArrayList<>();
        KeyValueStore<String, Face> faceStore = store(Views.FACES.name());
        faceStore.all().forEachRemaining(kv -> allFaces.add(kv.value));
        assertThat(q.recentFaces(10_000, null)).extracting(Face::getFaceId).containsExactlyElementsOf(allFaces.stream()
                .sorted(Comparator.comparing(Face::getTimestamp).reversed().thenComparing(Face::getFaceId)).map(Face::getFaceId).toList());

        // the faces collection: every face of an identity once, with that identity; no point of a face the view lacks
        // (a face of a track not resolved yet is indexed when it resolves)
        Map<String, Face> facesById = new java.util.HashMap<>();
        allFaces.forEach(f -> facesById.put(f.getFaceId(), f));
        List<io.facestream.vectors.VectorPoint> points = vectors.scroll(VectorStore.FACES, VectorFilter.all(), 100_000, false);
        assertThat(points).extracting(io.facestream.vectors.VectorPoint::id).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(facesById).containsKey(id));
        Map<String, Object> identityOfPoint = new java.util.HashMap<>();
        points.forEach(p -> identityOfPoint.put(p.id(), p.payload().get(FacePayload.IDENTITY_ID)));
        for (Face f : allFaces) {
            if (f.getIdentityId() == null) continue;
            assertThat(identityOfPoint).as("face " + f.getFaceId() + " in the vector store").containsKey(f.getFaceId());
            assertThat(identityOfPoint.get(f.getFaceId())).as("identity of face " + f.getFaceId()).isEqualTo(f.getIdentityId());
        }

        List<Identity> withCentroid = all.stream().filter(StoredEmbeddings::hasCentroid).toList();
        assertThat(vectors.count(VectorStore.IDENTITIES)).isEqualTo(withCentroid.size());
        for (Identity i : withCentroid) {
            var point = vectors.get(VectorStore.IDENTITIES, i.getIdentityId()).orElseThrow();
            assertThat(point.payload().get(IdentityPayload.NAME)).isEqualTo(i.getName());
            assertThat(point.payload().get(IdentityPayload.PERSON_ID)).isEqualTo(i.getPersonId());
            assertThat(io.facestream.models.Embeddings.similarity(point.vector(), StoredEmbeddings.centroidOf(i)))
                    .isGreaterThan(0.9999);
        }
    }

    // ---- what a camera sends ----

    /**
     * One frame of a source with these faces (each at its own place), crops first then the frame record. The
     * faces' quality rises over each 2 s, as when someone walks towards the camera, so better faces come.
     */
    void frame(String source, long number, DetectedFace... faces) {
        frame(source, number, false, faces);
    }

    /** {@link #frame(String, long, DetectedFace...)}, flagged as following a scene cut or not. */
    void frame(String source, long number, boolean sceneCut, DetectedFace... faces) {
        Instant time = T0.plusMillis(number * 100);
        float quality = 0.5f + 0.4f * (number % 20) / 20f;
        for (int i = 0; i < faces.length; i++) {
            float x = 50 + 300 * i;
            crops.pipeInput(source, FaceCrop.newBuilder().setCropId(source + ":" + number + ":" + i).setSourceId(source)
                    .setSourceKind(SourceKind.CAMERA).setCameraId(source).setFileId(null).setFrameNumber(number).setFaceIndex(i)
                    .setTimestamp(time).setFrameWidth(640).setFrameHeight(360).setBbox(new BoundingBox(x, 100f, 120f, 120f))
                    .setLandmarks(List.of(new Point(0f, 0f))).setDetectionScore(0.95f).setQuality(quality)
                    .setQualityParts(new QualityParts(1f, 1f, 1f, 0.95f)).setCropJpeg(ByteBuffer.wrap(faces[i].alignedJpeg(95)))
                    .setFrameRef("frame/" + source + ":" + number).build(), time);
        }
        frames.pipeInput(source, Frame.newBuilder().setSourceId(source).setSourceKind(SourceKind.CAMERA).setFrameNumber(number)
                .setTimestamp(time).setWidth(640).setHeight(360).setSourceWidth(640).setSourceHeight(360)
                .setFaceCount(faces.length).setEndOfStream(false).setSceneCut(sceneCut).build(), time);
    }

    void frames(String source, long from, long to, DetectedFace... faces) {
        for (long n = from; n <= to; n++) frame(source, n, faces);
    }

    void flushBatches() {
        driver.advanceWallClockTime(Duration.ofMillis(50));
    }

    Person enrolPoi(String name) {
        Person poi = PipelineFixture.poi(analyzer, name, analyzer.embed(poiFace.aligned()));
        people.pipeInput(poi.getPersonId(), poi);
        return poi;
    }

    <V> KeyValueStore<String, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    List<Identity> identities() {
        List<Identity> out = new ArrayList<>();
        KeyValueStore<String, Identity> store = store(Views.IDENTITIES.name());
        store.all().forEachRemaining(kv -> out.add(kv.value));
        return out;
    }

    // ---- tests ----

    @Test
    void aChosenCropWaitsForItsBatchOnlyUpToTheMaximumWait() {
        enrolPoi("Batch POI");
        frame("cam-a", 0, poiFace);
        assertThat(embeddings.isEmpty()).as("one crop does not fill a batch of 4").isTrue();
        assertThat(alerts.isEmpty()).isTrue();
        flushBatches();
        assertThat(embeddings.readValuesToList()).hasSize(1);
        PoiAlert alert = alerts.readValue();
        assertThat(alert.getPoiName()).isEqualTo("Batch POI");
        assertThat(alert.getFrameNumber()).isZero();
        assertThat(alert.getThumbnailRef()).isEqualTo("cam-a:0:0");
        assertThat(tracks.readValue().getType()).as("the STARTED event leaves after its embedding").isEqualTo(TrackEventType.STARTED);
    }

    @Test
    void aCropIsEmbeddedAtTheEndOfItsFrameWhileItsSourceIsProcessedInStepWithItsTime() {
        enrolPoi("Live POI");
        long now = BEHIND.toMillis() / 100; // the frame captured at the wall clock's time
        frame("cam-a", now, poiFace);
        assertThat(embeddings.readValuesToList()).as("no batch and no timer: the frame's end flushed it").hasSize(1);
        assertThat(alerts.readValue().getFrameNumber()).isEqualTo(now);
        frame("cam-b", 0, poiFace); // captured an hour ago: this camera's crops wait for their batch again
        assertThat(embeddings.isEmpty()).isTrue();
        flushBatches();
        assertThat(embeddings.readValuesToList()).hasSize(1);
        frame("cam-c", now + 20, poiFace); // 2 s ahead of the wall clock, as a file replayed faster than real time
        assertThat(embeddings.isEmpty()).isTrue();
        flushBatches();
        assertThat(embeddings.readValuesToList()).hasSize(1);
    }

    @Test
    void aFrameReachesItsStoresChangelogOnlyWhenItWaitsForItsCrops() throws Exception {
        var pendingFrames = driver.createOutputTopic(Views.changelog("topology-test", TrackingProcessor.PENDING_FRAMES),
                Serdes.String().deserializer(), PipelineFixture.serdes().of(Frame.class).deserializer());
        frames("cam-a", 0, 4, strangerA); // crops first, then the frame record, as ingest sends them
        assertThat(pendingFrames.isEmpty()).as("a frame tracked on arrival: not even a tombstone").isTrue();

        // the frame record before its crop (another producer's order): it waits in the store, then leaves it
        Instant time = T0.plusMillis(5 * 100);
        frames.pipeInput("cam-a", Frame.newBuilder().setSourceId("cam-a").setSourceKind(SourceKind.CAMERA).setFrameNumber(5)
                .setTimestamp(time).setWidth(640).setHeight(360).setSourceWidth(640).setSourceHeight(360)
                .setFaceCount(1).setEndOfStream(false).setSceneCut(false).setJpeg(ByteBuffer.wrap(new byte[]{1, 2, 3})).build(), time);
        var waited = pendingFrames.readKeyValuesToList();
        assertThat(waited).hasSize(1);
        assertThat(waited.get(0).value.getFrameNumber()).isEqualTo(5);
        assertThat(waited.get(0).value.getJpeg()).as("the live view's JPEG is not the tracker's to keep").isNull();
        crops.pipeInput("cam-a", FaceCrop.newBuilder().setCropId("cam-a:5:0").setSourceId("cam-a").setSourceKind(SourceKind.CAMERA)
                .setCameraId("cam-a").setFileId(null).setFrameNumber(5).setFaceIndex(0).setTimestamp(time).setFrameWidth(640)
                .setFrameHeight(360).setBbox(new BoundingBox(50f, 100f, 120f, 120f)).setLandmarks(List.of(new Point(0f, 0f)))
                .setDetectionScore(0.95f).setQuality(0.6f).setQualityParts(new QualityParts(1f, 1f, 1f, 0.95f))
                .setCropJpeg(ByteBuffer.wrap(strangerA.alignedJpeg(95))).setFrameRef("frame/cam-a:5").build(), time);
        var left = pendingFrames.readKeyValuesToList();
        assertThat(left).as("tracked once its crop came: its tombstone").hasSize(1);
        assertThat(left.get(0).value).isNull();
        frames("cam-a", 6, 8, strangerA);
        assertThat(pendingFrames.isEmpty()).isTrue();
        flushBatches();
        assertThat(tracks.readValuesToList()).as("one track through the waiting frame").isNotEmpty().extracting(TrackEvent::getTrackId).containsOnly("cam-a:t0.0");
    }

    /**
     * A crop that really is missing (its send failed while its frame's went through; ingest stopped between a frame's
     * crops and its record) holds its source only while {@code maxPendingFrames} frames wait, and an orphan crop does
     * not stay in the store.
     */
    @Test
    void aFrameWhoseCropNeverComesGoesOnOnceMaxPendingFramesWaitAndAnOrphanCropIsForgotten() throws Exception {
        var pendingCrops = driver.createOutputTopic(Views.changelog("topology-test", TrackingProcessor.PENDING_CROPS),
                Serdes.String().deserializer(), PipelineFixture.serdes().of(FaceCrop.class).deserializer());
        KeyValueStore<String, io.facestream.schemas.avro.state.TrackerState> state = store(TrackingProcessor.STATE);
        frames("cam-a", 0, 2, strangerA);
        Instant time = T0.plusMillis(3 * 100);
        frames.pipeInput("cam-a", Frame.newBuilder().setSourceId("cam-a").setSourceKind(SourceKind.CAMERA).setFrameNumber(3)
                .setTimestamp(time).setWidth(640).setHeight(360).setSourceWidth(640).setSourceHeight(360)
                .setFaceCount(1).setEndOfStream(false).setSceneCut(false).build(), time); // its crop never comes
        int maxPending = settings.maxPendingFrames();
        frames("cam-a", 4, 3 + maxPending - 1, strangerA);
        assertThat(state.get("cam-a").getLastFrame()).as("%d frames wait behind the incomplete one", maxPending).isEqualTo(2);
        frame("cam-a", 3 + maxPending, strangerA);
        assertThat(state.get("cam-a").getLastFrame()).as("one more: it goes on without its crop, the others with theirs")
                .isEqualTo(3 + maxPending);
        pendingCrops.readKeyValuesToList();

        // a crop whose frame record never comes, then the next frame
        long orphan = 4 + maxPending;
        Instant orphanTime = T0.plusMillis(orphan * 100);
        crops.pipeInput("cam-a", FaceCrop.newBuilder().setCropId("cam-a:" + orphan + ":0").setSourceId("cam-a").setSourceKind(SourceKind.CAMERA)
                .setCameraId("cam-a").setFileId(null).setFrameNumber(orphan).setFaceIndex(0).setTimestamp(orphanTime).setFrameWidth(640)
                .setFrameHeight(360).setBbox(new BoundingBox(50f, 100f, 120f, 120f)).setLandmarks(List.of(new Point(0f, 0f)))
                .setDetectionScore(0.95f).setQuality(0.6f).setQualityParts(new QualityParts(1f, 1f, 1f, 0.95f))
                .setCropJpeg(ByteBuffer.wrap(strangerA.alignedJpeg(95))).setFrameRef("frame/cam-a:" + orphan).build(), orphanTime);
        assertThat(pendingCrops.readKeyValuesToList()).as("it waits for its frame").hasSize(1);
        frame("cam-a", orphan + 1, strangerA);
        assertThat(state.get("cam-a").getLastFrame()).isEqualTo(orphan + 1);
        assertThat(pendingCrops.readKeyValuesToList()).as("the orphan leaves the store once a later frame is tracked")
                .anySatisfy(kv -> {
                    assertThat(kv.key).contains(String.format("%019d", orphan));
                    assertThat(kv.value).isNull();
                });
        try (var all = store(TrackingProcessor.PENDING_CROPS).all()) {
            assertThat(all.hasNext()).isFalse();
        }
    }

    /**
     * Identity resolution writes the faces collection on a thread of its own and waits for those writes before every
     * commit: with each upsert slowed to 50 ms, every face the faces view gives an identity is in the vector store as
     * soon as the record that wrote it is committed (the test driver commits after every record and time step).
     * Fails when the commit does not wait for them.
     */
    @Test
    void everyFaceOfAnIdentityIsInTheVectorStoreWhenItsRecordIsCommitted() throws Exception {
        stop();
        startDriver(settings, new SlowUpserts(new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors"))),
                Duration.ofMillis(50)));
        int checked = 0;
        for (long n = 0; n <= 29; n++) {
            frame("cam-a", n, strangerA);
            checked += assertFacesOfIdentitiesAreInTheVectorStore("frame " + n);
            flushBatches();
            checked += assertFacesOfIdentitiesAreInTheVectorStore("the batch after frame " + n);
        }
        driver.advanceWallClockTime(settings.silentCamera().plusSeconds(2)); // ends the track
        checked += assertFacesOfIdentitiesAreInTheVectorStore("the track's end");
        assertThat(checked).as("faces checked (one per frame for each face then in the view)").isGreaterThan(20);
    }

    /** How many faces of identities the faces view holds; fails unless each is in the vector store now. */
    private int assertFacesOfIdentitiesAreInTheVectorStore(String when) {
        List<String> indexed = new ArrayList<>();
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        faces.all().forEachRemaining(kv -> {
            if (kv.value.getIdentityId() != null) indexed.add(kv.key);
        });
        for (String id : indexed) assertThat(vectors.get(VectorStore.FACES, id)).as("face %s after %s", id, when).isPresent();
        return indexed.size();
    }

    /** A vector store whose upserts take {@code delay} more each, as a loaded machine's HNSW inserts may. */
    private record SlowUpserts(VectorStore store, Duration delay) implements VectorStore {
        @Override
        public void upsert(String collection, java.util.Collection<io.facestream.vectors.VectorPoint> points) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            store.upsert(collection, points);
        }

        @Override
        public void ensureCollection(String collection, int dimension) {
            store.ensureCollection(collection, dimension);
        }

        @Override
        public java.util.Optional<io.facestream.vectors.VectorPoint> get(String collection, String id) {
            return store.get(collection, id);
        }

        @Override
        public void delete(String collection, java.util.Collection<String> ids) {
            store.delete(collection, ids);
        }

        @Override
        public void deleteWhere(String collection, VectorFilter filter) {
            store.deleteWhere(collection, filter);
        }

        @Override
        public List<io.facestream.vectors.ScoredPoint> search(String collection, io.facestream.vectors.Search search) {
            return store.search(collection, search);
        }

        @Override
        public long count(String collection, VectorFilter filter) {
            return store.count(collection, filter);
        }

        @Override
        public List<io.facestream.vectors.VectorPoint> scroll(String collection, VectorFilter filter, int limit, boolean withVectors) {
            return store.scroll(collection, filter, limit, withVectors);
        }

        @Override
        public void close() {
            store.close();
        }
    }

    @Test
    void theTrackerEmbedsAFewFacesPerTrackNotEveryDetection() {
        frames("cam-a", 0, 29, strangerA);
        flushBatches();
        List<FaceEmbedding> embedded = embeddings.readValuesToList();
        assertThat(embedded).isNotEmpty().hasSizeLessThanOrEqualTo(3 * settings.tracker().maxEmbedsPerSecond());
        assertThat(embedded).extracting(FaceEmbedding::getTrackId).containsOnly("cam-a:t0.0");
        assertThat(embedded.get(0).getCropId()).as("the track's first face at once").isEqualTo("cam-a:0:0");
    }

    @Test
    void anEmbeddingTravelsAsFloat32AndItsCropOnlyToTheFacesView() {
        frames("cam-a", 0, 9, strangerA);
        flushBatches();
        List<FaceEmbedding> embedded = embeddings.readValuesToList();
        assertThat(embedded).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getCropJpeg()).as("face-embeddings carries no crop").isNull();
            assertThat(e.getEmbedding()).as("nor the old array").isEmpty();
            assertThat(e.getEmbeddingF32().remaining()).isEqualTo(4 * VectorStore.DEFAULT_DIMENSION);
        });
        byte[] sent = strangerA.alignedJpeg(95);
        KeyValueStore<String, Face> faceStore = store(Views.FACES.name());
        for (FaceEmbedding e : embedded) {
            Face face = faceStore.get(e.getCropId());
            assertThat(face).as("face " + e.getCropId()).isNotNull();
            assertThat(face.getCropJpeg()).as("the faces view keeps the crop that was detected").isEqualTo(ByteBuffer.wrap(sent));
            assertThat(StoredEmbeddings.of(face)).containsExactly(StoredEmbeddings.of(e));
        }
    }

    @Test
    void onePoiAlertPerTrackAndQuietDuringTheCooldownAtThatCameraOnly() {
        Person poi = enrolPoi("Cooldown POI");
        frames("cam-a", 0, 9, poiFace);
        frames("cam-a", 40, 49, poiFace); // 3 s later: a new track, inside the 60 s cooldown
        frames("cam-b", 0, 9, poiFace);
        flushBatches();
        List<PoiAlert> raised = alerts.readValuesToList();
        assertThat(raised).extracting(PoiAlert::getCameraId).containsExactlyInAnyOrder("cam-a", "cam-b");
        assertThat(raised).allMatch(a -> a.getPoiId().equals(poi.getPersonId()));
        assertThat(raised).extracting(PoiAlert::getAlertId).containsExactlyInAnyOrder(
                poi.getPersonId() + ":cam-a:t0.0", poi.getPersonId() + ":cam-b:t0.0");
    }

    @Test
    void oneNewPersonSeenAtOnceByTwoCamerasBecomesOneIdentity() {
        for (long n = 0; n <= 25; n++) {
            frame("cam-a", n, strangerB);
            frame("cam-b", n, strangerB);
        }
        flushBatches();
        frames("cam-a", 60, 60); // time passes on both cameras: their tracks end
        frames("cam-b", 60, 60);
        flushBatches();
        List<Sighting> finals = sightings.readValuesToList().stream().filter(Sighting::getFinal$).toList();
        assertThat(finals).hasSize(2);
        assertThat(finals).extracting(Sighting::getMatchKind).containsOnly(MatchKind.IDENTITY);
        assertThat(finals.get(0).getIdentityId()).isEqualTo(finals.get(1).getIdentityId());
        List<Identity> all = identities();
        assertThat(all).hasSize(1);
        assertThat(all.get(0).getCameras()).containsExactlyInAnyOrder("cam-a", "cam-b");
        assertThat(all.get(0).getSightingCount()).isEqualTo(2);
        assertThat(all.get(0).getStatus()).isEqualTo(IdentityStatus.ACTIVE);
        assertThat(vectors.count(VectorStore.FACES, VectorFilter.all().whereEquals("identity_id", all.get(0).getIdentityId())))
                .isEqualTo(all.get(0).getFaceCount());
    }

    @Test
    void twoDifferentStrangersAreTwoIdentitiesAndAKnownPersonIsNamed() {
        Person poi = enrolPoi("Known");
        frames("cam-a", 0, 10, strangerA, strangerB);
        frames("cam-b", 0, 10, poiFace);
        frames("cam-a", 60, 60);
        frames("cam-b", 60, 60);
        flushBatches();
        List<Sighting> finals = sightings.readValuesToList().stream().filter(Sighting::getFinal$).toList();
        assertThat(finals).hasSize(3);
        assertThat(finals.stream().filter(s -> s.getMatchKind() == MatchKind.IDENTITY).map(Sighting::getIdentityId).distinct()).hasSize(2);
        Sighting known = finals.stream().filter(s -> s.getMatchKind() == MatchKind.POI).findFirst().orElseThrow();
        assertThat(known.getPersonId()).isEqualTo(poi.getPersonId());
        assertThat(store(Views.IDENTITIES.name()).get(known.getIdentityId())).extracting(i -> ((Identity) i).getName()).isEqualTo("Known");
    }

    @Test
    void aSilentCameraHasItsTracksEndedByWallClock() {
        frames("cam-a", 0, 5, strangerA);
        flushBatches();
        tracks.readValuesToList();
        driver.advanceWallClockTime(settings.silentCamera().plusSeconds(2));
        List<TrackEvent> events = tracks.readValuesToList();
        assertThat(events).extracting(TrackEvent::getType).containsExactly(TrackEventType.ENDED);
        assertThat(events.get(0).getLastFrame()).isEqualTo(5);
    }

    /**
     * Issue 16.5: another person in the same box, seen only by their faces, while the tracker runs ahead of the embeddings
     * (a replay at full speed, a loaded machine): no batch fills and the wall clock stands still until the end, so no check
     * comes back before the tracker would end the track, or forget the other person's first faces, without it.
     */
    void anotherPersonTakesOverTheBoxWhileTheEmbeddingsLag(long otherFrames) throws Exception {
        stop();
        settings = PipelineSettings.defaults(analyzer.thresholds()).withEmbedding(1000, Duration.ofMillis(20));
        startDriver(settings);
        frames("cam-a", 0, 29, poiFace);
        frames("cam-a", 30, 29 + otherFrames, strangerA);
        frames("cam-a", 60 + otherFrames, 60 + otherFrames); // 3 s later: the gap has ended the track
        flushBatches();

        List<TrackEvent> ended = tracks.readValuesToList().stream().filter(e -> e.getType() == TrackEventType.ENDED)
                .sorted(Comparator.comparing(TrackEvent::getFirstFrame)).toList();
        long recheckFrames = settings.tracker().recheckMaxMillis() / 100; // the longest recheck interval: no cue here
        assertThat(ended).as("one track per person").hasSize(2);
        assertThat(ended.get(0).getFirstFrame()).isZero();
        assertThat(ended.get(0).getLastFrame()).as("the POI's track ends after the swap by at most a recheck").isBetween(29L, 29 + recheckFrames);
        assertThat(ended.get(1).getFirstFrame()).as("the other person's starts at their first face").isEqualTo(ended.get(0).getLastFrame() + 1);
        assertThat(ended.get(1).getLastFrame()).isEqualTo(29 + otherFrames);
        assertThat(ended.get(0).getFaceCount() + ended.get(1).getFaceCount()).as("every face in one of them").isEqualTo(30 + otherFrames);
        List<FaceEmbedding> poiTrackFaces = embeddings.readValuesToList().stream()
                .filter(e -> e.getTrackId().equals(ended.get(0).getTrackId())).toList();
        assertThat(poiTrackFaces).isNotEmpty().allSatisfy(e -> assertThat(e.getFrameNumber()).isLessThan(30));
    }

    @Test
    void aSwapIsSplitWhenTheTrackEndsBeforeItsEmbeddingsComeBack() throws Exception {
        anotherPersonTakesOverTheBoxWhileTheEmbeddingsLag(30);
    }

    @Test
    void aSwapIsSplitAtTheOtherPersonsFirstFaceLongAfterIt() throws Exception {
        anotherPersonTakesOverTheBoxWhileTheEmbeddingsLag(120); // 12 s of the other person: more than the tracker remembers
    }

    @Test
    void aSwapFoundOnlyAtASceneCutIsSplitBeforeTheCutEndsTheTrack() throws Exception {
        stop();
        settings = PipelineSettings.defaults(analyzer.thresholds()).withEmbedding(1000, Duration.ofMillis(20));
        startDriver(settings);
        frames("cam-a", 0, 29, poiFace);
        frames("cam-a", 30, 44, strangerA);
        frame("cam-a", 45, true, strangerB); // a cut, with no check back yet
        flushBatches();

        List<TrackEvent> ended = tracks.readValuesToList().stream().filter(e -> e.getType() == TrackEventType.ENDED)
                .sorted(Comparator.comparing(TrackEvent::getFirstFrame)).toList();
        assertThat(ended).as("the POI's track, the other person's from their first face to the cut").hasSize(2);
        assertThat(ended.get(0).getLastFrame()).isBetween(29L, 29 + settings.tracker().recheckMaxMillis() / 100);
        assertThat(ended.get(1).getFirstFrame()).isEqualTo(ended.get(0).getLastFrame() + 1);
        assertThat(ended.get(1).getLastFrame()).isEqualTo(44);
    }

    // ---- identity commands ----

    /** Two strangers each through a track; returns their identity ids (A's first). */
    List<String> twoIdentities() {
        frames("cam-a", 0, 10, strangerA);
        frames("cam-b", 0, 10, strangerB);
        frames("cam-a", 60, 60);
        frames("cam-b", 60, 60);
        flushBatches();
        List<Sighting> finals = sightings.readValuesToList().stream().filter(Sighting::getFinal$).toList();
        String a = finals.stream().filter(s -> s.getSourceId().equals("cam-a")).findFirst().orElseThrow().getIdentityId();
        String b = finals.stream().filter(s -> s.getSourceId().equals("cam-b")).findFirst().orElseThrow().getIdentityId();
        assertThat(a).isNotEqualTo(b);
        return List.of(a, b);
    }

    IdentityCommand.Builder command(IdentityCommandType type, String identityId) {
        return IdentityCommand.newBuilder().setCommandId("c-" + System.nanoTime()).setIdentityId(identityId).setType(type)
                .setMetadata(Map.of()).setOtherIdentityIds(List.of()).setFaceIds(List.of()).setIssuedAt(T0.plusSeconds(30));
    }

    @Test
    void mergeMovesFacesAndSightingsAndTheOtherIdentityIsGone() {
        List<String> ids = twoIdentities();
        Identity a = (Identity) store(Views.IDENTITIES.name()).get(ids.get(0));
        Identity b = (Identity) store(Views.IDENTITIES.name()).get(ids.get(1));
        commands.pipeInput(ids.get(0), command(IdentityCommandType.MERGE, ids.get(0)).setOtherIdentityIds(List.of(ids.get(1))).build());
        assertThat(store(Views.IDENTITIES.name()).get(ids.get(1))).isNull();
        Identity merged = (Identity) store(Views.IDENTITIES.name()).get(ids.get(0));
        assertThat(merged.getFaceCount()).isEqualTo(a.getFaceCount() + b.getFaceCount());
        assertThat(merged.getSightingCount()).isEqualTo(2);
        assertThat(merged.getCameras()).containsExactlyInAnyOrder("cam-a", "cam-b");
        assertThat(merged.getSource()).isEqualTo("merged");
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        faces.all().forEachRemaining(kv -> assertThat(kv.value.getIdentityId()).isEqualTo(ids.get(0)));
        assertThat(sightings.readValuesToList()).as("the moved sighting is published again").extracting(Sighting::getIdentityId)
                .containsOnly(ids.get(0));
        assertThat(vectors.count(VectorStore.FACES, VectorFilter.all().whereEquals("identity_id", ids.get(1)))).isZero();
    }

    @Test
    void mergeKeepsANamedSourcesNameAndSplitBySightingsMovesThemBackWithTheirFaces() {
        List<String> ids = twoIdentities();
        String a = ids.get(0);
        String b = ids.get(1);
        Identity before = (Identity) store(Views.IDENTITIES.name()).get(a);
        Identity named = (Identity) store(Views.IDENTITIES.name()).get(b);
        commands.pipeInput(b, command(IdentityCommandType.RENAME, b).setName("Visitor B").build());
        commands.pipeInput(a, command(IdentityCommandType.MERGE, a).setOtherIdentityIds(List.of(b, a, "nobody")).build());
        Identity merged = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(merged.getName()).as("an unnamed target keeps a named source's name").isEqualTo("Visitor B");
        assertThat(merged.getSightingCount()).isEqualTo(2);
        assertThat(merged.getFaceCount()).isEqualTo(before.getFaceCount() + named.getFaceCount());
        assertThat(merged.getFirstSeen()).isEqualTo(java.util.Collections.min(List.of(before.getFirstSeen(), named.getFirstSeen())));
        assertThat(merged.getLastSeen()).isEqualTo(java.util.Collections.max(List.of(before.getLastSeen(), named.getLastSeen())));

        KeyValueStore<String, Sighting> sightingStore = store(Views.SIGHTINGS.name());
        List<Sighting> all = new ArrayList<>();
        sightingStore.all().forEachRemaining(kv -> all.add(kv.value));
        Sighting ofB = all.stream().filter(s -> s.getSourceId().equals("cam-b")).findFirst().orElseThrow();
        commands.pipeInput(a, command(IdentityCommandType.SPLIT, a).setSightingIds(List.of(ofB.getSightingId()))
                .setNewIdentityId("split-b").setName("Split B").build());
        Identity split = (Identity) store(Views.IDENTITIES.name()).get("split-b");
        assertThat(split.getName()).isEqualTo("Split B");
        assertThat(split.getSightingCount()).isEqualTo(1);
        assertThat(split.getFaceCount()).isEqualTo(named.getFaceCount());
        assertThat(split.getCameras()).containsExactly("cam-b");
        assertThat(split.getFirstSeen()).isEqualTo(named.getFirstSeen());
        assertThat(split.getLastSeen()).isEqualTo(named.getLastSeen());
        Identity rest = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(rest.getSightingCount()).isEqualTo(1);
        assertThat(rest.getFaceCount()).isEqualTo(before.getFaceCount());
        assertThat(rest.getCameras()).containsExactly("cam-a");
        assertThat(rest.getFirstSeen()).isEqualTo(before.getFirstSeen());
        assertThat(rest.getLastSeen()).isEqualTo(before.getLastSeen());
        assertThat(sightingStore.get(ofB.getSightingId()).getIdentityId()).isEqualTo("split-b");
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        faces.all().forEachRemaining(kv -> assertThat(kv.value.getIdentityId())
                .isEqualTo(kv.value.getSourceId().equals("cam-b") ? "split-b" : a));
        assertThat(vectors.count(VectorStore.FACES, VectorFilter.all().whereEquals("identity_id", "split-b"))).isEqualTo(named.getFaceCount());
    }

    @Test
    void labelAndDeleteFacesByHand() {
        List<String> ids = twoIdentities();
        String a = ids.get(0);
        Identity before = (Identity) store(Views.IDENTITIES.name()).get(a);
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        List<String> facesOfA = new ArrayList<>();
        faces.all().forEachRemaining(kv -> {
            if (a.equals(kv.value.getIdentityId())) facesOfA.add(kv.key);
        });
        assertThat(facesOfA).hasSizeGreaterThanOrEqualTo(2);
        commands.pipeInput(a, command(IdentityCommandType.LABEL_FACES, a).setFaceIds(facesOfA).setName("Courier").build());
        facesOfA.forEach(id -> assertThat(faces.get(id).getLabel()).isEqualTo("Courier"));

        String gone = facesOfA.get(0);
        commands.pipeInput(a, command(IdentityCommandType.DELETE_FACES, a).setFaceIds(List.of(gone, "no-such-face")).build());
        assertThat(faces.get(gone)).isNull();
        assertThat(vectors.get(VectorStore.FACES, gone)).isEmpty();
        Identity after = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(after.getFaceCount()).isEqualTo(before.getFaceCount() - 1);
        assertThat(after.getExemplars()).extracting(io.facestream.schemas.avro.Exemplar::getFaceId).doesNotContain(gone);
        assertThat(faces.get(facesOfA.get(1)).getLabel()).as("the others keep their label").isEqualTo("Courier");
    }

    @Test
    void aRejectedFaceLeavesItsIdentityAndTheSameFaceNeverJoinsItAgain() {
        List<String> ids = twoIdentities();
        String a = ids.get(0);
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        List<String> facesOfA = new ArrayList<>();
        faces.all().forEachRemaining(kv -> {
            if (a.equals(kv.value.getIdentityId())) facesOfA.add(kv.key);
        });
        assertThat(facesOfA).hasSizeGreaterThanOrEqualTo(2);
        String rejected = facesOfA.get(0);
        Identity before = (Identity) store(Views.IDENTITIES.name()).get(a);
        commands.pipeInput(a, command(IdentityCommandType.REJECT_FACES, a).setFaceIds(List.of(rejected)).build());
        Identity after = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(after.getFaceCount()).isEqualTo(before.getFaceCount() - 1).isPositive();
        assertThat(after.getRejected()).extracting(io.facestream.schemas.avro.Exemplar::getFaceId).containsExactly(rejected);
        assertThat(faces.get(rejected).getIdentityId()).isNull();
        assertThat(faces.get(rejected).getBound()).isTrue();
        assertThat(vectors.get(VectorStore.FACES, rejected).orElseThrow().payload()).doesNotContainKey("identity_id");

        // the very same face again on another camera: as like A's remaining faces as the rejected one, so not A's
        frames("cam-c", 100, 110, strangerA);
        frames("cam-c", 170, 170);
        flushBatches();
        Sighting again = sightings.readValuesToList().stream().filter(s -> s.getFinal$() && s.getSourceId().equals("cam-c"))
                .findFirst().orElseThrow();
        assertThat(again.getIdentityId()).isNotEqualTo(a);
    }

    @Test
    void deleteRemovesTheIdentityItsFacesAndSightingsEverywhere() {
        List<String> ids = twoIdentities();
        long facesBefore = vectors.count(VectorStore.FACES);
        Identity gone = (Identity) store(Views.IDENTITIES.name()).get(ids.get(1));
        commands.pipeInput(ids.get(1), command(IdentityCommandType.DELETE, ids.get(1)).build());
        assertThat(store(Views.IDENTITIES.name()).get(ids.get(1))).isNull();
        assertThat(store(Views.IDENTITIES.name()).get(ids.get(0))).as("the other identity is untouched").isNotNull();
        KeyValueStore<String, Sighting> sightingStore = store(Views.SIGHTINGS.name());
        sightingStore.all().forEachRemaining(kv -> assertThat(kv.value.getIdentityId()).isEqualTo(ids.get(0)));
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        faces.all().forEachRemaining(kv -> assertThat(kv.value.getIdentityId()).isEqualTo(ids.get(0)));
        assertThat(vectors.count(VectorStore.FACES)).isEqualTo(facesBefore - gone.getFaceCount());
    }

    @Test
    void renameConfirmSplitAndBindingFacesByHand() {
        List<String> ids = twoIdentities();
        String a = ids.get(0);
        commands.pipeInput(a, command(IdentityCommandType.RENAME, a).setName("Visitor 7").build());
        commands.pipeInput(a, command(IdentityCommandType.CONFIRM, a).build());
        Identity renamed = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(renamed.getName()).isEqualTo("Visitor 7");
        assertThat(renamed.getStatus()).isEqualTo(IdentityStatus.CONFIRMED);

        List<String> facesOfA = new ArrayList<>();
        KeyValueStore<String, Face> faces = store(Views.FACES.name());
        faces.all().forEachRemaining(kv -> {
            if (a.equals(kv.value.getIdentityId())) facesOfA.add(kv.key);
        });
        assertThat(facesOfA).hasSizeGreaterThanOrEqualTo(2);
        String moved = facesOfA.get(0);
        commands.pipeInput(a, command(IdentityCommandType.SPLIT, a).setFaceIds(List.of(moved)).setNewIdentityId("split-1").build());
        assertThat(faces.get(moved).getIdentityId()).isEqualTo("split-1");
        assertThat(faces.get(moved).getBound()).isTrue();
        assertThat(((Identity) store(Views.IDENTITIES.name()).get("split-1")).getFaceCount()).isEqualTo(1);
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getFaceCount()).isEqualTo(renamed.getFaceCount() - 1);

        commands.pipeInput(ids.get(1), command(IdentityCommandType.BIND_FACE, ids.get(1)).setFaceIds(List.of(moved)).build());
        assertThat(faces.get(moved).getIdentityId()).isEqualTo(ids.get(1));
        assertThat(((Identity) store(Views.IDENTITIES.name()).get("split-1")).getFaceCount()).isZero();
        commands.pipeInput(ids.get(1), command(IdentityCommandType.UNBIND_FACE, ids.get(1)).setFaceIds(List.of(moved)).build());
        assertThat(faces.get(moved).getIdentityId()).isNull();
        assertThat(vectors.get(VectorStore.FACES, moved).orElseThrow().payload()).doesNotContainKey("identity_id");

        commands.pipeInput("nobody", command(IdentityCommandType.RENAME, "nobody").setName("x").build());
        assertThat(store(Views.IDENTITIES.name()).get("nobody")).as("a command for an unknown identity changes nothing").isNull();
    }

    // ---- seed 000: identity.json fields, inactive identities, chunks ----

    @Test
    void anUpsertSetsSeed000sFieldsAndAnInactiveIdentityIsNotMatchedAgain() {
        List<String> ids = twoIdentities();
        String a = ids.get(0);
        commands.pipeInput(a, command(IdentityCommandType.UPSERT, a).setName("Cary Grant").setSource("tmdb").setTmdbId(112L)
                .setIdentityType("people").setTmdbProfile("https://example.org/p.jpg").setReferenceData("{\"imdb\":\"nm0000026\"}")
                .setMetadata(Map.of("cast_order", "1")).setStatus(IdentityStatus.CONFIRMED).build());
        Identity named = (Identity) store(Views.IDENTITIES.name()).get(a);
        assertThat(named.getName()).isEqualTo("Cary Grant");
        assertThat(named.getTmdbId()).isEqualTo(112L);
        assertThat(named.getIdentityType()).isEqualTo("people");
        assertThat(named.getTmdbProfile()).isEqualTo("https://example.org/p.jpg");
        assertThat(named.getReferenceData()).isEqualTo("{\"imdb\":\"nm0000026\"}");
        assertThat(named.getMetadata()).containsEntry("cast_order", "1");
        assertThat(named.getStatus()).isEqualTo(IdentityStatus.CONFIRMED);

        // "pending" asks for not confirmed: the identity has the status its faces earn
        commands.pipeInput(a, command(IdentityCommandType.UPSERT, a).setStatus(IdentityStatus.PENDING).build());
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getStatus())
                .isEqualTo(named.getFaceCount() >= settings.identityMinFaces() ? IdentityStatus.ACTIVE : IdentityStatus.PENDING);
        commands.pipeInput(a, command(IdentityCommandType.ANNOTATE, a).setProfileImageRef("profile/identity-a.png").build());
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getProfileImageRef()).isEqualTo("profile/identity-a.png");
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getName()).as("ANNOTATE leaves the rest").isEqualTo("Cary Grant");

        commands.pipeInput(a, command(IdentityCommandType.UPSERT, a).setStatus(IdentityStatus.INACTIVE).build());
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getStatus()).isEqualTo(IdentityStatus.INACTIVE);
        sightings.readValuesToList();
        frames("cam-c", 100, 110, strangerA); // the same stranger again, on another camera
        frames("cam-c", 160, 160);
        flushBatches();
        Sighting again = sightings.readValuesToList().stream().filter(Sighting::getFinal$).findFirst().orElseThrow();
        assertThat(again.getIdentityId()).as("an inactive identity takes no new track").isNotEqualTo(a);
        assertThat(((Identity) store(Views.IDENTITIES.name()).get(a)).getFaceCount()).isEqualTo(named.getFaceCount());

        // an UPSERT of an unknown id creates it: confirmed and of source user_defined unless it says otherwise
        commands.pipeInput("json-1", command(IdentityCommandType.UPSERT, "json-1").setName("Grace Kelly")
                .setMetadata(Map.of("era", "\"1950s\"")).build());
        Identity created = (Identity) store(Views.IDENTITIES.name()).get("json-1");
        assertThat(created.getName()).isEqualTo("Grace Kelly");
        assertThat(created.getStatus()).isEqualTo(IdentityStatus.CONFIRMED);
        assertThat(created.getSource()).isEqualTo("user_defined");
        assertThat(created.getMetadata()).containsEntry("era", "\"1950s\"");
        assertThat(created.getFaceCount()).isZero();
    }

    @Test
    void theChunksViewHoldsEachFilesSentencesInOrder() throws Exception {
        AvroSerdes serdes = PipelineFixture.serdes();
        TestInputTopic<String, Chunk> chunks = driver.createInputTopic(Topics.CHUNKS, Serdes.String().serializer(),
                serdes.of(Chunk.class).serializer());
        for (int i = 11; i >= 0; i--) chunks.pipeInput("film-1:" + i, chunk("film-1", i));
        chunks.pipeInput("film-10:0", chunk("film-10", 0));
        chunks.pipeInput("film-1:5", null);
        ViewQueries queries = new ViewQueries(driver::getKeyValueStore, ViewQueries.DEFAULT_STALENESS, java.time.Clock.systemUTC());
        assertThat(queries.chunksOf("film-1")).extracting(Chunk::getIndex).containsExactly(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11);
        assertThat(queries.chunksOf("film-10")).extracting(Chunk::getText).containsExactly("sentence 0 of film-10");
        assertThat(queries.chunksOf("film-2")).isEmpty();
    }

    static Chunk chunk(String fileId, int index) {
        return Chunk.newBuilder().setChunkId(fileId + ":" + index).setFileId(fileId).setIndex(index).setStartMs(index * 1000L)
                .setEndMs(index * 1000L + 900).setStartFrame(index * 10L).setEndFrame(index * 10L + 9)
                .setText("sentence " + index + " of " + fileId).setOrigin(ChunkOrigin.SIDECAR_SUBTITLE).build();
    }
}
