package io.facestream.app.bench;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.FacestreamTopology;
import io.facestream.vectors.bench.SyntheticFaces;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * {@code facestream bench resolution}: identity resolution's own throughput, in embedded faces per second. The product
 * ({@code facestream standalone}) runs as a child process on a fresh data dir and free ports; the bench writes what the
 * tracking and embedding side would (track events and face embeddings, {@link ResolutionInput}) straight onto identity
 * resolution's one-partition hop and reads the sightings it publishes (read committed). A phase's figure is its faces
 * divided by the time from its first record written to its last track's final sighting read: everything identity
 * resolution does per face is in it (the faces view with the crop, the vector store, the identity's exemplars and
 * centroid, the read indexes, the changelogs and the exactly-once commits).
 *
 * <p>Phases, on one product: a warm-up (not measured), "empty store" (tracks of new people and of people seen earlier in
 * the phase), a fill to {@code identities} identities (tracks of one face each, each a new person), then "at N
 * identities" (half the tracks of people seen in the fill, half new). With {@code baselineClasspath} another build is
 * measured first the same way, on the same records: identity ids derive from face ids, so each phase's digest of
 * (track, identity) pairs must be the same for both builds, which checks that the decisions did not change.
 */
public final class ResolutionBenchmark {
    /** @param baselineClasspath another build's classpath (its app jar and lib), measured first; null: none */
    public record Settings(int identities, int tracks, int facesPerTrack, String baselineClasspath, List<String> childOptions,
                           List<String> sets) {
    }

    /** @param cpuSeconds the product's CPU time (every thread, user and system) over the phase */
    private record Phase(String name, double seconds, int faces, int tracks, long newIdentities, String digest, double cpuSeconds) {
        double facesPerSecond() {
            return faces / seconds;
        }

        double cpuMillisPerFace() {
            return cpuSeconds * 1000 / faces;
        }
    }

    /**
     * @param topicBytes what the broker holds per topic at the end (its log segments), every phase's records and the
     *                   warm-up's; {@code faces} of them in all
     */
    private record Result(String label, List<Phase> phases, Map<String, Long> topicBytes, int faces) {
    }

    private static final String APP_ID = "facestream-topologies";
    private static final int DIMENSION = 512;

    private final PrintStream out;
    private final Settings settings;
    private final byte[] cropJpeg;

    private ResolutionBenchmark(PrintStream out, Settings settings) throws Exception {
        this.out = out;
        this.settings = settings;
        this.cropJpeg = crop();
    }

    public static void run(PrintStream out, Settings settings) throws Exception {
        new ResolutionBenchmark(out, settings).run();
    }

    private void run() throws Exception {
        out.printf("machine: %d cores, Java %s; load average %.1f at start; %d tracks of %d faces per measured phase, fill to %,d identities;"
                        + " crop JPEG %,d bytes per face%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                loadAverage(), settings.tracks(), settings.facesPerTrack(), settings.identities(), cropJpeg.length);
        List<Result> results = new ArrayList<>();
        if (settings.baselineClasspath() != null) results.add(measure("baseline", settings.baselineClasspath()));
        results.add(measure("this build", System.getProperty("java.class.path")));
        out.printf("load average %.1f at the end%n%n", loadAverage());
        out.println("| build | phase | faces | tracks | new identities | seconds | faces/s | vs baseline | product CPU ms/face | vs baseline | decisions digest |");
        out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Result r : results) {
            for (int i = 0; i < r.phases().size(); i++) {
                Phase p = r.phases().get(i);
                Phase base = results.get(0).phases().get(i);
                out.printf("| %s | %s | %,d | %,d | %,d | %.1f | %,.0f | x%.2f | %.2f | x%.2f | %s |%n", r.label(), p.name(), p.faces(), p.tracks(),
                        p.newIdentities(), p.seconds(), p.facesPerSecond(), p.facesPerSecond() / base.facesPerSecond(),
                        p.cpuMillisPerFace(), p.cpuMillisPerFace() / base.cpuMillisPerFace(), p.digest());
            }
        }
        out.println();
        out.println("What the broker holds per face at the end, by topic (log segments; every phase and the warm-up):");
        out.println();
        out.println("| topic | " + String.join(" | ", results.stream().map(r -> r.label() + " KB/face").toList()) + " |");
        out.println("|---|" + "---:|".repeat(results.size()));
        TreeMap<String, Long> order = new TreeMap<>();
        for (Result r : results) r.topicBytes().forEach((topic, bytes) -> order.merge(topic, bytes, Math::max));
        int fewest = results.stream().mapToInt(Result::faces).min().orElse(1);
        order.entrySet().stream().filter(e -> e.getValue() * 200 >= 1024L * fewest) // 0.005 KB/face and more
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).forEach(e -> {
            StringBuilder row = new StringBuilder("| " + e.getKey());
            for (Result r : results) row.append(String.format(" | %.2f", r.topicBytes().getOrDefault(e.getKey(), 0L) / 1024.0 / r.faces()));
            out.println(row + " |");
        });
        StringBuilder total = new StringBuilder("| all topics");
        for (Result r : results) total.append(String.format(" | %.2f", r.topicBytes().values().stream().mapToLong(Long::longValue).sum() / 1024.0 / r.faces()));
        out.println(total + " |");
        if (results.size() == 2) {
            boolean same = true;
            for (int i = 0; i < results.get(0).phases().size(); i++) {
                same &= results.get(0).phases().get(i).digest().equals(results.get(1).phases().get(i).digest());
            }
            out.println(same ? "decisions: the same identity for every track in both builds"
                    : "decisions: DIFFERENT identities for some tracks between the builds");
        }
    }

    // ---- one build ----

    private Result measure(String label, String classpath) throws Exception {
        Path dataDir = Files.createTempDirectory("facestream-bench-resolution");
        StandaloneChild.Ports ports = StandaloneChild.Ports.free();
        Process process = start(dataDir, classpath, ports);
        String bootstrap = "localhost:" + ports.kafka();
        try {
            String hop = APP_ID + "-" + FacestreamTopology.RESOLUTION_TOPIC + "-repartition";
            awaitTopic(bootstrap, hop, process);
            AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(registryUrl));
            Map<String, Sighting> finals = new ConcurrentHashMap<>();
            Map<String, Long> arrivals = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().daemon().name("bench-resolution-sightings").start(() -> read(bootstrap, serdes, finals, arrivals, stop));
            Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            List<Phase> phases = new ArrayList<>();
            int faces;
            Map<String, Long> bytes;
            try (KafkaProducer<String, ResolutionInput> producer = new KafkaProducer<>(config, new StringSerializer(),
                    serdes.of(ResolutionInput.class).serializer())) {
                Workload load = new Workload(20261130L);
                Phase warm = phase(label, "warm-up", load.tracks("w", 100, settings.facesPerTrack(), 0.5), producer, hop, finals, arrivals, process);
                Phase empty = phase(label, "empty store", load.tracks("e", settings.tracks(), settings.facesPerTrack(), 0.5), producer, hop, finals, arrivals, process);
                int fill = Math.max(0, settings.identities() - load.people());
                int mark = load.people();
                Phase filled = phase(label, "fill to " + settings.identities() + " identities", load.tracks("f", fill, 1, 0), producer, hop, finals, arrivals, process);
                load.knownFrom(mark);
                Phase full = phase(label, "at " + load.people() + " identities", load.tracks("m", settings.tracks(), settings.facesPerTrack(), 0.5),
                        producer, hop, finals, arrivals, process);
                phases.addAll(List.of(empty, filled, full));
                if (warm.tracks() == 0) throw new IllegalStateException("no warm-up");
                faces = warm.faces() + empty.faces() + filled.faces() + full.faces();
                bytes = topicBytes(dataDir);
                // A restart on the same data dir: identity resolution indexes every identity again from its stores
                // before its first decision; then tracks of people seen before, whose decisions are compared too.
                StandaloneChild.stop(process);
                long restartAt = System.nanoTime();
                process = start(dataDir, classpath, ports);
                List<Track> again = load.tracks("r", 10, settings.facesPerTrack(), 1.0);
                Phase restarted = phase(label, "after a restart (10 tracks of people seen before)", again, producer, hop, finals, arrivals, process);
                phases.add(restarted);
                long first = again.stream().mapToLong(t -> arrivals.get(t.trackId())).min().orElseThrow();
                out.printf("%s: restarted on its data: the first final sighting %.1f s after the restart began; %s%n", label,
                        (first - restartAt) / 1e9, indexedLine(dataDir));
            } finally {
                stop.set(true);
                reader.join(10_000);
            }
            return new Result(label, phases, bytes, faces);
        } finally {
            StandaloneChild.stop(process);
            deleteTree(dataDir);
        }
    }

    private Phase phase(String label, String name, List<Track> tracks, KafkaProducer<String, ResolutionInput> producer, String hop,
                        Map<String, Sighting> finals, Map<String, Long> arrivals, Process process) throws Exception {
        int faces = tracks.stream().mapToInt(t -> t.faces().size()).sum();
        double cpu0 = cpuSeconds(process);
        long t0 = System.nanoTime();
        for (Track track : tracks) {
            for (ResolutionInput in : track.inputs(label.equals("baseline"))) producer.send(new ProducerRecord<>(hop, track.camera(), in));
        }
        producer.flush();
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        long lastReport = System.nanoTime();
        while (true) {
            long done = tracks.stream().filter(t -> finals.containsKey(t.trackId())).count();
            if (done == tracks.size()) break;
            if (!process.isAlive()) throw new IllegalStateException("the product stopped during " + name);
            if (System.nanoTime() > deadline) throw new IllegalStateException("gave up waiting for " + name + ": " + done + " of " + tracks.size());
            if (System.nanoTime() - lastReport > 30e9) {
                out.printf("  %s, %s: %,d of %,d tracks final after %.0f s%n", label, name, done, tracks.size(), (System.nanoTime() - t0) / 1e9);
                lastReport = System.nanoTime();
            }
            Thread.sleep(20);
        }
        double cpu = cpuSeconds(process) - cpu0; // to when the last sighting was read: a few ms past the phase's end
        long end = tracks.stream().mapToLong(t -> arrivals.get(t.trackId())).max().orElse(t0);
        double seconds = (end - t0) / 1e9;
        TreeMap<String, String> decisions = new TreeMap<>();
        long created = 0;
        for (Track t : tracks) {
            String identity = finals.get(t.trackId()).getIdentityId();
            decisions.put(t.trackId(), identity);
            // a new identity's id derives from the first face of the track that made it (IdentityResolver)
            if (identity.equals(UUID.nameUUIDFromBytes(("identity:" + t.faces().get(0).faceId()).getBytes(StandardCharsets.UTF_8)).toString())) created++;
        }
        Phase p = new Phase(name, seconds, faces, tracks.size(), created, digest(decisions), cpu);
        out.printf("%s, %s: %,d faces in %,d tracks in %.1f s: %,.0f faces/s, %.2f CPU ms/face (%,d new identities)%n", label, name, faces,
                tracks.size(), seconds, p.facesPerSecond(), p.cpuMillisPerFace(), created);
        return p;
    }

    private static String digest(TreeMap<String, String> decisions) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        decisions.forEach((k, v) -> sha.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    }

    private static void read(String bootstrap, AvroSerdes serdes, Map<String, Sighting> finals, Map<String, Long> arrivals, AtomicBoolean stop) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG,
                "bench-resolution", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, Sighting> consumer = new KafkaConsumer<>(config, new StringDeserializer(), serdes.of(Sighting.class).deserializer())) {
            consumer.subscribe(List.of(Topics.SIGHTINGS));
            while (!stop.get()) {
                for (var r : consumer.poll(Duration.ofMillis(50))) {
                    Sighting s = r.value();
                    if (s != null && s.getFinal$()) {
                        finals.put(s.getTrackId(), s);
                        arrivals.putIfAbsent(s.getTrackId(), System.nanoTime());
                    }
                }
            }
        }
    }

    // ---- the load ----

    private record Face(String faceId, float[] embedding, Instant time, long frame, float quality) {
    }

    private final class Track {
        private final String trackId;
        private final String camera;
        private final List<Face> faces;

        Track(String trackId, String camera, List<Face> faces) {
            this.trackId = trackId;
            this.camera = camera;
            this.faces = faces;
        }

        String trackId() {
            return trackId;
        }

        String camera() {
            return camera;
        }

        List<Face> faces() {
            return faces;
        }

        /**
         * As the tracking side writes a track: started, its first face, an update that resolves it, the other faces, ended.
         * {@code asBefore}: faces as builds before the float32 embeddings wrote them (the array, the crop inside the
         * embedding), which a baseline from before that change reads, and this build too; else as this build writes them.
         */
        List<ResolutionInput> inputs(boolean asBefore) {
            List<ResolutionInput> in = new ArrayList<>();
            in.add(ResolutionInput.newBuilder().setEvent(event(TrackEventType.STARTED, 1)).build());
            for (int k = 0; k < faces.size(); k++) {
                Face f = faces.get(k);
                FaceEmbedding.Builder face = FaceEmbedding.newBuilder().setCropId(f.faceId()).setSourceId(camera)
                        .setTrackId(trackId).setTimestamp(f.time()).setModelId("bench")
                        .setQuality(f.quality()).setSourceKind(SourceKind.CAMERA).setCameraId(camera).setFrameNumber(f.frame())
                        .setBbox(new BoundingBox(100f, 80f, 112f, 112f)).setDetectionScore(0.9f).setFrameRef("frame/" + camera + ":" + f.frame());
                in.add(asBefore
                        ? ResolutionInput.newBuilder().setEmbedding(StoredEmbeddings.withEmbeddingAsBefore(face, f.embedding())
                                .setCropJpeg(ByteBuffer.wrap(cropJpeg)).build()).build()
                        : ResolutionInput.newBuilder().setEmbedding(StoredEmbeddings.withEmbedding(face, f.embedding()).build())
                                .setCropJpeg(ByteBuffer.wrap(cropJpeg)).build());
                if (k == 0) in.add(ResolutionInput.newBuilder().setEvent(event(TrackEventType.UPDATED, 1)).build());
            }
            in.add(ResolutionInput.newBuilder().setEvent(event(TrackEventType.ENDED, faces.size())).build());
            return in;
        }

        private TrackEvent event(TrackEventType type, int count) {
            Face first = faces.get(0), last = faces.get(count - 1);
            Face best = faces.subList(0, count).stream().max(Comparator.comparingDouble(Face::quality)).orElseThrow();
            return TrackEvent.newBuilder().setTrackId(trackId).setSourceId(camera).setSourceKind(SourceKind.CAMERA)
                    .setCameraId(camera).setType(type).setTimestamp(type == TrackEventType.ENDED ? last.time().plusSeconds(1) : last.time())
                    .setFirstSeen(first.time()).setLastSeen(last.time()).setFirstFrame(first.frame()).setLastFrame(last.frame())
                    .setBbox(new BoundingBox(100f, 80f, 112f, 112f)).setFaceCount(count).setBestCropId(best.faceId())
                    .setBestQuality(best.quality()).setBestCropRef(best.faceId()).setBestFrameRef("frame/" + camera + ":" + best.frame())
                    .setEmbeddedCropIds(faces.subList(0, count).stream().map(Face::faceId).toList()).build();
        }
    }

    /** Face-like embeddings ({@link SyntheticFaces}: same person ~0.6, strangers ~0), L2-normalised, deterministic. */
    private final class Workload {
        private final Random random;
        private final List<float[]> centres = new ArrayList<>();
        private int knownFrom;
        private long frame;
        private Instant time = Instant.parse("2026-11-30T08:00:00Z");

        Workload(long seed) {
            this.random = new Random(seed);
        }

        int people() {
            return centres.size();
        }

        /** Returning people are drawn from index {@code from} on. */
        void knownFrom(int from) {
            knownFrom = from;
        }

        /** {@code count} tracks; each is of a person seen before with probability {@code returning}, else of a new person. */
        List<Track> tracks(String prefix, int count, int facesPerTrack, double returning) {
            List<Track> tracks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int person;
                if (centres.size() > knownFrom && random.nextDouble() < returning) {
                    person = knownFrom + random.nextInt(centres.size() - knownFrom);
                } else {
                    centres.add(SyntheticFaces.randomUnit(random, DIMENSION));
                    person = centres.size() - 1;
                }
                String camera = "bench-cam-" + (i % 8);
                List<Face> faces = new ArrayList<>();
                for (int k = 0; k < facesPerTrack; k++) {
                    frame++;
                    time = time.plusMillis(100);
                    float[] v = Embeddings.normalise(SyntheticFaces.near(centres.get(person), SyntheticFaces.NOISE, random));
                    faces.add(new Face(camera + ":" + frame + ":0", v, time, frame, 0.5f + 0.4f * random.nextFloat()));
                }
                tracks.add(new Track(prefix + "-" + i + "-" + person, camera, faces));
            }
            return tracks;
        }
    }

    /** A 112x112 JPEG of about the size of a real face crop (a smooth gradient with noise). */
    private static byte[] crop() throws Exception {
        BufferedImage image = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int g = Math.min(255, Math.max(0, 90 + x + y / 2 + (int) (random.nextGaussian() * 12)));
                image.setRGB(x, y, (Math.min(255, g + 40) << 16) | (g << 8) | Math.max(0, g - 30));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", bytes);
        return bytes.toByteArray();
    }

    // ---- the product as a child process ----

    private String registryUrl;

    private Process start(Path dataDir, String classpath, StandaloneChild.Ports ports) throws Exception {
        registryUrl = "http://localhost:" + ports.registry();
        long t0 = System.nanoTime();
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        Process process = StandaloneChild.start(classpath, dataDir, ports, settings.childOptions(), settings.sets(), log);
        out.printf("%s: facestream standalone, pid %d, ready in %.1f s (log %s)%n", classpath.equals(System.getProperty("java.class.path"))
                ? "this build" : "baseline", process.pid(), (System.nanoTime() - t0) / 1e9, log);
        return process;
    }

    /** The pipeline creates its internal topics when it starts running. */
    private static void awaitTopic(String bootstrap, String topic, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (!admin.listTopics().names().get().contains(topic)) {
                if (!process.isAlive() || System.nanoTime() > deadline) throw new IllegalStateException("no topic " + topic + " from the pipeline");
                Thread.sleep(500);
            }
        }
    }

    /**
     * The product's CPU time so far, all its threads: what a face costs whatever else the machine runs, where the wall
     * time of a phase also counts the time other processes held the cores.
     */
    private static double cpuSeconds(Process process) {
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("this OS does not report a process's CPU time"))
                .toNanos() / 1e9;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The product's own line on how long identity resolution took to index its identities at start (builds that log it). */
    private static String indexedLine(Path dataDir) throws IOException {
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("identity resolution: indexed")).reduce((a, b) -> b)
                    .map(l -> l.substring(l.indexOf("identity resolution: indexed"))).orElse("(no indexing line in its log)");
        }
    }

    /**
     * Bytes of the log segments ({@code *.log}) of every topic partition under the data dir, by topic. The product is
     * still running: a file that goes while the tree is walked (the vector store's temporary files) is passed over.
     */
    private static Map<String, Long> topicBytes(Path dataDir) throws Exception {
        Map<String, Long> bytes = new TreeMap<>();
        Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                String partition = file.getParent().getFileName().toString();
                if (attributes.isRegularFile() && file.getFileName().toString().endsWith(".log") && partition.matches(".+-\\d+")) {
                    bytes.merge(partition.substring(0, partition.lastIndexOf('-')), attributes.size(), Long::sum);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException gone) {
                return FileVisitResult.CONTINUE;
            }
        });
        return bytes;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a temp dir left behind is harmless
        }
    }
}
