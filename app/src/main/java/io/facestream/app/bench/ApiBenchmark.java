package io.facestream.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.models.DetectedFace;
import io.facestream.models.Embeddings;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelStore;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.FacestreamTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code facestream bench api}: requests/s and p50/p99 latency of the read endpoints (and the search) of the
 * standalone product, driven over HTTP from this process while the product runs as a child process
 * ({@code facestream standalone} on free ports and a temporary data dir).
 *
 * <p>Data: {@code people} POIs written straight to the people topic (their reference embeddings computed here,
 * so enrolment does not cost a face detection each) and {@code faces} faces in tracks over 8 cameras and 24 h,
 * fed as track events and face embeddings into the pipeline's one-partition hop into identity resolution
 * ({@code <application.id>-resolution-repartition}), the records the tracking and embedding side would have
 * written; identity resolution then builds the faces, sightings and identity views and the vector store as it
 * does for live video. POI tracks get their alert on the recent-alerts view's own hop
 * ({@code <application.id>-catalog-alerts-single-repartition}) and on the public alerts topic. The embeddings are
 * synthetic variations of real ones: the faces of the package photos are embedded by the real model, each
 * person's centre mixes one of them with a random direction, and each face is its person's centre plus noise.
 */
public final class ApiBenchmark {
    private static final int DIM = 512;
    private static final int CAMERAS = 8;
    private static final String APP_ID = "facestream-topologies";
    /** A person's centre: real embedding + TAU * random unit direction (cosine to the real one 1/sqrt(1+TAU^2) = 0.55). */
    private static final double TAU = 1.5;
    /** A face: centre + SIGMA * random unit direction (cosine to the centre 0.78, two faces of one person about 0.61). */
    private static final double SIGMA = 0.8;
    /** A reference face: centre + this much noise (cosine to the centre 0.89). */
    private static final double SIGMA_REF = 0.5;
    private static final double STRANGER_SHARE = 0.2;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param dataDir null: a temporary data dir, deleted afterwards; else kept, and reused when it holds a finished load */
    /**
     * @param strangers    strangers (0: a fifth of the people, drawn at random per track); more than 0: stranger tracks go to
     *                     the strangers in turn, so as many stranger tracks as strangers make that many identities
     * @param strangerShare the share of tracks that are strangers'
     * @param only         endpoints measured: those whose name contains one of these (empty: all); /health always
     */
    public record Settings(int people, int faces, int seconds, int warmupSeconds, int[] clients, Path dataDir,
                           int strangers, double strangerShare, List<String> only) {
        public Settings(int people, int faces, int seconds, int warmupSeconds, int[] clients, Path dataDir) {
            this(people, faces, seconds, warmupSeconds, clients, dataDir, 0, STRANGER_SHARE, List.of());
        }
    }

    private static final String SAVED = "bench-api-load.properties";
    private static final String SAVED_FACES = "bench-api-face-ids.txt";

    private final PrintStream out;
    private final Settings settings;
    private final Path work;
    private final Random random = new Random(20261127L);

    private ApiBenchmark(PrintStream out, Settings settings) throws Exception {
        this.out = out;
        this.settings = settings;
        this.work = Files.createTempDirectory("facestream-bench-api");
    }

    public static void run(PrintStream out, Settings settings) throws Exception {
        // Avro trusts our generated classes once AvroSerde is initialised; the load builds alerts (an enum default)
        // before it makes any serde
        Class.forName(io.facestream.schemas.serde.AvroSerde.class.getName(), true, ApiBenchmark.class.getClassLoader());
        new ApiBenchmark(out, settings).run();
    }

    // ---- data ----

    /** A face of a package photo: its real embedding, its aligned crop (JPEG) and, for queries, a photo of it. */
    private record RealFace(String photo, float[] embedding, byte[] cropJpeg, byte[] photoJpeg, double area) {
    }

    private record SyntheticFace(String faceId, float[] embedding, byte[] cropJpeg, Instant time, long frame, float quality,
                                 float score, BoundingBox box) {
    }

    private record Track(String trackId, String camera, String personId, List<SyntheticFace> faces) {
    }

    private record Dataset(List<Person> people, List<Track> tracks, List<PoiAlert> alerts, List<String> faceIds,
                           byte[] poiQuery, byte[] strangerQuery, String poiQueryId, int strangers, int realFaces,
                           String lastFaceId, String modelId) {
    }

    private void run() throws Exception {
        Process server = null;
        try {
            long t0 = System.nanoTime();
            Dataset data = dataset();
            out.printf("machine: %d cores, Java %s, %s; load average %.1f at start%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), System.getProperty("os.arch"), loadAverage());
            out.printf("data: %,d POIs (reference embeddings written to %s), %,d faces in %,d tracks (%,d of POIs raising %,d alerts; %,d of %d strangers),"
                            + " %d cameras over 24 h; embeddings derived from %d real faces of the package photos; prepared in %.1f s%n",
                    data.people().size(), Topics.PEOPLE, data.faceIds().size(), data.tracks().size(),
                    data.tracks().stream().filter(t -> t.personId() != null).count(), data.alerts().size(),
                    data.tracks().stream().filter(t -> t.personId() == null).count(), data.strangers(), CAMERAS,
                    data.realFaces(), (System.nanoTime() - t0) / 1e9);

            Path dataDir = settings.dataDir() != null ? settings.dataDir() : work.resolve("data");
            java.util.Properties saved = new java.util.Properties();
            Path savedFile = dataDir.resolve(SAVED);
            if (!Files.exists(savedFile) && Files.isDirectory(dataDir)) {
                try (Stream<Path> entries = Files.list(dataDir)) {
                    if (entries.findAny().isPresent()) {
                        throw new IllegalArgumentException(dataDir + " holds data but no finished load of this benchmark; delete it or pass another --data-dir");
                    }
                }
            }
            if (Files.exists(savedFile)) {
                try (var in = Files.newBufferedReader(savedFile)) {
                    saved.load(in);
                }
                if (Integer.parseInt(saved.getProperty("people")) != settings.people() || Integer.parseInt(saved.getProperty("faces")) != settings.faces()
                        || Integer.parseInt(saved.getProperty("strangers", "0")) != settings.strangers()
                        || Double.parseDouble(saved.getProperty("stranger.share", String.valueOf(STRANGER_SHARE))) != settings.strangerShare()) {
                    throw new IllegalArgumentException(dataDir + " holds a load of " + saved.getProperty("people") + " people, "
                            + saved.getProperty("faces") + " faces, " + saved.getProperty("strangers", "0") + " strangers (share "
                            + saved.getProperty("stranger.share", String.valueOf(STRANGER_SHARE)) + "); pass those sizes or another --data-dir");
                }
                List<String> ids = Files.readAllLines(dataDir.resolve(SAVED_FACES));
                data = new Dataset(data.people(), data.tracks(), data.alerts(), ids, data.poiQuery(), data.strangerQuery(),
                        data.poiQueryId(), data.strangers(), data.realFaces(), ids.getLast(), data.modelId());
                out.printf("reusing the load in %s (made %s: %s)%n", dataDir, saved.getProperty("date"), saved.getProperty("summary"));
            }
            Server s = startServer(dataDir, saved);
            server = s.process;
            Process child = server;
            Thread hook = new Thread(() -> StandaloneChild.stop(child), "bench-api-stop-server");
            Runtime.getRuntime().addShutdownHook(hook);
            Client client = new Client(s.apiUrl, s.adminKey);
            if (saved.isEmpty()) {
                String summary = load(s, client, data);
                saved.setProperty("people", String.valueOf(settings.people()));
                saved.setProperty("faces", String.valueOf(settings.faces()));
                saved.setProperty("strangers", String.valueOf(settings.strangers()));
                saved.setProperty("stranger.share", String.valueOf(settings.strangerShare()));
                saved.setProperty("date", Instant.now().toString());
                saved.setProperty("summary", summary);
                saved.setProperty("ports", s.ports());
                Files.write(dataDir.resolve(SAVED_FACES), data.faceIds());
                try (var w = Files.newBufferedWriter(savedFile)) {
                    saved.store(w, "facestream bench api: what was loaded");
                }
            } else {
                refillGallery(s, client, data);
                awaitLoaded(client, data, System.nanoTime());
            }
            measure(client, data);
            StandaloneChild.stop(server);
            server = null;
            Runtime.getRuntime().removeShutdownHook(hook);
        } finally {
            if (server != null) StandaloneChild.stop(server);
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private Dataset dataset() throws Exception {
        List<RealFace> real = new ArrayList<>();
        String modelId;
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            modelId = analyzer.config().catalog().model(Role.EMBEDDER).id();
            for (int i = 1; i <= 6; i++) {
                String photoId = "sample" + i;
                Path photo = ModelStore.fromEnvironment().resolve(ModelCatalog.photos().fileRef(photoId));
                byte[] bytes = Files.readAllBytes(photo);
                BufferedImage image = ImageIO.read(photo.toFile());
                for (DetectedFace f : analyzer.analyze(bytes)) {
                    if (f.box().width() < 40 || f.quality().score() < 0.3) continue;
                    float[] e = analyzer.embed(f.aligned());
                    // keep one face per person: a face close to one kept is the same person (or a near twin)
                    if (real.stream().anyMatch(r -> Embeddings.cosine(r.embedding(), e) > 0.35)) continue;
                    real.add(new RealFace(photoId, e, f.alignedJpeg(95), sprite(image, f), f.box().area()));
                }
            }
            if (real.size() < 4) throw new IllegalStateException("only " + real.size() + " usable faces in the package photos");
            real.sort(Comparator.comparingDouble(RealFace::area).reversed());
            // The two largest faces are the queries of POST /search: the first is enrolled as POI 0 (as POST /poi
            // would: the embedding of the photo's largest face), the second is a stranger with stored faces.
            RealFace poiFace = real.get(0), strangerFace = real.get(1);
            float[] poiQuery = embedLargest(analyzer, poiFace.photoJpeg());
            float[] strangerQuery = embedLargest(analyzer, strangerFace.photoJpeg());
            real.set(0, new RealFace(poiFace.photo(), poiQuery, poiFace.cropJpeg(), poiFace.photoJpeg(), poiFace.area()));
            real.set(1, new RealFace(strangerFace.photo(), strangerQuery, strangerFace.cropJpeg(), strangerFace.photoJpeg(), strangerFace.area()));
            return build(real, modelId);
        }
    }

    private Dataset build(List<RealFace> real, String modelId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<RealFace> bases = real.subList(2, real.size());
        // people: POI 0 is the query photo itself; the others derive from the remaining real faces
        List<Person> people = new ArrayList<>();
        List<float[]> centres = new ArrayList<>();
        List<byte[]> crops = new ArrayList<>();
        Severity[] severities = Severity.values();
        for (int p = 0; p < settings.people(); p++) {
            String id = String.format("poi-%08x", p);
            float[] centre;
            List<float[]> refs = new ArrayList<>();
            if (p == 0) {
                centre = real.get(0).embedding();
                refs.add(centre);
                crops.add(real.get(0).cropJpeg());
            } else {
                RealFace base = bases.get((p - 1) % bases.size());
                centre = around(base.embedding(), TAU);
                refs.add(around(centre, SIGMA_REF));
                if (p % 2 == 0) refs.add(around(centre, SIGMA_REF));
                crops.add(base.cropJpeg());
            }
            centres.add(centre);
            Instant enrolled = now.minus(Duration.ofDays(30)).plusSeconds(p * 60L);
            List<ReferenceFace> references = new ArrayList<>();
            for (int r = 0; r < refs.size(); r++) {
                references.add(ReferenceFace.newBuilder().setFaceId(String.format("emb-%08x-%d", p, r + 1))
                        .setEmbedding(Embeddings.toList(refs.get(r))).setModelId(modelId).setQuality(0.9f).setAddedAt(enrolled).build());
            }
            Severity severity = severities[p % severities.length];
            people.add(Person.newBuilder().setPersonId(id).setName("Bench POI " + p).setNotes("bench POI " + p).setMetadata(Map.of())
                    .setWatchlist(new Watchlist(severity, WatchlistStatus.ACTIVE, "bench POI " + p, enrolled))
                    .setFaces(references).setCreatedAt(enrolled).setUpdatedAt(enrolled).build());
        }
        // strangers: stranger 0 is the stage-2 query photo; the others derive from the real faces too
        int strangerCount = settings.strangers() > 0 ? settings.strangers() : Math.max(1, settings.people() / 5);
        int strangerTracks = 0;
        List<float[]> strangerCentres = new ArrayList<>();
        List<byte[]> strangerCrops = new ArrayList<>();
        for (int s = 0; s < strangerCount; s++) {
            if (s == 0) {
                strangerCentres.add(real.get(1).embedding());
                strangerCrops.add(real.get(1).cropJpeg());
            } else {
                RealFace base = bases.get((s * 7 + 3) % bases.size());
                strangerCentres.add(around(base.embedding(), TAU));
                strangerCrops.add(base.cropJpeg());
            }
        }
        // tracks, in time order over the last 24 h, 5 to 15 faces each, 200 ms apart
        int total = settings.faces();
        List<Instant> starts = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int n = 0; n < total; ) {
            int size = Math.min(total - n, 5 + random.nextInt(11));
            sizes.add(size);
            n += size;
        }
        for (int i = 0; i < sizes.size(); i++) starts.add(now.minus(Duration.ofHours(24)).plusMillis((long) (random.nextDouble() * 86_400_000L)));
        starts.sort(Comparator.naturalOrder());
        List<Track> tracks = new ArrayList<>();
        List<PoiAlert> alerts = new ArrayList<>();
        List<String> faceIds = new ArrayList<>(total);
        Map<String, Integer> alertsPerPoi = new HashMap<>();
        Map<String, Instant> lastAlert = new HashMap<>();
        int[] sequence = new int[CAMERAS];
        for (int i = 0; i < sizes.size(); i++) {
            int cam = random.nextInt(CAMERAS);
            String camera = "bench-cam-" + (cam + 1);
            String trackId = camera + ":t" + (++sequence[cam]);
            boolean stranger = random.nextDouble() < settings.strangerShare();
            // POI 0 and stranger 0 (the query photos) get their share of tracks like everyone else
            int who = !stranger ? random.nextInt(settings.people())
                    : settings.strangers() > 0 ? strangerTracks++ % strangerCount : random.nextInt(strangerCount);
            float[] centre = stranger ? strangerCentres.get(who) : centres.get(who);
            byte[] crop = stranger ? strangerCrops.get(who) : crops.get(who);
            Person person = stranger ? null : people.get(who);
            List<SyntheticFace> faces = new ArrayList<>();
            float x = 100 + random.nextInt(1000), y = 100 + random.nextInt(500);
            for (int k = 0; k < sizes.get(i); k++) {
                Instant t = starts.get(i).plusMillis(200L * k);
                long frame = t.toEpochMilli() / 100; // 10 fps since the epoch: frame numbers grow with time per camera
                String faceId = camera + ":" + frame + ":" + (sequence[cam] % 1000);
                faces.add(new SyntheticFace(faceId, around(centre, SIGMA), crop, t, frame, 0.5f + 0.45f * random.nextFloat(),
                        0.8f + 0.19f * random.nextFloat(), new BoundingBox(x + 4 * k, y, 110f, 130f)));
                faceIds.add(faceId);
            }
            tracks.add(new Track(trackId, camera, person == null ? null : person.getPersonId(), faces));
            if (person != null) {
                // one alert per POI and track, with the pipeline's default cooldown of 60 s per POI and camera
                SyntheticFace first = faces.get(0);
                String cooldownKey = person.getPersonId() + "|" + camera;
                Instant last = lastAlert.get(cooldownKey);
                if (last != null && Duration.between(last, first.time()).getSeconds() < 60) continue;
                lastAlert.put(cooldownKey, first.time());
                int previous = alertsPerPoi.merge(person.getPersonId(), 1, Integer::sum) - 1;
                double similarity = -1;
                for (ReferenceFace r : person.getFaces()) similarity = Math.max(similarity, Embeddings.cosine(Embeddings.toArray(r.getEmbedding()), first.embedding()));
                alerts.add(PoiAlert.newBuilder().setAlertId(person.getPersonId() + ":" + trackId).setPoiId(person.getPersonId())
                        .setPoiName(person.getName()).setSeverity(person.getWatchlist().getSeverity()).setNotes(person.getWatchlist().getNotes())
                        .setEnrolledAt(person.getWatchlist().getEnrolledAt()).setPreviousMatchCount(previous).setCameraId(camera)
                        .setSourceId(camera).setTrackId(trackId).setTimestamp(first.time()).setConfidence(first.score())
                        .setSimilarity((float) similarity).setBbox(first.box()).setFrameNumber(first.frame())
                        .setFrameRef("frame/" + camera + ":" + first.frame()).setThumbnailRef(first.faceId()).build());
            }
        }
        String last = faceIds.get(faceIds.size() - 1);
        return new Dataset(people, tracks, alerts, faceIds, real.get(0).photoJpeg(), real.get(1).photoJpeg(),
                people.get(0).getPersonId(), strangerCount, real.size(), last, modelId);
    }

    /** The face with a margin around it, as a JPEG: what a user uploads to search or enrol. */
    private static byte[] sprite(BufferedImage image, DetectedFace f) throws Exception {
        float margin = 0.6f * f.box().width();
        int x = (int) Math.max(0, f.box().x1() - margin), y = (int) Math.max(0, f.box().y1() - margin);
        int w = (int) Math.min(image.getWidth() - x, f.box().width() + 2 * margin);
        int h = (int) Math.min(image.getHeight() - y, f.box().height() + 2 * margin);
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        rgb.createGraphics().drawImage(image.getSubimage(x, y, w, h), 0, 0, null);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", jpeg);
        return jpeg.toByteArray();
    }

    private static float[] embedLargest(FaceAnalyzer analyzer, byte[] jpeg) throws Exception {
        DetectedFace f = analyzer.analyze(jpeg).stream().max(Comparator.comparingDouble(d -> d.box().area()))
                .orElseThrow(() -> new IllegalStateException("no face in a query photo"));
        return analyzer.embed(f.aligned());
    }

    /** normalize(v + scale * a random unit direction). */
    private float[] around(float[] v, double scale) {
        double[] g = new double[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            g[i] = random.nextGaussian();
            norm += g[i] * g[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[DIM];
        for (int i = 0; i < DIM; i++) out[i] = (float) (v[i] + scale * g[i] / norm);
        return Embeddings.normalise(out);
    }


    // ---- the product as a child process ----

    private record Server(Process process, String apiUrl, String bootstrap, String registryUrl, String adminKey, Path log, String ports) {
    }

    /** On free ports; a reused data dir gets the ports it was made with (the embedded broker's metadata names them). */
    private Server startServer(Path dataDir, java.util.Properties saved) throws Exception {
        Files.createDirectories(dataDir);
        StandaloneChild.Ports ports;
        if (saved.getProperty("ports") != null) {
            int[] p = Arrays.stream(saved.getProperty("ports").split(",")).mapToInt(Integer::parseInt).toArray();
            ports = new StandaloneChild.Ports(p[0], p[1], p[2], p[3]);
        } else {
            ports = StandaloneChild.Ports.free();
        }
        Path log = work.resolve("standalone.log");
        long t0 = System.nanoTime();
        // every client thread shares one address: the per-client rate limit would measure itself
        Process process = StandaloneChild.start(System.getProperty("java.class.path"), dataDir, ports, List.of(),
                List.of("api.limits.requests.per.second=0"), log);
        String key = Files.readString(dataDir.resolve("api-admin-key")).strip();
        out.printf("server: facestream standalone, pid %d, ready in %.1f s (API http://127.0.0.1:%d, Kafka localhost:%d)%n",
                process.pid(), (System.nanoTime() - t0) / 1e9, ports.api(), ports.kafka());
        return new Server(process, "http://127.0.0.1:" + ports.api(), "localhost:" + ports.kafka(), "http://localhost:" + ports.registry(),
                key, log, ports.kafka() + "," + ports.controller() + "," + ports.registry() + "," + ports.api());
    }

    // ---- loading ----

    /** Loads the data; returns a one-line summary of how long it took. */
    private String load(Server server, Client client, Dataset data) throws Exception {
        String resolution = APP_ID + "-" + FacestreamTopology.RESOLUTION_TOPIC + "-repartition";
        String alertsHop = APP_ID + "-catalog-alerts-single-repartition";
        // the pipeline creates its internal topics when it starts running
        awaitTrue("the pipeline running with its internal topics", Duration.ofMinutes(3), () -> {
            JsonNode status = client.json("/api/v1/status");
            if (status == null || !"running".equals(status.path("pipeline_state").asText())) return false;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap()))) {
                var names = admin.listTopics().names().get();
                return names.contains(resolution) && names.contains(alertsHop);
            } catch (Exception e) {
                return false;
            }
        });
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(server.registryUrl()));
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.ACKS_CONFIG, "all");

        long t0 = System.nanoTime();
        try (KafkaProducer<String, Person> producer = new KafkaProducer<>(config, new StringSerializer(), serdes.of(Person.class).serializer())) {
            for (Person p : data.people()) producer.send(new ProducerRecord<>(Topics.PEOPLE, p.getPersonId(), p));
            producer.flush();
        }
        awaitTrue("the gallery holding every POI", Duration.ofMinutes(5),
                () -> client.json("/api/v1/status") instanceof JsonNode s && s.path("people").asInt() >= data.people().size());
        double peopleSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf("load: %,d POIs written to %s and in the gallery after %.1f s%n", data.people().size(), Topics.PEOPLE, peopleSeconds);

        long t1 = System.nanoTime();
        long records = 0;
        try (KafkaProducer<String, ResolutionInput> inputs = new KafkaProducer<>(config, new StringSerializer(),
                serdes.of(ResolutionInput.class).serializer());
             KafkaProducer<String, PoiAlert> alerts = new KafkaProducer<>(config, new StringSerializer(), serdes.of(PoiAlert.class).serializer())) {
            for (Track track : data.tracks()) {
                for (ResolutionInput in : inputs(track, data.modelId())) {
                    inputs.send(new ProducerRecord<>(resolution, track.camera(), in));
                    records++;
                }
            }
            for (PoiAlert alert : data.alerts()) {
                alerts.send(new ProducerRecord<>(alertsHop, alert.getPoiId(), alert));
                alerts.send(new ProducerRecord<>(Topics.POI_ALERTS, alert.getPoiId(), alert));
            }
            inputs.flush();
            alerts.flush();
        }
        double produced = (System.nanoTime() - t1) / 1e9;
        out.printf("load: %,d resolution records (track events and face embeddings) and %,d alerts produced in %.1f s%n",
                records, data.alerts().size(), produced);
        double caughtUp = awaitLoaded(client, data, t1);
        out.printf("load: every face in the faces view and the vector store, every alert in its view, after %.1f s (%.0f faces/s through identity resolution)%n",
                caughtUp, data.faceIds().size() / caughtUp);
        return String.format("%,d POIs in the gallery after %.1f s; %,d faces in the faces view and vector store and %,d alerts in their view %.1f s after"
                + " the first record (%.0f faces/s)", data.people().size(), peopleSeconds, data.faceIds().size(), data.alerts().size(), caughtUp,
                data.faceIds().size() / caughtUp);
    }

    /**
     * After a restart on a kept data dir the people view is whole but the in-memory gallery is not: GalleryUpdater
     * fills the gallery only from the records it processes, and Kafka Streams does not replay what the global store
     * already holds (up to its checkpoint). The product then recognises no POI (stage 1 of the search finds none).
     * Until that is fixed, the bench writes the same people again, which the updater does process, and says so.
     */
    private void refillGallery(Server server, Client client, Dataset data) throws Exception {
        awaitTrue("the pipeline running", Duration.ofMinutes(3), () -> client.json("/api/v1/status") instanceof JsonNode s
                && "running".equals(s.path("pipeline_state").asText()));
        Thread.sleep(5000);
        JsonNode status = client.json("/api/v1/status");
        int gallery = status == null ? -1 : status.path("people").asInt();
        if (gallery >= data.people().size()) return;
        out.printf("restart: the gallery holds %d of %d people 5 s after the pipeline is running (people view: %d POIs);"
                        + " a restored global store is not replayed through GalleryUpdater, so the people are written again%n",
                gallery, data.people().size(), status == null ? -1 : status.path("pois").asInt());
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(server.registryUrl()));
        try (KafkaProducer<String, Person> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), serdes.of(Person.class).serializer())) {
            for (Person p : data.people()) producer.send(new ProducerRecord<>(Topics.PEOPLE, p.getPersonId(), p));
            producer.flush();
        }
        awaitTrue("the gallery holding every POI", Duration.ofMinutes(5),
                () -> client.json("/api/v1/status") instanceof JsonNode s && s.path("people").asInt() >= data.people().size());
    }

    /** Waits until the views and the vector store hold the whole load; returns seconds since {@code t1}. */
    private double awaitLoaded(Client client, Dataset data, long t1) throws Exception {
        long distinct = data.faceIds().stream().distinct().count();
        long alertCount = data.alerts().size();
        AtomicLong lastReport = new AtomicLong(System.nanoTime());
        AtomicLong lastCount = new AtomicLong();
        awaitTrue("identity resolution to store every face", Duration.ofMinutes(90), () -> {
            JsonNode s = client.json("/api/v1/status");
            if (s == null) return false;
            long vectors = s.path("faiss_vectors").asLong();
            long now = System.nanoTime();
            if (now - lastReport.get() > 30e9) {
                out.printf("  ... after %.0f s: %,d of %,d faces in the vector store (%.0f/s lately), %,d alerts in the view%n",
                        (now - t1) / 1e9, vectors, distinct, (vectors - lastCount.get()) / ((now - lastReport.get()) / 1e9),
                        s.path("recent_alerts").asLong());
                lastReport.set(now);
                lastCount.set(vectors);
            }
            if (vectors < distinct || s.path("recent_alerts").asLong() < alertCount) return false;
            JsonNode face = client.json("/api/faces/" + URLEncoder.encode(data.lastFaceId(), StandardCharsets.UTF_8).replace("+", "%20"));
            return face != null && !face.path("person_id").isNull();
        });
        return (System.nanoTime() - t1) / 1e9;
    }

    /** A track as the tracking side writes it: started, its first face, an update that resolves it, the other faces, ended. */
    private static List<ResolutionInput> inputs(Track track, String modelId) {
        List<ResolutionInput> out = new ArrayList<>();
        List<SyntheticFace> faces = track.faces();
        out.add(ResolutionInput.newBuilder().setEvent(event(track, TrackEventType.STARTED, 1, List.of())).build());
        for (int k = 0; k < faces.size(); k++) {
            SyntheticFace f = faces.get(k);
            out.add(ResolutionInput.newBuilder().setEmbedding(StoredEmbeddings.withEmbedding(FaceEmbedding.newBuilder(), f.embedding())
                    .setCropId(f.faceId()).setSourceId(track.camera()).setTrackId(track.trackId()).setTimestamp(f.time()).setModelId(modelId)
                    .setQuality(f.quality()).setSourceKind(SourceKind.CAMERA).setCameraId(track.camera()).setFrameNumber(f.frame())
                    .setBbox(f.box()).setDetectionScore(f.score()).setFrameRef("frame/" + track.camera() + ":" + f.frame()).build())
                    .setCropJpeg(java.nio.ByteBuffer.wrap(f.cropJpeg())).build());
            if (k == 0) {
                out.add(ResolutionInput.newBuilder().setEvent(event(track, TrackEventType.UPDATED, 1,
                        List.of(f.faceId()))).build());
            }
        }
        out.add(ResolutionInput.newBuilder().setEvent(event(track, TrackEventType.ENDED, faces.size(),
                faces.stream().map(SyntheticFace::faceId).toList())).build());
        return out;
    }

    private static TrackEvent event(Track track, TrackEventType type, int count, List<String> embedded) {
        List<SyntheticFace> faces = track.faces();
        SyntheticFace first = faces.get(0), last = faces.get(count - 1);
        SyntheticFace best = faces.subList(0, count).stream().max(Comparator.comparingDouble(SyntheticFace::quality)).orElseThrow();
        return TrackEvent.newBuilder().setTrackId(track.trackId()).setSourceId(track.camera()).setSourceKind(SourceKind.CAMERA)
                .setCameraId(track.camera()).setType(type).setTimestamp(type == TrackEventType.ENDED ? last.time().plusSeconds(1) : last.time())
                .setFirstSeen(first.time()).setLastSeen(last.time()).setFirstFrame(first.frame()).setLastFrame(last.frame())
                .setBbox(last.box()).setFaceCount(count).setBestCropId(best.faceId()).setBestQuality(best.quality())
                .setBestCropRef(best.faceId()).setBestFrameRef("frame/" + track.camera() + ":" + best.frame())
                .setEmbeddedCropIds(embedded).build();
    }

    private void awaitTrue(String what, Duration timeout, Supplier<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("gave up waiting for " + what + " after " + timeout);
            Thread.sleep(500);
        }
    }

    // ---- HTTP ----

    private static final class Client {
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        final String base;
        final String key;

        Client(String base, String key) {
            this.base = base;
            this.key = key;
        }

        HttpRequest get(String path) {
            return HttpRequest.newBuilder(URI.create(base + path)).header("X-API-Key", key).timeout(Duration.ofSeconds(60)).GET().build();
        }

        HttpRequest post(String path, String contentType, byte[] body) {
            return HttpRequest.newBuilder(URI.create(base + path)).header("X-API-Key", key).header("Content-Type", contentType)
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        }

        /** The body of a GET as JSON, or null for an error status or no answer. */
        JsonNode json(String path) {
            try {
                HttpResponse<byte[]> r = http.send(get(path), HttpResponse.BodyHandlers.ofByteArray());
                return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
            } catch (Exception e) {
                return null;
            }
        }

        JsonNode json(HttpRequest request) throws Exception {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IllegalStateException(request.uri() + " answered " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
            return JSON.readTree(r.body());
        }
    }

    private static final String BOUNDARY = "facestream-bench-boundary";

    private static byte[] multipartImage(byte[] jpeg) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"query.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(jpeg);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    // ---- measuring ----

    private record Endpoint(String name, Supplier<HttpRequest> request) {
    }

    private record Row(String endpoint, int clients, long requests, long errors, double perSecond, double p50, double p99) {
    }

    private void measure(Client client, Dataset data) throws Exception {
        List<String> faceIds = data.faceIds();
        String multipart = "multipart/form-data; boundary=" + BOUNDARY;
        byte[] poiSearch = multipartImage(data.poiQuery()), strangerSearch = multipartImage(data.strangerQuery());
        Supplier<String> randomFace = () -> "/api/faces/"
                + URLEncoder.encode(faceIds.get(ThreadLocalRandom.current().nextInt(faceIds.size())), StandardCharsets.UTF_8).replace("+", "%20");

        // what each endpoint answers on this data, once, so the figures below are known to be of real answers
        JsonNode poiResult = client.json(client.post("/api/v1/search", multipart, poiSearch));
        JsonNode strangerResult = client.json(client.post("/api/v1/search", multipart, strangerSearch));
        JsonNode alerts = client.json(client.get("/api/v1/alerts"));
        JsonNode pois = client.json(client.get("/api/v1/poi"));
        JsonNode status = client.json(client.get("/api/v1/status"));
        out.printf("answers: GET /api/v1/alerts %d alerts; GET /api/v1/poi %d POIs; status: %d vectors, %d people, %d alerts in the view%n",
                alerts.size(), pois.size(), status.path("faiss_vectors").asLong(), status.path("people").asInt(),
                status.path("recent_alerts").asLong());
        JsonNode identities = client.json(client.get("/api/identities?limit=1"));
        JsonNode groups = client.json(client.get("/api/face-groups?max_samples=2000&max_members=10"));
        JsonNode seedPage = client.json(client.get("/api/v1/identities"));
        JsonNode seedSearch = client.json(client.get("/api/v1/identities/search?q=poi%201"));
        out.printf("answers: GET /api/v1/identities: %d identities, %d on the page; /api/v1/identities/search?q=poi 1: %d identities%n",
                seedPage.path("count").asInt(), seedPage.path("identities").size(), seedSearch.path("count").asInt());
        out.printf("answers: GET /api/identities: %d identities; GET /api/face-groups: %d groups of %d faces%n",
                identities.path("total").asInt(), groups.path("total_groups").asInt(), groups.path("total_samples").asInt());
        out.printf("answers: search with POI 0's photo: stage %s, matched %s (expected %s), %d appearances;"
                        + " with the stranger's photo: stage %s, %d vectors searched, %d raw hits, %d tracks%n",
                poiResult.path("search_stats").path("search_stage").asText(), poiResult.path("matched_poi_id").asText(null),
                data.poiQueryId(), poiResult.path("total_appearances").asInt(),
                strangerResult.path("search_stats").path("search_stage").asText(),
                strangerResult.path("search_stats").path("vectors_searched").asLong(),
                strangerResult.path("search_stats").path("raw_hits").asInt(), strangerResult.path("total_appearances").asInt());

        List<Endpoint> everyEndpoint = List.of(
                new Endpoint("GET /health (baseline: no view)", () -> client.get("/health")),
                new Endpoint("GET /api/v1/alerts", () -> client.get("/api/v1/alerts")),
                new Endpoint("GET /api/v1/poi", () -> client.get("/api/v1/poi")),
                new Endpoint("GET /api/faces/{id}", () -> client.get(randomFace.get())),
                new Endpoint("GET /api/faces/{id}?include=cluster_assignment", () -> client.get(randomFace.get() + "?include=cluster_assignment")),
                new Endpoint("POST /api/v1/search, stage 1 (POI photo)", () -> client.post("/api/v1/search", multipart, poiSearch)),
                new Endpoint("POST /api/v1/search, stage 2 (stranger photo)", () -> client.post("/api/v1/search", multipart, strangerSearch)),
                new Endpoint("GET /api/identities (first page of 100)", () -> client.get("/api/identities")),
                new Endpoint("GET /api/identities/analytics", () -> client.get("/api/identities/analytics")),
                new Endpoint("GET /api/face-groups (2 000 newest faces)", () -> client.get("/api/face-groups?max_samples=2000&max_members=10")),
                new Endpoint("GET /api/v1/identities (seed 000, first page of 20)", () -> client.get("/api/v1/identities")),
                new Endpoint("GET /api/v1/identities/search?q=poi 1 (seed 000)", () -> client.get("/api/v1/identities/search?q=poi%201")));
        List<Endpoint> endpoints = new ArrayList<>();
        endpoints.add(everyEndpoint.get(0));
        for (Endpoint e : everyEndpoint.subList(1, everyEndpoint.size())) {
            if (settings.only().isEmpty() || settings.only().stream().anyMatch(e.name()::contains)) endpoints.add(e);
        }
        List<Row> rows = new ArrayList<>();
        for (int clients : settings.clients()) {
            for (Endpoint e : endpoints) {
                drive(client, e, clients, settings.warmupSeconds());
                Row row = drive(client, e, clients, settings.seconds());
                rows.add(row);
                out.printf("  %s, %d clients: %,d requests, %.1f/s, p50 %.2f ms, p99 %.2f ms%s%n", row.endpoint(), clients, row.requests(),
                        row.perSecond(), row.p50(), row.p99(), row.errors() > 0 ? ", " + row.errors() + " errors" : "");
            }
        }
        out.printf("load average %.1f at the end of the measurements%n", loadAverage());
        Map<Integer, Double> baseline = new LinkedHashMap<>();
        for (Row r : rows) if (r.endpoint().equals(endpoints.get(0).name())) baseline.put(r.clients(), r.perSecond());
        out.println();
        out.println("| endpoint | clients | requests | errors | requests/s | p50 ms | p99 ms | requests/s vs /health |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            out.printf("| %s | %d | %,d | %d | %,.1f | %.2f | %.2f | x%.3f |%n", r.endpoint(), r.clients(), r.requests(), r.errors(),
                    r.perSecond(), r.p50(), r.p99(), r.perSecond() / baseline.get(r.clients()));
        }
    }

    /** {@code clients} threads send requests back to back for {@code seconds}; latency is send to the whole body read. */
    private Row drive(Client client, Endpoint endpoint, int clients, int seconds) throws Exception {
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        long[] errors = new long[clients];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] window = new long[2];
        for (int c = 0; c < clients; c++) {
            int id = c;
            latencies[id] = new long[1024];
            threads.add(Thread.ofPlatform().name("bench-api-client-" + c).start(() -> {
                try {
                    start.await();
                    long end = window[1];
                    while (System.nanoTime() < end) {
                        HttpRequest request = endpoint.request().get();
                        long t0 = System.nanoTime();
                        int code;
                        try {
                            code = client.http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
                        } catch (Exception e) {
                            code = -1;
                        }
                        long took = System.nanoTime() - t0;
                        if (code != 200) errors[id]++;
                        if (counts[id] == latencies[id].length) latencies[id] = Arrays.copyOf(latencies[id], counts[id] * 2);
                        latencies[id][counts[id]++] = took;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        window[0] = System.nanoTime();
        window[1] = window[0] + Duration.ofSeconds(seconds).toNanos();
        start.countDown();
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - window[0]) / 1e9;
        int total = 0;
        for (int n : counts) total += n;
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(latencies[c], 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        long errorCount = 0;
        for (long e : errors) errorCount += e;
        return new Row(endpoint.name(), clients, total, errorCount, total / elapsed, percentile(all, 50), percentile(all, 99));
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
