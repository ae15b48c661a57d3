package io.facestream.app.config;

/**
 * Every configuration key of the facestream command, with its default. A key is read
 * from, in rising precedence: its default, the config file, the environment variable
 * ({@code FACESTREAM_} + the key upper-cased with dots as underscores), a
 * {@code --set key=value} on the command line. README.md lists the same table; a test
 * keeps the two in step.
 */
public enum ConfigKey {
    DATA_DIR("data.dir", "~/.local/share/facestream",
            "Where the standalone mode keeps Kafka's log, the vector index, models cache and blobs."),
    KAFKA_BOOTSTRAP_SERVERS("kafka.bootstrap.servers", "",
            "An existing Kafka cluster. Empty: standalone starts an embedded broker."),
    KAFKA_EMBEDDED_HOST("kafka.embedded.host", "localhost",
            "Interface the embedded broker listens on and advertises."),
    KAFKA_EMBEDDED_PORT("kafka.embedded.port", "9092",
            "Client port of the embedded broker."),
    KAFKA_EMBEDDED_CONTROLLER_PORT("kafka.embedded.controller.port", "9093",
            "KRaft controller port of the embedded broker."),
    REGISTRY_URL("registry.url", "",
            "An existing Confluent-compatible schema registry. Empty: standalone starts the embedded one."),
    REGISTRY_EMBEDDED_PORT("registry.embedded.port", "8081",
            "Port of the embedded schema registry's REST API."),
    TOPICS_PARTITIONS("topics.partitions", "6",
            "Partitions of the per-source topics (frames, crops, embeddings, tracks, sightings); small topics keep 1."),
    TOPICS_REPLICATION_FACTOR("topics.replication.factor", "1",
            "Replication factor of every topic; 1 for the embedded broker, 3 on a production cluster."),
    INGEST_DETECTOR_THREADS("ingest.detector.threads", "0",
            "Face detections running at once across all cameras and replays of a process; 0: one per core."),
    INGEST_LIVE_VIEW_FPS("ingest.live.view.fps", "2",
            "Frames per second a replay publishes on the frames topic (cameras set their own)."),
    INGEST_LIVE_VIEW_MAX_WIDTH("ingest.live.view.max.width", "640",
            "Width frames are downscaled to for the frames topic."),
    BLOBS_DIR("blobs.dir", "",
            "Where frames, crops and thumbnails are kept; empty: <data.dir>/blobs."),
    BLOBS_MAX_BYTES("blobs.max.bytes", "10737418240",
            "Size cap of the blob store; the oldest blobs go first (default 10 GiB)."),
    BLOBS_FRAME_RETENTION_HOURS("blobs.frame.retention.hours", "168",
            "How long full frames are kept (default a week); thumbnails and profile images stay until the size cap."),
    TOPOLOGIES_APPLICATION_ID("topologies.application.id", "facestream-topologies",
            "Kafka Streams application id of the pipeline: instances with the same id share the work."),
    TOPOLOGIES_THREADS("topologies.threads", "2",
            "Stream threads of the pipeline in this process."),
    TOPOLOGIES_COMMIT_INTERVAL_MS("topologies.commit.interval.ms", "50",
            "Exactly-once commit interval: results (alerts) become visible at commits, so it bounds their latency."),
    TOPOLOGIES_EMBED_BATCH_SIZE("topologies.embed.batch.size", "8",
            "Face crops embedded together; a full batch runs at once."),
    TOPOLOGIES_EMBED_MAX_WAIT_MS("topologies.embed.max.wait.ms", "10",
            "Longest a chosen crop waits for its batch to fill."),
    TOPOLOGIES_ALERT_COOLDOWN_SECONDS("topologies.alert.cooldown.seconds", "60",
            "After a POI alert at a camera, further tracks of that POI there stay quiet this long (event time)."),
    VECTORS_QDRANT_HOST("vectors.qdrant.host", "",
            "Qdrant's host for the vector store (scaled out); empty: the embedded store under <data.dir>/vectors."),
    VECTORS_QDRANT_PORT("vectors.qdrant.port", "6334",
            "Qdrant's gRPC port."),
    API_HOST("api.host", "0.0.0.0",
            "Address the API listens on."),
    API_PORT("api.port", "8080",
            "Port of the API (REST, WebSockets, /docs, /metrics)."),
    API_ADVERTISED_HOST("api.advertised.host", "localhost",
            "Host other instances reach this one's API at, for views held here (Kafka Streams' application.server)."),
    API_INTERNAL_KEY("api.internal.key", "",
            "Key instances present to each other when one reads a view another holds; the same on every instance (empty: generated into <data.dir>/api-internal-key)."),
    API_KEYS("api.keys", "",
            "API keys, comma-separated name:scope[+scope]:secret or name:scope:sha256:<hex>; empty: an admin key is generated into <data.dir>/api-admin-key."),
    API_AUTH_REQUIRED("api.auth.required", "true",
            "false lets requests without a key in (local development only; a wrong key is still refused)."),
    API_SSO_ENABLED("api.sso.enabled", "false",
            "Trust the SSO e-mail header set by a gateway that strips clients' copies of it."),
    API_SSO_EMAIL_HEADER("api.sso.email.header", "X-Email",
            "The trusted SSO header's name."),
    API_UPLOAD_MAX_BYTES("api.upload.max.bytes", "8388608",
            "Largest image upload accepted (8 MiB)."),
    API_WRITE_TIMEOUT_MS("api.write.timeout.ms", "5000",
            "How long a create or update waits for its view to show the change before answering 503."),
    API_CAMERAS_STATUS_STALE_SECONDS("api.cameras.status.stale.seconds", "30",
            "Seed 002's status_stale_seconds: a camera whose latest worker heartbeat is older reads offline at /api/cameras."),
    API_LIVE_MJPEG_FPS("api.live.mjpeg.fps", "10",
            "Seed 002's live_mjpeg_fps: the most parts per second an MJPEG stream sends; ?fps= is clamped to [1, it]."),
    API_LIVE_MAX_STREAMS("api.live.max.streams", "32",
            "MJPEG streams one API process serves at once (each holds a server thread); more are answered 503.");

    private final String key;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public String envVar() {
        return "FACESTREAM_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }
}
