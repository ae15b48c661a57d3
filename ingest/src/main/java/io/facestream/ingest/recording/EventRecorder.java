package io.facestream.ingest.recording;

import io.facestream.blobs.BlobKind;
import io.facestream.blobs.BlobStore;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.RecordingKind;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.recording.EventIds;
import io.facestream.schemas.registry.SchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.AssignedConsumers;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The events of the cameras this process records: one per presence (a track of the camera that ended, with the
 * camera's pre- and post-roll) and one per manual recording request (a MANUAL record without a clip on the
 * recordings topic, which the API writes). Each clip is cut from the camera's {@link SegmentBuffer} once the buffer
 * holds the whole span, put in the blob store with a thumbnail, and the event written to the recordings topic,
 * where the pipeline's events view picks it up for any API instance. Clips are cut one at a time, on one thread.
 *
 * <p>Tracks are read from the end when the recorder starts: a presence that ended while no recorder ran has no
 * event. Manual requests are read from the beginning (the topic is compacted), so a request made while the
 * recorder was down is answered when it comes back, with an error when the span has left the buffer.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    /** How long a clip waits for the buffer to reach its end before it is cut with what there is. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);
    /** A manual recording's margin on each side (the seed's "about 1 s" pre- and post-roll). */
    public static final Duration MANUAL_MARGIN = Duration.ofSeconds(1);

    private record Recorded(Camera camera, SegmentBuffer buffer) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroSerde<TrackEvent> tracks;
    private final AvroSerde<Recording> recordings;
    private final IngestPublisher publisher;
    private final BlobStore blobs;
    private final ClipCutter cutter;
    private final Map<String, Recorded> cameras = new ConcurrentHashMap<>();
    private final ScheduledExecutorService cuts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("clip-cutter").daemon().factory());
    private final Thread thread;
    private volatile boolean running = true;

    public EventRecorder(String bootstrapServers, SchemaRegistryClient registry, IngestPublisher publisher, BlobStore blobs,
                         Path workDir) throws IOException {
        this.consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS), new StringDeserializer(), new ByteArrayDeserializer());
        this.tracks = AvroSerde.forValues(registry, TrackEvent.class);
        this.recordings = AvroSerde.forValues(registry, Recording.class);
        this.publisher = publisher;
        this.blobs = blobs;
        this.cutter = new ClipCutter(workDir);
        this.thread = Thread.ofPlatform().name("event-recorder").daemon().unstarted(this::run);
    }

    public EventRecorder start() {
        thread.start();
        return this;
    }

    /**
     * Every 30 s, removes the expired segments of buffers under {@code root} that no worker of this process keeps
     * (their camera was deleted or disabled), so their disk use ends with the retention too.
     */
    public EventRecorder sweepAbandonedBuffers(Path root, Duration retention) {
        cuts.scheduleWithFixedDelay(() -> {
            try {
                int removed = SegmentBuffer.sweepAbandoned(root, retention, java.util.Set.copyOf(cameras.keySet()));
                if (removed > 0) log.info("removed {} expired segments of cameras no longer recorded here", removed);
            } catch (IOException | RuntimeException e) {
                log.warn("sweeping abandoned segment buffers failed: {}", e.toString());
            }
        }, 30, 30, TimeUnit.SECONDS);
        return this;
    }

    /** From now on the camera's presences and manual requests are recorded from {@code buffer}. */
    public void record(Camera camera, SegmentBuffer buffer) {
        cameras.put(camera.getCameraId(), new Recorded(camera, buffer));
    }

    /** The camera's worker stopped: no more events of it here (unless that buffer was already replaced). */
    public void stop(String cameraId, SegmentBuffer buffer) {
        cameras.computeIfPresent(cameraId, (id, r) -> r.buffer() == buffer ? null : r);
    }

    private void run() {
        try {
            List<TopicPartition> trackPartitions = partitions(Topics.TRACKS);
            TopicPartition requests = new TopicPartition(Topics.RECORDINGS, 0);
            List<TopicPartition> all = new ArrayList<>(trackPartitions);
            all.add(requests);
            consumer.assign(all);
            consumer.seekToEnd(trackPartitions);
            consumer.seekToBeginning(List.of(requests));
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(AssignedConsumers.POLL)) {
                    if (r.value() == null) continue;
                    try {
                        if (r.topic().equals(Topics.TRACKS)) onTrack(tracks.deserialize(r.topic(), r.value()));
                        else onRecording(recordings.deserialize(r.topic(), r.value()));
                    } catch (RuntimeException e) {
                        log.warn("event recorder: skipped a record of {}: {}", r.topic(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) throw e;
        } catch (RuntimeException e) {
            log.error("event recorder stopped: {}", e.toString(), e);
        } finally {
            consumer.close(CloseOptions.timeout(AssignedConsumers.CLOSE_TIMEOUT));
        }
    }

    private List<TopicPartition> partitions(String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) throw new IllegalStateException("no topic " + topic);
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private void onTrack(TrackEvent track) {
        if (track.getType() != TrackEventType.ENDED || track.getSourceKind() != SourceKind.CAMERA) return;
        Recorded recorded = cameras.get(track.getSourceId());
        if (recorded == null) return;
        Camera camera = recorded.camera();
        long from = track.getFirstSeen().toEpochMilli() - camera.getPreSeconds() * 1000L;
        long to = track.getLastSeen().toEpochMilli() + camera.getPostSeconds() * 1000L;
        Recording event = Recording.newBuilder().setEventId(EventIds.presence(track.getTrackId())).setCameraId(camera.getCameraId())
                .setKind(RecordingKind.PRESENCE).setStartTime(Instant.ofEpochMilli(from)).setEndTime(Instant.ofEpochMilli(to))
                .setTrackId(track.getTrackId()).build();
        schedule(event, recorded.buffer(), to + MAX_WAIT.toMillis());
    }

    private void onRecording(Recording request) {
        if (request.getKind() != RecordingKind.MANUAL || request.getClipRef() != null || request.getError() != null
                || request.getEndTime() == null) return;
        Recorded recorded = cameras.get(request.getCameraId());
        if (recorded == null) return;
        schedule(request, recorded.buffer(), request.getEndTime().toEpochMilli() + MAX_WAIT.toMillis());
    }

    /** Cuts the event's clip once the buffer holds its end (or at {@code deadline} with what it holds). */
    private void schedule(Recording event, SegmentBuffer buffer, long deadline) {
        cuts.schedule(() -> {
            if (!running) return;
            // a camera deleted, repointed or retuned meanwhile: its old buffer's events are not recorded
            Recorded now = cameras.get(event.getCameraId());
            if (now == null || now.buffer() != buffer) return;
            try {
                long to = event.getEndTime().toEpochMilli();
                if (System.currentTimeMillis() < deadline && !ClipCutter.covered(buffer.dir(), to)) {
                    schedule(event, buffer, deadline);
                    return;
                }
                publisher.recording(cut(event, buffer)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("camera {}: event {} not recorded: {}", event.getCameraId(), event.getEventId(), e.toString());
            }
        }, 500, TimeUnit.MILLISECONDS);
    }

    private Recording cut(Recording event, SegmentBuffer buffer) throws IOException {
        Optional<ClipCutter.Clip> clip = cutter.cut(buffer.dir(), event.getStartTime().toEpochMilli(),
                event.getEndTime().toEpochMilli(), event.getEventId());
        Recording.Builder done = Recording.newBuilder(event);
        if (clip.isEmpty()) return done.setError("the camera's segment buffer holds none of this span").build();
        ClipCutter.Clip c = clip.get();
        String clipKey = blobs.put(BlobKind.CLIP, EventIds.clipBlob(event.getEventId()), c.mp4());
        String thumbKey = c.thumbnailJpeg() == null ? null
                : blobs.put(BlobKind.THUMBNAIL, EventIds.thumbnailBlob(event.getEventId()), c.thumbnailJpeg());
        log.info("camera {}: event {} recorded ({} s, {} bytes)", event.getCameraId(), event.getEventId(),
                String.format(java.util.Locale.ROOT, "%.1f", c.durationSeconds()), c.mp4().length);
        return done.setStartTime(Instant.ofEpochMilli(c.startMillis())).setEndTime(Instant.ofEpochMilli(c.endMillis()))
                .setClipRef(clipKey).setThumbnailRef(thumbKey).setSizeBytes(c.mp4().length).build();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cuts.shutdownNow();
    }
}
