package io.facestream.api.system;

import io.facestream.api.ApiModule;
import io.facestream.api.Principal;
import io.facestream.api.Routes;
import io.facestream.api.backend.Backend;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.MatchThresholds;
import io.facestream.models.store.ModelSpec;
import io.facestream.schemas.avro.WorkerState;
import io.facestream.topologies.views.CameraStatus;
import io.facestream.vectors.VectorStore;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Seed 002's {@code GET /api/system}: what this instance runs and how its parts are doing. */
public final class SystemModule implements ApiModule {
    private final Backend backend;
    private final String version;

    public SystemModule(Backend backend, String version) {
        this.backend = backend;
        this.version = version;
    }

    public record User(String email, String name, String via) {
    }

    public record Model(String role, String id, String engine, String file, String sha256, Integer embedding_size) {
    }

    public record BackendInfo(String detector, String embedder, String engine, String device, List<String> providers,
                              boolean faces_enabled, MatchThresholds match_thresholds) {
    }

    public record FaceIndex(String status, long count, int gallery_people) {
    }

    public record Kafka(boolean connected, String pipeline_state) {
    }

    public record Worker(String camera_id, String name, String status, double fps, Instant last_frame_time, String last_error) {
    }

    public record SystemInfo(String version, String runtime, User user, BackendInfo backend, List<Model> models,
                             FaceIndex face_index, Object gpu, Kafka kafka, List<Worker> workers) {
    }

    /** A figure of /metrics: a counter's or gauge's value, or a timer's count, mean and max (milliseconds). */
    public record Figure(String name, java.util.Map<String, String> tags, String kind, Double value, Long count, Double mean_ms,
                         Double max_ms) {
    }

    public record MetricsSummary(Instant generated_at, List<Figure> figures, boolean truncated) {
    }

    @Override
    public void register(Routes routes) {
        MeterRegistry registry = routes.meterRegistry();
        routes.get("/api/system/metrics", ctx -> ctx.json(MetricsSummaries.of(registry)))
                .summary("A summary of this instance's /metrics, readable by the console")
                .description("The figures an operator looks at first, from the same registry /metrics exposes: uptime, CPU, "
                        + "heap, live threads, HTTP requests (count, mean and max per status class), and every facestream_* "
                        + "meter (cameras' fps, consumer lag, replays' progress, alert and model latencies) with its tags. At most "
                        + MetricsSummaries.MAX_FIGURES + " figures (`truncated` says when more exist). /metrics itself stays "
                        + "key-only, for scrapers.")
                .tags("system")
                .responds(200, "The figures", MetricsSummary.class);
        routes.get("/api/system", ctx -> ctx.json(info(Principal.of(ctx))))
                .summary("System introspection")
                .description("Version, runtime, the caller, the models and engine in use and their device, the face index, the "
                        + "Kafka connection and the camera workers' states. The GPU figure is null: no GPU probe runs on a CPU machine.")
                .tags("system")
                .responds(200, "What this instance runs", SystemInfo.class);
    }

    SystemInfo info(Principal principal) {
        FaceAnalyzerConfig config = backend.analyzer().config();
        List<Model> models = new ArrayList<>();
        for (ModelSpec.Role role : ModelSpec.Role.values()) {
            ModelSpec spec = config.catalog().model(role);
            models.add(new Model(role.name().toLowerCase(Locale.ROOT), spec.id(), spec.engine(), spec.file(), spec.sha256(), spec.embeddingSize()));
        }
        boolean gpu = config.device() == FaceAnalyzerConfig.Device.GPU;
        BackendInfo info = new BackendInfo(config.catalog().model(ModelSpec.Role.DETECTOR).id(), config.catalog().model(ModelSpec.Role.EMBEDDER).id(),
                "DJL, " + config.catalog().model(ModelSpec.Role.EMBEDDER).engine(), gpu ? "gpu:" + config.gpuId() : "cpu",
                gpu ? List.of("CUDAExecutionProvider", "CPUExecutionProvider") : List.of("CPUExecutionProvider"), true,
                backend.thresholds());
        String state = backend.streams().state().name().toLowerCase(Locale.ROOT);
        long faces = backend.vectors().count(VectorStore.FACES);
        List<Worker> workers = new ArrayList<>();
        for (CameraStatus c : backend.queries().cameras()) {
            WorkerState status = c.status();
            workers.add(new Worker(c.camera().getCameraId(), c.camera().getName(), status.name().toLowerCase(Locale.ROOT), c.measuredFps(),
                    c.lastFrameTime(), c.lastError()));
        }
        return new SystemInfo(version, "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                new User(principal.email(), principal.name(), principal.via().name().toLowerCase(Locale.ROOT)), info, models,
                new FaceIndex(backend.streams().state().isRunningOrRebalancing() ? "ready" : state, faces, backend.gallery().size()),
                null, new Kafka(backend.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING, state), workers);
    }
}
