package io.facestream.app;

import io.facestream.api.StaleReads;
import io.facestream.app.bench.SamplePoi;
import io.facestream.app.config.Config;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.testkit.KafkaCluster;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover, proven: a three-node KRaft cluster (each node its own process) with every topic replicated three
 * times, and two facestream instances of one application (one a {@code facestream api} process, the other in
 * this JVM). In the middle of a real-time replay whose source the process instance is working on, that process
 * and the broker leading the source's partition are killed (SIGKILL). The surviving instance keeps answering
 * queries, from its standby copies of the dead one's views (topologies.standby.replicas) until the group gives up
 * on the dead one (topologies.session.timeout.ms) and it has taken them over; every POI alert and final sighting
 * of the replay is on its topic exactly once. {@code -Dfacestream.failover.standbys=0} measures the failover
 * without standbys, {@code -Dfacestream.failover.broker.session.ms=N} with a shorter broker session.
 */
@Tag("failover") // five JVMs and a real-time replay: about 2 min on a loaded machine; run by ./run-tests -Dfacestream.test.excludedGroups=
class FailoverTest {
    private static final String KEY = "failover-admin-key";
    private static final int PARTITIONS = 2;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    private static final double FPS = 10;
    /** topologies.standby.replicas of both instances: 0 measures the failover without a warm copy to answer from. */
    private static final int STANDBYS = Integer.getInteger("facestream.failover.standbys", 1);
    /**
     * The brokers' {@code broker.session.timeout.ms} (heartbeats every quarter of it): how long the controller waits
     * before it fences a silent broker, and so how long the group has no coordinator when that broker was it.
     * 0: Kafka's defaults (9 s, heartbeats every 2 s).
     */
    private static final int BROKER_SESSION_MS = Integer.getInteger("facestream.failover.broker.session.ms", 0);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void killingABrokerAndAnInstanceMidReplayLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        long began = System.nanoTime();
        Map<String, String> brokerSettings = BROKER_SESSION_MS == 0 ? Map.of() : Map.of("broker.session.timeout.ms", String.valueOf(BROKER_SESSION_MS),
                "broker.heartbeat.interval.ms", String.valueOf(BROKER_SESSION_MS / 4));
        try (KafkaCluster kafka = KafkaCluster.start(3, dir.resolve("kafka"), brokerSettings)) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicProvisioner.ensure(admin, Topics.catalog(PARTITIONS, (short) 3));
            }
            try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(bootstrap, Topics.SCHEMAS, "localhost", 0)) {
                String registryUrl = "http://localhost:" + registry.port();
                String appId = "failover-" + System.nanoTime();
                Map<String, String> common = new HashMap<>(Map.of(
                        "kafka.bootstrap.servers", bootstrap, "registry.url", registryUrl,
                        "topics.partitions", String.valueOf(PARTITIONS), "topics.replication.factor", "3",
                        "topologies.application.id", appId, "topologies.threads", "1",
                        "topologies.session.timeout.ms", String.valueOf(SESSION_TIMEOUT.toMillis()),
                        "topologies.alert.cooldown.seconds", "0",
                        "api.keys", "tester:admin:" + KEY, "api.internal.key", "failover-internal-key"));
                common.put("topologies.standby.replicas", String.valueOf(STANDBYS));

                // the instance that will die: its own process, started first
                int victimPort = FacestreamProcess.freePort();
                List<String> args = new ArrayList<>(List.of("api"));
                common.forEach((k, v) -> args.addAll(FacestreamProcess.set(k + "=" + v)));
                args.addAll(FacestreamProcess.set("data.dir=" + dir.resolve("victim"), "api.port=" + victimPort));
                Process victim = FacestreamProcess.start(dir.resolve("victim.log"), "1500m", args);
                try {
                    // both instances start at once (which one will die is chosen once both work: the one not in this JVM)
                    Map<String, String> survivorKeys = new HashMap<>(common);
                    survivorKeys.putAll(Map.of("data.dir", dir.resolve("survivor").toString(), "api.port", "0"));
                    try (Standalone survivor = Standalone.startApiRole(Config.load(null, Map.of(), survivorKeys))) {
                        FaceAnalyzer analyzer = survivor.backend().analyzer();
                        List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
                        BufferedImage poiFace = faces.get(0), strangerFace = faces.get(1);
                        // the POI twice, 3 s apart (two tracks, two alerts), the stranger in between: 8 s of video, replayed at
                        // half speed so that the pipeline, slower on a loaded machine, is still at work when the kill comes
                        Path video = dir.resolve("incident.mp4");
                        SceneVideoWriter.write(video, 640, 360, FPS, 80, List.of(
                                new Sprite(poiFace, 0, 19, 140, 180, 180, 170, 150, 160),
                                new Sprite(poiFace, 50, 79, 170, 170, 130, 180, 160, 150),
                                new Sprite(strangerFace, 10, 69, 470, 190, 440, 180, 150, 150)));
                        Person poi = SamplePoi.fromFace(analyzer, poiFace, "poi-failover-" + System.nanoTime(), "Failover POI", null);

                        awaitHttp(() -> status("http://localhost:" + victimPort + "/health/ready") == 200, victim, dir.resolve("victim.log"),
                                "the victim instance ready", Duration.ofSeconds(150));
                        KafkaStreams streams = survivor.backend().streams();
                        await(() -> streams.state() == KafkaStreams.State.RUNNING && streams.metadataForAllStreamsClients().size() == 2
                                && status(url(survivor, "/health/ready")) == 200
                                && (STANDBYS == 0 || streams.metadataForLocalThreads().stream().anyMatch(t -> !t.standbyTasks().isEmpty())),
                                "both instances in the group, running" + (STANDBYS == 0 ? "" : ", the survivor with standby tasks"), Duration.ofSeconds(120));
                        long ready = System.nanoTime();
                        survivor.backend().writes().putPerson(poi);
                        await(() -> status("http://localhost:" + victimPort + "/api/v1/poi/" + poi.getPersonId()) == 200
                                && survivor.backend().gallery().person(poi.getPersonId()).isPresent(), "the POI on both instances", Duration.ofSeconds(60));

                        // a file id whose partition the victim works on: its death interrupts this replay's tracks and alerts
                        int victimPartition = partitionsOf(streams, victimPort).stream().findFirst()
                                .orElseThrow(() -> new AssertionError("the victim holds no partition of " + Topics.FACE_CROPS));
                        String fileId = fileIdOn(victimPartition);
                        int leader;
                        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                            leader = admin.describeTopics(List.of(Topics.FACE_CROPS)).allTopicNames().get().get(Topics.FACE_CROPS)
                                    .partitions().get(victimPartition).leader().id();
                        }
                        List<String> queries = List.of("/api/v1/alerts", "/api/identities?limit=5", "/api/v1/identities?page=1&page_size=5",
                                "/api/v1/status");
                        for (String q : queries) assertThat(status(url(survivor, q))).as("before: " + q).isEqualTo(200);

                        Ingest ingest = Ingest.start(Config.load(null, Map.of(), Map.of("data.dir", dir.resolve("replay").toString())),
                                new Ingest.Connection(bootstrap, registryUrl), "failover-replay");
                        try {
                            CompletableFuture<Replayer.Result> replay = CompletableFuture.supplyAsync(() -> {
                                try {
                                    return ingest.replayer().replay(new Replayer.Request(video, fileId, "failover-cam", new ReplaySpeed(0.5), FPS, null,
                                            Instant.now().minusSeconds(30), 1), (a, b, c) -> { });
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                            // mid-replay, once the victim has committed work on this file (its first track event is out), the
                            // victim and its partition's leader die
                            read(bootstrap, registryUrl, Topics.TRACKS, TrackEvent.class, t -> fileId.equals(t.getSourceId()), 1, Duration.ofSeconds(60), Duration.ZERO);
                            assertThat(replay).as("the replay is still under way").isNotDone();
                            long killed = System.nanoTime();
                            victim.destroyForcibly().waitFor();
                            kafka.kill(leader);

                            // Polled from the kill until the survivor works alone (the group dropped the victim, RUNNING again)
                            // and answers: the time it answered anything but 200, to the poll's resolution, and how often it
                            // answered from a standby copy (X-Facestream-Stale) meanwhile
                            long answering = -1, rebalancing = -1, runningAgain = -1, lastFailure = -1, previousPoll = killed;
                            long unansweredNanos = 0;
                            int failures = 0, polls = 0, staleAnswers = 0;
                            List<String> failed = new ArrayList<>();
                            while (answering < 0) {
                                KafkaStreams.State state = streams.state();
                                if (rebalancing < 0 && state != KafkaStreams.State.RUNNING) rebalancing = System.nanoTime();
                                if (rebalancing > 0 && runningAgain < 0 && state == KafkaStreams.State.RUNNING) runningAgain = System.nanoTime();
                                boolean all = true;
                                for (String q : queries) {
                                    HttpResponse<String> response = response(url(survivor, q));
                                    int code = response == null ? -1 : response.statusCode();
                                    if (code != 200 && failed.size() < 20) failed.add(q + " " + code);
                                    all &= code == 200;
                                    if (response != null && response.headers().firstValue(StaleReads.HEADER).isPresent()) staleAnswers++;
                                }
                                long now = System.nanoTime();
                                polls++;
                                if (!all) {
                                    failures++;
                                    unansweredNanos += now - previousPoll;
                                    lastFailure = now;
                                }
                                previousPoll = now;
                                if (all && state == KafkaStreams.State.RUNNING && streams.metadataForAllStreamsClients().size() == 1) answering = now;
                                assertThat(Duration.ofNanos(now - killed)).as("the survivor alone and answering").isLessThan(Duration.ofSeconds(90));
                                if (answering < 0) Thread.sleep(100);
                            }
                            System.out.println("failover: failed answers (first 20): " + failed);
                            if (STANDBYS > 0) {
                                // a warm copy answers for the dead instance's views and through the rebalance
                                assertThat(Duration.ofNanos(unansweredNanos)).as("time the survivor answered non-200: " + failed)
                                        .isLessThan(SESSION_TIMEOUT);
                                assertThat(staleAnswers).as("answers from a standby copy, marked " + StaleReads.HEADER).isPositive();
                            }
                            // answering once is not enough: during the takeover the survivor may answer, then rebalance
                            Replayer.Result result = replay.get(120, TimeUnit.SECONDS);
                            assertThat(result.status()).isEqualTo(FileStatus.COMPLETED);

                            List<PoiAlert> alerts = read(bootstrap, registryUrl, Topics.POI_ALERTS, PoiAlert.class,
                                    a -> fileId.equals(a.getSourceId()), 2, Duration.ofSeconds(90), Duration.ofSeconds(3));
                            assertThat(alerts).as("one alert per POI track, across the failover").hasSize(2);
                            assertThat(alerts).extracting(PoiAlert::getTrackId).doesNotHaveDuplicates();
                            assertThat(alerts).allMatch(a -> a.getPoiId().equals(poi.getPersonId()));
                            List<Sighting> finals = read(bootstrap, registryUrl, Topics.SIGHTINGS, Sighting.class,
                                    s -> fileId.equals(s.getFileId()) && s.getFinal$(), 3, Duration.ofSeconds(90), Duration.ofSeconds(3));
                            assertThat(finals).as("three tracks, each finalised once").hasSize(3);
                            assertThat(finals).extracting(Sighting::getSightingId).doesNotHaveDuplicates();
                            assertThat(finals.stream().filter(s -> poi.getPersonId().equals(s.getPersonId())).count()).isEqualTo(2);

                            // and the survivor serves them, alone
                            await(() -> get(url(survivor, "/api/v1/alerts")).body().split("\"" + poi.getPersonId() + "\"", -1).length - 1 == 2,
                                    "the survivor's alerts view shows both", Duration.ofSeconds(60));
                            for (String q : queries) assertThat(status(url(survivor, q))).as("after: " + q).isEqualTo(200);
                            System.out.printf("failover: standby replicas %d, broker session %s; the survivor answered non-200 for %d ms after the kill (%d of %d polls failed, the last"
                                            + " at %d ms; %d answers from a standby copy); alone and answering at %d ms (session timeout %d ms;"
                                            + " the survivor left RUNNING at %d ms, RUNNING again at %d ms);"
                                            + " cluster and both instances ready after %d s, the test took %d s%n",
                                    STANDBYS, BROKER_SESSION_MS == 0 ? "Kafka's default" : BROKER_SESSION_MS + " ms",
                                    Duration.ofNanos(unansweredNanos).toMillis(), failures, polls,
                                    lastFailure < 0 ? -1 : Duration.ofNanos(lastFailure - killed).toMillis(), staleAnswers,
                                    Duration.ofNanos(answering - killed).toMillis(), SESSION_TIMEOUT.toMillis(),
                                    rebalancing < 0 ? -1 : Duration.ofNanos(rebalancing - killed).toMillis(),
                                    runningAgain < 0 ? -1 : Duration.ofNanos(runningAgain - killed).toMillis(),
                                    Duration.ofNanos(ready - began).toSeconds(), Duration.ofNanos(System.nanoTime() - began).toSeconds());
                        } finally {
                            ingest.close();
                        }
                    }
                } finally {
                    victim.destroyForcibly().waitFor();
                }
            }
        }
    }

    /** The partitions of the face-crops topic the instance at {@code apiPort} works on. */
    private static List<Integer> partitionsOf(KafkaStreams streams, int apiPort) {
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (m.hostInfo().port() == apiPort) {
                return m.topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.FACE_CROPS)).map(TopicPartition::partition).sorted().toList();
            }
        }
        throw new AssertionError("no instance at port " + apiPort + " in the group");
    }

    /** A file id the producers' default partitioner puts on {@code partition} (murmur2 of the key, as Kafka does). */
    private static String fileIdOn(int partition) {
        for (int i = 0; ; i++) {
            String id = "failover-" + i + "-" + Long.toString(System.nanoTime(), 36);
            if (Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS == partition) return id;
        }
    }

    private static <T extends SpecificRecord> List<T> read(String bootstrap, String registryUrl, String topic, Class<T> type,
                                                           Predicate<T> which, int count, Duration timeout, Duration settleFor) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<T> found = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                AvroSerde.forValues(new RestSchemaRegistryClient(registryUrl), type).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos(), settle = Long.MAX_VALUE;
            // once the count is reached, read settleFor more: a duplicate would show there
            while (System.nanoTime() < Math.min(deadline, settle) && !(settleFor.isZero() && found.size() >= count)) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value() != null && which.test(r.value())) found.add(r.value());
                });
                if (found.size() >= count && settle == Long.MAX_VALUE) settle = System.nanoTime() + settleFor.toNanos();
            }
        }
        return found;
    }

    private static String url(Standalone instance, String path) {
        return "http://localhost:" + instance.apiPort() + path;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int status(String url) {
        HttpResponse<String> response = response(url);
        return response == null ? -1 : response.statusCode();
    }

    /** The answer, null when none came (refused, timed out). */
    private HttpResponse<String> response(String url) {
        try {
            return get(url);
        } catch (Exception notYet) {
            return null;
        }
    }

    interface Check {
        boolean done() throws Exception;
    }

    private static void await(Check check, String what, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (System.nanoTime() > deadline) throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s");
            Thread.sleep(200);
        }
    }

    private static void awaitHttp(Check check, Process process, Path log, String what, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (!process.isAlive()) throw new AssertionError("the process ended before " + what + ":\n" + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s");
            Thread.sleep(250);
        }
    }
}
