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
    STARTUP_WAIT_SECONDS("startup.wait.seconds", "300",
            "How long start-up waits, retrying, for an external Kafka or schema registry that does not answer yet."),
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
    INGEST_SEGMENTS_DIR("ingest.segments.dir", "",
            "Where each camera's rolling segment buffer is kept (<dir>/<camera id>); empty: <data.dir>/segments."),
    INGEST_SEGMENTS_RETENTION_SECONDS("ingest.segments.retention.seconds", "300",
            "Seed 002's segment_retention_seconds: how long a camera's recent video is kept for event clips and manual recordings (at least 4)."),
    INGEST_SEGMENTS_MAX_BYTES("ingest.segments.max.bytes", "1073741824",
            "The most one camera's segment buffer may hold on disk; the oldest segments go first (1 GiB)."),
    BLOBS_DIR("blobs.dir", "",
            "Where frames, crops and thumbnails are kept; empty: <data.dir>/blobs."),
    BLOBS_MAX_BYTES("blobs.max.bytes", "10737418240",
            "Size cap of the blob store; the oldest blobs go first (default 10 GiB)."),
    BLOBS_FRAME_RETENTION_HOURS("blobs.frame.retention.hours", "168",
            "How long full frames are kept (default a week); thumbnails and profile images stay until the size cap."),
    BLOBS_STORE("blobs.store", "dir",
            "Where blobs are kept: dir (blobs.dir, one directory every process of a deployment shares) or s3 (an S3-compatible bucket, blobs.s3.*)."),
    BLOBS_MAX_OBJECT_BYTES("blobs.max.object.bytes", "67108864",
            "Largest blob written or read (64 MiB); a larger one is refused, never loaded into memory."),
    BLOBS_S3_ENDPOINT("blobs.s3.endpoint", "",
            "The S3 API's URL (MinIO, Ceph, Garage...); empty: AWS S3's own endpoint of blobs.s3.region."),
    BLOBS_S3_REGION("blobs.s3.region", "us-east-1",
            "Signing region of the S3 store."),
    BLOBS_S3_BUCKET("blobs.s3.bucket", "",
            "The bucket of the S3 store; it must exist (facestream never creates one). Required with blobs.store=s3."),
    BLOBS_S3_PREFIX("blobs.s3.prefix", "",
            "Keys are stored under <prefix>/ in the bucket; empty: at its root."),
    BLOBS_S3_ACCESS_KEY("blobs.s3.access.key", "",
            "Access key of the S3 store, with blobs.s3.secret.key; empty: the AWS SDK's default chain (environment, profile, container or instance role)."),
    BLOBS_S3_SECRET_KEY("blobs.s3.secret.key", "",
            "Secret key of the S3 store."),
    BLOBS_S3_PATH_STYLE("blobs.s3.path.style", "true",
            "Address the bucket in the path (most S3-compatible servers); false: as a host name (AWS's virtual-hosted style)."),
    BLOBS_S3_TIMEOUT_MS("blobs.s3.timeout.ms", "10000",
            "The longest one attempt of one S3 call may take, connecting included."),
    BLOBS_S3_MAX_ATTEMPTS("blobs.s3.max.attempts", "3",
            "Attempts per S3 call, with the SDK's standard backoff between them (1: no retry)."),
    BLOBS_CLIP_RETENTION_HOURS("blobs.clip.retention.hours", "720",
            "How long event clips are kept (default 30 days), within the blob store's size cap."),
    TOPOLOGIES_APPLICATION_ID("topologies.application.id", "facestream-topologies",
            "Kafka Streams application id of the pipeline: instances with the same id share the work."),
    TOPOLOGIES_THREADS("topologies.threads", "2",
            "Stream threads of the pipeline in this process."),
    TOPOLOGIES_COMMIT_INTERVAL_MS("topologies.commit.interval.ms", "50",
            "Exactly-once commit interval: results (alerts) become visible at commits, so it bounds their latency."),
    TOPOLOGIES_SESSION_TIMEOUT_MS("topologies.session.timeout.ms", "45000",
            "How long the group waits for a silent instance (crashed, cut off) before the others take over its work and views; the broker allows 6000 to 300000 by default."),
    TOPOLOGIES_POLL_MS("topologies.poll.ms", "20",
            "How long a stream thread waits for records when none are there: an idle pipeline's loop period, and the most an embedding batch waits past its maximum once the input is drained."),
    TOPOLOGIES_STANDBY_REPLICAS("topologies.standby.replicas", "1",
            "Warm copies of each instance's views on other instances: queries answer from them (marked stale) while an instance is dead or the group rebalances; no cost with one instance."),
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
    API_CONSOLE_SESSION_KEY("api.console.session.key", "",
            "Secret (at least 32 characters) that signs the web console's session cookies; the same on every instance behind one address so each accepts the others' cookies, and sessions survive restarts (empty: a random key per process)."),
    API_UPLOAD_MAX_BYTES("api.upload.max.bytes", "8388608",
            "Largest image upload accepted (8 MiB)."),
    API_LIMITS_REQUESTS_PER_SECOND("api.limits.requests.per.second", "500",
            "Requests per second one client address may send (429 with Retry-After above it); 0: no limit."),
    API_LIMITS_CONNECTIONS_PER_CLIENT("api.limits.connections.per.client", "128",
            "Open connections one client address may hold; more are closed as they open."),
    API_LIMITS_CONNECTIONS("api.limits.connections", "4096",
            "Open connections in all; the API stops accepting above it."),
    API_LIMITS_IDLE_TIMEOUT_MS("api.limits.idle.timeout.ms", "30000",
            "A connection, or a blocking read of a request body, idle this long is closed."),
    API_LIMITS_MIN_BODY_RATE("api.limits.min.body.bytes.per.second", "8192",
            "Slowest a request body may arrive (408 below it); 0: no minimum."),
    API_ANALYSIS_WORKERS("api.analysis.workers", "0",
            "Uploaded images decoded and analysed at once, for every upload route and /api/v1/ws (about 450 MB each at 50 MP); 0: one per core, at most 4."),
    API_ANALYSIS_QUEUE("api.analysis.queue", "16",
            "Images waiting for an analysis worker; more are answered 503 (a WebSocket frame: SERVICE_UNAVAILABLE) at once."),
    API_HEALTH_READINESS("api.health.readiness", "false",
            "true: GET /health answers 503 until the service is ready, as GET /health/ready always does (for probes that know only /health)."),
    MQTT_URL("mqtt.url", "",
            "An MQTT broker (tcp://host:1883 or ssl://host:8883) to publish alerts and sightings to; empty: no MQTT."),
    MQTT_USERNAME("mqtt.username", "",
            "MQTT user name; empty: none."),
    MQTT_PASSWORD("mqtt.password", "",
            "MQTT password."),
    MQTT_TOPIC_PREFIX("mqtt.topic.prefix", "facestream",
            "Topic prefix: <prefix>/available, <prefix>/events, <prefix>/<camera>/poi_alert and /sighting."),
    MQTT_CLIENT_ID("mqtt.client.id", "",
            "MQTT client id, unique per instance and stable across restarts; empty: facestream-<api.advertised.host>-<api.port>."),
    WEBHOOK_URL("webhook.url", "",
            "A URL every POI alert is POSTed to as JSON, signed and retried; empty: no webhook."),
    WEBHOOK_SECRET("webhook.secret", "",
            "HMAC-SHA256 key of the webhook's X-Facestream-Signature (at least 16 characters; required with webhook.url)."),
    WEBHOOK_SIGHTINGS("webhook.sightings", "false",
            "true: sightings are POSTed too (one per track update: many)."),
    INTEGRATIONS_API_URL("integrations.api.url", "",
            "Base URL of the API as subscribers reach it, for thumbnail and frame links; empty: http://<api.advertised.host>:<api.port>."),
    API_WRITE_TIMEOUT_MS("api.write.timeout.ms", "5000",
            "How long a create or update waits for its view to show the change before answering 503."),
    API_CAMERAS_STATUS_STALE_SECONDS("api.cameras.status.stale.seconds", "30",
            "Seed 002's status_stale_seconds: a camera whose latest worker heartbeat is older reads offline at /api/cameras."),
    API_LIVE_MJPEG_FPS("api.live.mjpeg.fps", "10",
            "Seed 002's live_mjpeg_fps: the most parts per second an MJPEG stream sends; ?fps= is clamped to [1, it]."),
    API_HLS_ENABLED("api.hls.enabled", "true",
            "Seed 002's live HLS (live with sound): false answers every /api/live/{id}/hls request 503."),
    API_HLS_MAX_SESSIONS("api.hls.max.sessions", "4",
            "HLS sessions (an ffmpeg process each) one API process runs at once; more are answered 503."),
    API_HLS_DIR("api.hls.dir", "",
            "Where HLS sessions write their playlists and segments; empty: <data.dir>/hls."),
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
