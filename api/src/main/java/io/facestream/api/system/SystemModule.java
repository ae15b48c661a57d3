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

    @Override
    public void register(Routes routes) {
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
