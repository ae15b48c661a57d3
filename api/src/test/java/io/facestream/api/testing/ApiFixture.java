package io.facestream.api.testing;

import io.facestream.api.ApiModule;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.api.ServerLimits;
import io.facestream.api.backend.Backend;
import io.facestream.api.backend.ViewRouter;
import io.facestream.api.backend.Writes;
import io.facestream.blobs.FileBlobStore;
import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.Pipeline;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.vectors.EmbeddedVectorStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * The real product behind the API, for endpoint tests: the shared test broker with its registry, the
 * topic catalogue, the face models, a pipeline of its own (fresh application id, state and vector store
 * under {@code dir}), a blob store, and an {@link ApiServer} on a free port with the keys of
 * {@link ApiTestSupport} ({@code ADMIN_KEY}, {@code READ_KEY}). Topics are shared by every test of the JVM:
 * use fresh ids (people, files, cameras) in each test.
 */
public final class ApiFixture implements AutoCloseable {
    private static FaceAnalyzer analyzer;

    public final Backend backend;
    /** What the shared topics held when this fixture started: anything a test class adds beyond it is removed at close. */
    private final Set<String> peopleAtStart;
    private final Set<String> camerasAtStart;
    public final ApiServer server;
    public final FileBlobStore blobs;
    private final Pipeline pipeline;
    private final EmbeddedVectorStore vectors;
    private final Writes writes;

    /** One analyzer per test JVM: loading the models costs seconds. */
    public static synchronized FaceAnalyzer analyzer() {
        if (analyzer == null) analyzer = FaceAnalyzer.create();
        return analyzer;
    }

    /** Starts everything; {@code modules} are the endpoint modules under test (built from the backend). */
    public static ApiFixture start(Path dir, java.util.function.Function<Backend, List<ApiModule>> modules) throws Exception {
        return start(dir, ServerLimits.defaults(), modules);
    }

    /** With the server's connection, rate and analysis limits set ({@code ServerLimits}). */
    public static ApiFixture start(Path dir, ServerLimits limits, java.util.function.Function<Backend, List<ApiModule>> modules) throws Exception {
        return new ApiFixture(dir, PipelineSettings.defaults(analyzer().thresholds()).withAlertCooldown(Duration.ZERO), limits, modules);
    }

    private ApiFixture(Path dir, PipelineSettings settings, ServerLimits limits, java.util.function.Function<Backend, List<ApiModule>> modules) throws Exception {
        String applicationId = "api-test-" + UUID.randomUUID();
        KafkaFixture.startAtTheEnd(applicationId);
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(KafkaFixture.registryUrl()));
        vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")).withCommitInterval(Duration.ofSeconds(1)));
        pipeline = Pipeline.start(new Pipeline.Settings(KafkaFixture.bootstrap(), applicationId, dir.resolve("streams"),
                1, Duration.ofMillis(50), (short) 1, null), settings, serdes, new AnalyzerEmbedder(analyzer()), vectors);
        pipeline.awaitRunning(Duration.ofSeconds(90));
        blobs = new FileBlobStore(dir.resolve("blobs"), new FileBlobStore.Policy(Map.of(), 0));
        writes = new Writes(KafkaFixture.bootstrap(), serdes);
        ViewRouter views = new ViewRouter(pipeline.streams(), serdes, applicationId, null, null);
        backend = new Backend(pipeline.streams(), views, pipeline.gallery(), pipeline.thresholds(), vectors, analyzer(), blobs, writes, Duration.ofSeconds(10));
        server = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())).withLimits(limits))
                .modules(modules.apply(backend)).start();
        peopleAtStart = peopleIds();
        camerasAtStart = cameraIds();
    }

    /** Replays a video through the real ingest into the pipeline (as fast as it goes), as camera {@code cameraId}. */
    public Replayer.Result replay(Path video, String fileId, String cameraId, Instant baseTime) throws Exception {
        try (IngestPublisher publisher = new IngestPublisher(KafkaFixture.bootstrap(), new RestSchemaRegistryClient(KafkaFixture.registryUrl()), "api-test")) {
            Replayer replayer = new Replayer(publisher, new FrameProcessor(analyzer(), new Semaphore(2), publisher, blobs, 320));
            return replayer.replay(new Replayer.Request(video, fileId, cameraId, ReplaySpeed.MAX, 10, null, baseTime, 1), (a, b, c) -> { });
        }
    }

    public String url(String path) {
        return ApiTestSupport.url(server, path);
    }

    @Override
    public void close() {
        removeWhatThisClassAdded();
        server.close();
        pipeline.close();
        writes.close();
        vectors.close();
    }

    /**
     * People and cameras live on topics every test class of the JVM shares (the gallery is a global store read from
     * the start): a POI left behind would be matched in the next class's replays, a camera would have its worker
     * started by the next class's worker manager. So what a class added is removed when its fixture closes.
     */
    private void removeWhatThisClassAdded() {
        try {
            Set<String> people = peopleIds();
            people.removeAll(peopleAtStart);
            people.forEach(backend.writes()::deletePerson);
            Set<String> cameras = cameraIds();
            cameras.removeAll(camerasAtStart);
            cameras.forEach(backend.writes()::deleteCamera);
            backend.awaitVisible(() -> people.stream().noneMatch(id -> backend.gallery().person(id).isPresent()),
                    "removing the people this test class added", Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            System.err.println("ApiFixture: could not remove what this test class added: " + e);
        }
    }

    private Set<String> peopleIds() {
        Set<String> ids = new HashSet<>();
        backend.gallery().people().forEach(p -> ids.add(p.getPersonId()));
        return ids;
    }

    /** The cameras the catalog view shows (none while it is not queryable yet). */
    private Set<String> cameraIds() {
        Set<String> ids = new HashSet<>();
        try {
            backend.queries().cameras().forEach(c -> ids.add(c.cameraId()));
        } catch (RuntimeException e) {
            // the view is still restoring: nothing known to keep
        }
        return ids;
    }
}
