package io.facestream.app;

import io.facestream.api.ApiServer;
import io.facestream.api.FacestreamApi;
import io.facestream.api.events.EventsModule;
import io.facestream.api.hls.HlsModule;
import io.facestream.api.index.VideoUploadModule;
import io.facestream.api.HealthCheck;
import io.facestream.api.backend.Backend;
import io.facestream.api.backend.Readiness;
import io.facestream.api.backend.ViewRouter;
import io.facestream.api.backend.Writes;
import io.facestream.api.live.LiveAlertsModule;
import io.facestream.api.live.LiveViewModule;
import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.blobs.BlobStore;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.integrations.Integrations;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.registry.EmbeddedSchemaRegistry;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.TopicProvisioner;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.Pipeline;
import io.facestream.topologies.PipelineSettings;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.QdrantVectorStore;
import io.facestream.vectors.VectorStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The product in one JVM. Parts start in dependency order (Kafka, topics, registry,
 * then the roles) and stop in reverse; a part given by configuration (an external
 * cluster or registry) is used instead of its embedded counterpart.
 */
public final class Standalone implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Standalone.class);

    private static final Duration DEPENDENCY_RETRY = Duration.ofSeconds(2);

    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Map<String, String> endpoints = new LinkedHashMap<>();
    private String bootstrapServers;
    private String registryUrl;
    private AvroSerdes serdes;
    private VectorStore vectors;
    private Pipeline pipeline;
    private Ingest ingest;
    private Backend backend;
    private Integrations integrations;
    private int apiPort;

    private Standalone() {
    }

    public static Standalone start(Config config) {
        refuseBadSettings(config);
        Standalone s = new Standalone();
        try {
            s.startKafka(config);
            s.provisionTopics(config);
            s.startRegistry(config);
            s.ingest = s.startIngest(config);
            s.apiPort = ApiSettings.port(config);
            s.startPipeline(config, s.ingest.analyzer());
            s.startApi(config, s.ingest.analyzer(), s.ingest.blobs());
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * The API role alone, with the pipeline instance whose views it reads, against an external cluster and
     * registry (no broker, no camera workers). Frames come from the blob store (blobs.store), which every
     * ingest and API process of the deployment must share for the media endpoints to find them.
     */
    public static Standalone startApiRole(Config config) {
        if (!config.isSet(ConfigKey.KAFKA_BOOTSTRAP_SERVERS) || !config.isSet(ConfigKey.REGISTRY_URL)) {
            throw new IllegalArgumentException("facestream api runs against an external cluster: set kafka.bootstrap.servers and registry.url");
        }
        refuseBadSettings(config);
        Standalone s = new Standalone();
        try {
            s.startKafka(config);
            s.provisionTopics(config);
            s.startRegistry(config);
            BlobStore blobs = Ingest.blobStore(config); // before the models: a bucket that does not answer stops it at once
            s.running.push(blobs);
            FaceAnalyzer analyzer = FaceAnalyzer.create();
            s.running.push(analyzer);
            s.apiPort = ApiSettings.port(config);
            s.startPipeline(config, analyzer);
            s.startApi(config, analyzer, blobs);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startKafka(Config config) {
        if (config.isSet(ConfigKey.KAFKA_BOOTSTRAP_SERVERS)) {
            bootstrapServers = config.get(ConfigKey.KAFKA_BOOTSTRAP_SERVERS);
            awaitDependency(config, "Kafka at " + bootstrapServers, () -> Preflight.kafkaProblem(bootstrapServers, List.of()));
            endpoints.put("kafka", bootstrapServers + " (external)");
            return;
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.Settings(
                config.getPath(ConfigKey.DATA_DIR),
                config.get(ConfigKey.KAFKA_EMBEDDED_HOST),
                config.getInt(ConfigKey.KAFKA_EMBEDDED_PORT),
                config.getInt(ConfigKey.KAFKA_EMBEDDED_CONTROLLER_PORT),
                Map.of()));
        running.push(broker);
        bootstrapServers = broker.bootstrapServers();
        endpoints.put("kafka", bootstrapServers + " (embedded, data " + broker.logDir() + ")");
    }

    /**
     * Waits for an external dependency that is not up yet (a compose stack starts its services together),
     * saying so once per new reason, for at most {@code startup.wait.seconds}; then fails with the last reason.
     */
    private static void awaitDependency(Config config, String what, java.util.function.Supplier<String> problem) {
        long deadline = System.nanoTime() + Duration.ofSeconds(config.getInt(ConfigKey.STARTUP_WAIT_SECONDS)).toNanos();
        String last = null;
        for (String now = problem.get(); now != null; now = problem.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting for " + what + " after " + config.get(ConfigKey.STARTUP_WAIT_SECONDS) + " s: " + now);
            }
            if (!now.equals(last)) log.warn("waiting for {} (retrying every {} s): {}", what, DEPENDENCY_RETRY.toSeconds(), now);
            last = now;
            try {
                Thread.sleep(DEPENDENCY_RETRY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what);
            }
        }
        if (last != null) log.info("{} answers now", what);
    }

    private void provisionTopics(Config config) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<String> created = TopicProvisioner.ensure(admin, Topics.catalog(
                    config.getInt(ConfigKey.TOPICS_PARTITIONS), (short) config.getInt(ConfigKey.TOPICS_REPLICATION_FACTOR)));
            if (!created.isEmpty()) log.info("created topics {}", created);
        }
    }

    private void startRegistry(Config config) {
        if (config.isSet(ConfigKey.REGISTRY_URL)) {
            registryUrl = config.get(ConfigKey.REGISTRY_URL);
            awaitDependency(config, "the schema registry at " + registryUrl, () -> Preflight.registryProblem(registryUrl));
            endpoints.put("schema registry", registryUrl + " (external)");
            return;
        }
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(bootstrapServers, Topics.SCHEMAS,
                config.get(ConfigKey.KAFKA_EMBEDDED_HOST), config.getInt(ConfigKey.REGISTRY_EMBEDDED_PORT));
        running.push(registry);
        registryUrl = "http://" + config.get(ConfigKey.KAFKA_EMBEDDED_HOST) + ":" + registry.port();
        endpoints.put("schema registry", registryUrl + " (embedded)");
    }

    private Ingest startIngest(Config config) {
        Ingest ingest = Ingest.start(config, new Ingest.Connection(bootstrapServers, registryUrl), "facestream-ingest");
        running.push(ingest);
        ingest.startCameras(config);
        endpoints.put("ingest", "camera workers follow " + Topics.CAMERAS + "; blobs in " + Ingest.describeBlobStore(config));
        return ingest;
    }

    /** Settings checked only where a part starts, checked before anything starts (a broker, the models). */
    private static void refuseBadSettings(Config config) {
        embeddedVectors(config, Path.of("."));
    }

    /**
     * The embedded vector store's settings under {@code dir}: Lucene's HNSW build and merge settings, a search's
     * candidates and pool, as configured (BENCHMARKS.md, "Search at scale"); a bad value names its key.
     */
    public static EmbeddedVectorStore.Config embeddedVectors(Config config, Path dir) {
        EmbeddedVectorStore.Graph graph = checked(config, () -> new EmbeddedVectorStore.Graph(config.getInt(ConfigKey.VECTORS_HNSW_CONNECTIONS),
                config.getInt(ConfigKey.VECTORS_HNSW_BEAM), config.getInt(ConfigKey.VECTORS_SEGMENTS_PER_TIER)),
                ConfigKey.VECTORS_HNSW_CONNECTIONS, ConfigKey.VECTORS_HNSW_BEAM, ConfigKey.VECTORS_SEGMENTS_PER_TIER);
        int threads = config.getInt(ConfigKey.VECTORS_SEARCH_THREADS);
        EmbeddedVectorStore.Config defaults = EmbeddedVectorStore.Config.defaults(dir);
        // an fsync per face would cap a stream thread at about 140 faces/s; a crash loses at most a second of
        // search index, which the faces view still holds
        return checked(config, () -> defaults.withCommitInterval(Duration.ofSeconds(1)).withGraph(graph)
                .withAnnCandidates(config.getInt(ConfigKey.VECTORS_SEARCH_CANDIDATES))
                .withSearchThreads(threads == 0 ? defaults.searchThreads() : threads),
                ConfigKey.VECTORS_SEARCH_CANDIDATES, ConfigKey.VECTORS_SEARCH_THREADS);
    }

    /** Builds a part's settings; what it refuses is reported with the keys it was built from and their values. */
    private static <T> T checked(Config config, java.util.function.Supplier<T> build, ConfigKey... keys) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            String values = java.util.Arrays.stream(keys).map(k -> k.key() + " = " + config.get(k)).collect(java.util.stream.Collectors.joining(", "));
            throw new IllegalArgumentException(values + ": " + e.getMessage(), e);
        }
    }

    /** The recognition pipeline, sharing the ingest role's models; stops before them. */
    private void startPipeline(Config config, FaceAnalyzer analyzer) {
        Path dataDir = config.getPath(ConfigKey.DATA_DIR);
        vectors = config.isSet(ConfigKey.VECTORS_QDRANT_HOST)
                ? new QdrantVectorStore(QdrantVectorStore.Config.of(config.get(ConfigKey.VECTORS_QDRANT_HOST), config.getInt(ConfigKey.VECTORS_QDRANT_PORT)))
                : new EmbeddedVectorStore(embeddedVectors(config, dataDir.resolve("vectors")));
        running.push(vectors);
        PipelineSettings settings = PipelineSettings.defaults(analyzer.thresholds())
                .withEmbedding(config.getInt(ConfigKey.TOPOLOGIES_EMBED_BATCH_SIZE), Duration.ofMillis(config.getInt(ConfigKey.TOPOLOGIES_EMBED_MAX_WAIT_MS)))
                .withAlertCooldown(Duration.ofSeconds(config.getInt(ConfigKey.TOPOLOGIES_ALERT_COOLDOWN_SECONDS)));
        serdes = new AvroSerdes(new RestSchemaRegistryClient(registryUrl));
        pipeline = Pipeline.start(new Pipeline.Settings(bootstrapServers, config.get(ConfigKey.TOPOLOGIES_APPLICATION_ID),
                        dataDir.resolve("streams"), config.getInt(ConfigKey.TOPOLOGIES_THREADS),
                        Duration.ofMillis(config.getInt(ConfigKey.TOPOLOGIES_COMMIT_INTERVAL_MS)),
                        (short) config.getInt(ConfigKey.TOPICS_REPLICATION_FACTOR), advertised(config),
                        Duration.ofMillis(config.getInt(ConfigKey.TOPOLOGIES_SESSION_TIMEOUT_MS)),
                        Duration.ofMillis(config.getInt(ConfigKey.TOPOLOGIES_POLL_MS)),
                        Duration.ofMillis(config.getInt(ConfigKey.TOPOLOGIES_IDLE_POLL_MS)),
                        config.getInt(ConfigKey.TOPOLOGIES_STANDBY_REPLICAS)),
                settings, serdes, new AnalyzerEmbedder(analyzer), vectors);
        running.push(pipeline);
        endpoints.put("pipeline", "tracking, embeddings, identities and alerts; state in " + dataDir.resolve("streams")
                + ", vectors " + (config.isSet(ConfigKey.VECTORS_QDRANT_HOST) ? "in Qdrant at " + config.get(ConfigKey.VECTORS_QDRANT_HOST)
                : "in " + dataDir.resolve("vectors")));
    }

    /** The API over this process's pipeline, models and blob store. */
    private void startApi(Config config, FaceAnalyzer analyzer, BlobStore blobs) {
        Writes writes = new Writes(bootstrapServers, serdes);
        running.push(writes);
        ViewRouter views = new ViewRouter(pipeline.streams(), serdes, config.get(ConfigKey.TOPOLOGIES_APPLICATION_ID),
                HostInfo.buildFromEndpoint(advertised(config)), ApiSettings.internalKey(config));
        startIntegrations(config);
        backend = new Backend(pipeline.streams(), views, pipeline.gallery(), pipeline.thresholds(), vectors, analyzer, blobs, writes,
                Duration.ofMillis(config.getInt(ConfigKey.API_WRITE_TIMEOUT_MS)), () -> integrations != null && integrations.mqttConnected());
        LiveAlertsModule liveAlerts = new LiveAlertsModule(bootstrapServers, registryUrl);
        running.push(liveAlerts);
        LiveViewModule liveView = new LiveViewModule(backend, bootstrapServers, registryUrl, LiveViewModule.Settings.defaults()
                .withStreams(config.getInt(ConfigKey.API_LIVE_MJPEG_FPS), config.getInt(ConfigKey.API_LIVE_MAX_STREAMS)));
        running.push(liveView);
        HlsModule hls;
        try {
            hls = new HlsModule(backend, new HlsModule.Settings(config.getBoolean(ConfigKey.API_HLS_ENABLED),
                    config.getInt(ConfigKey.API_HLS_MAX_SESSIONS),
                    config.isSet(ConfigKey.API_HLS_DIR) ? config.getPath(ConfigKey.API_HLS_DIR) : config.getPath(ConfigKey.DATA_DIR).resolve("hls"),
                    Duration.ofSeconds(60), Duration.ofSeconds(15)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot prepare the HLS directory", e);
        }
        running.push(hls);
        VideoUploadModule videoUploads = new VideoUploadModule(new UploadReplays(replayer(config, analyzer, blobs),
                Double.parseDouble(config.get(ConfigKey.INGEST_LIVE_VIEW_FPS))), new VideoUploadModule.Settings(
                config.isSet(ConfigKey.API_UPLOAD_VIDEO_DIR) ? config.getPath(ConfigKey.API_UPLOAD_VIDEO_DIR)
                        : config.getPath(ConfigKey.DATA_DIR).resolve("uploads"),
                Long.parseLong(config.get(ConfigKey.API_UPLOAD_VIDEO_MAX_BYTES)), config.getInt(ConfigKey.API_UPLOAD_VIDEO_MAX_REPLAYS),
                Long.parseLong(config.get(ConfigKey.API_UPLOAD_VIDEO_MIN_FREE_BYTES))));
        running.push(videoUploads);
        ApiServer api = FacestreamApi.start(ApiSettings.from(config, apiPort), backend, liveAlerts, liveView,
                Duration.ofSeconds(config.getInt(ConfigKey.API_CAMERAS_STATUS_STALE_SECONDS)),
                new EventsModule.Settings(Duration.ofSeconds(config.getInt(ConfigKey.INGEST_SEGMENTS_RETENTION_SECONDS)),
                        EventsModule.Settings.defaults().clipWait()), hls, videoUploads,
                config.getBoolean(ConfigKey.API_HEALTH_READINESS));
        running.push(api);
        bindModelMetrics(api.meterRegistry(), pipeline.metrics());
        if (ingest != null) bindDetectionMetrics(api.meterRegistry(), ingest.analysisMetrics().models());
        running.push(OperatorMetrics.start(api.meterRegistry(), backend, pipeline.metrics(), ingest, liveAlerts.feed()));
        if (integrations != null) {
            counter(api.meterRegistry(), "facestream.integrations.delivered", "Alerts and sightings every configured sink took", integrations, Integrations::delivered);
            counter(api.meterRegistry(), "facestream.integrations.failed", "Alerts and sightings a sink did not take after its retries, or no schema could read", integrations, Integrations::failed);
        }
        endpoints.put("api", "http://" + config.get(ConfigKey.API_HOST) + ":" + api.port() + " (docs at /docs)"
                + ApiSettings.generatedKeyNote(config));
    }

    /**
     * The replay uploaded videos go through: the ingest role's where this process runs one (standalone), else one of
     * the API role's own over its models and blob store, publishing with a producer of its own.
     */
    private io.facestream.ingest.replay.Replayer replayer(Config config, FaceAnalyzer analyzer, BlobStore blobs) {
        if (ingest != null) return ingest.replayer();
        IngestPublisher publisher = new IngestPublisher(bootstrapServers, new RestSchemaRegistryClient(registryUrl), "facestream-api-uploads");
        running.push(publisher);
        return new io.facestream.ingest.replay.Replayer(publisher, Ingest.frameProcessor(config, analyzer, publisher, blobs));
    }

    /** MQTT and the webhook, when configured: a consumer of the public alert and sighting topics. */
    private void startIntegrations(Config config) {
        IntegrationSettings.from(config, bootstrapServers, registryUrl, apiPort).ifPresent(settings -> {
            integrations = Integrations.start(settings);
            running.push(integrations);
            endpoints.put("integrations", (settings.mqtt() != null ? "MQTT " + settings.mqtt().url() + " (topics " + settings.mqtt().topicPrefix() + "/...) " : "")
                    + (settings.webhook() != null ? "webhook " + settings.webhook().url() : ""));
        });
    }

    /** The embedder's work at /metrics: crops, batches and seconds in the model (rate them for throughput and cost per crop). */
    private static void bindModelMetrics(MeterRegistry registry, InferenceMetrics metrics) {
        counter(registry, "facestream.embedding.crops", "Face crops embedded by this instance's pipeline", metrics, InferenceMetrics::items);
        counter(registry, "facestream.embedding.batches", "Micro-batches run by the embedder", metrics, InferenceMetrics::calls);
        counter(registry, "facestream.embedding.model.seconds", "Time spent in the embedding model", metrics, InferenceMetrics::modelSeconds);
    }

    /** Detection at /metrics: frames analysed, faces found, seconds in the models (camera workers and replays of this process). */
    private static void bindDetectionMetrics(MeterRegistry registry, InferenceMetrics metrics) {
        counter(registry, "facestream.detection.frames", "Frames analysed (detection, landmarks, alignment)", metrics, InferenceMetrics::calls);
        counter(registry, "facestream.detection.faces", "Faces found", metrics, InferenceMetrics::items);
        counter(registry, "facestream.detection.model.seconds", "Time spent analysing frames", metrics, InferenceMetrics::modelSeconds);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, T source, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, source, value).description(description).register(registry);
    }

    /**
     * Waits until queries will be answered ({@link Readiness}: the pipeline RUNNING, every view queryable),
     * telling {@code waiting} each new reason it is not yet.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitReady(Duration timeout, java.util.function.Consumer<String> waiting) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastReason = null;
        while (true) {
            HealthCheck.Result result = Readiness.check(backend.streams(), backend.router());
            if (result.status() == HealthCheck.Status.UP) return true;
            String reason = String.valueOf(result.details().get("reason"));
            if (!reason.equals(lastReason)) waiting.accept(reason);
            lastReason = reason;
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(100);
        }
    }

    /** Where other instances of the application reach this one's API (Kafka Streams' {@code application.server}). */
    private String advertised(Config config) {
        return config.get(ConfigKey.API_ADVERTISED_HOST) + ":" + apiPort;
    }

    /** The ingest role (replays, models, blob store). */
    Ingest ingest() {
        return ingest;
    }

    /** What the API reads and writes: for commands that act on the running product. */
    Backend backend() {
        return backend;
    }

    /** Port the API listens on (the configured one, or the one chosen for port 0). */
    public int apiPort() {
        return apiPort;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** Where each part listens, in start order, for people and for tests. */
    public Map<String, String> endpoints() {
        return java.util.Collections.unmodifiableMap(endpoints);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        while (!running.isEmpty()) {
            AutoCloseable part = running.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
