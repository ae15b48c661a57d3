package io.facestream.api.live;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.AssignedConsumers;
import io.facestream.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each camera's latest live-view frame, with the face boxes found in it, and the camera's live tracks (their latest
 * boxes, so a box can be named by the track it belongs to), kept in memory from the frames, face-crops and tracks
 * topics: one consumer per API process (no group, so every instance can serve every camera), started a few seconds
 * back so a camera already running shows at once. Bounded: one frame per camera, at most {@code maxCameras} cameras
 * and {@code maxBytes} of JPEG in all, the cameras updated least recently dropped first (the topic caps a frame at
 * {@link Topics#FRAME_MAX_BYTES}).
 */
public final class LatestFrames implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LatestFrames.class);
    /** How far back a starting process looks for each camera's latest frame. */
    private static final Duration LOOK_BACK = Duration.ofSeconds(10);
    /** Boxes kept per camera for frames not yet seen (a frame's crops come before it, on another topic). */
    private static final int PENDING_BOXES = 64;

    /**
     * One frame: {@code version} rises with every new frame of the camera, so a stream sends a part only when it
     * changed. {@code boxes} are filled as the frame's crops arrive; {@code faceCount} says how many to expect.
     */
    public record Latest(long version, long frameNumber, Instant timestamp, byte[] jpeg, int width, int height,
                         int sourceWidth, int sourceHeight, int faceCount, List<BoundingBox> boxes) {
        public boolean complete() {
            return boxes.size() >= faceCount;
        }
    }

    private record Box(long frameNumber, BoundingBox box) {}

    /** A track not yet ended: its id and latest box. */
    public record LiveTrack(String trackId, BoundingBox box, Instant lastSeen) {}

    /** Live tracks kept per camera; the least recently seen go first. */
    private static final int TRACKS_PER_CAMERA = 32;

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroSerde<Frame> frames;
    private final AvroSerde<FaceCrop> crops;
    private final AvroSerde<TrackEvent> trackEvents;
    /** Live tracks per camera, replaced whole (copy on write) so readers need no lock. */
    private final Map<String, List<LiveTrack>> tracks = new ConcurrentHashMap<>();
    private final int maxCameras;
    private final long maxBytes;
    private long bytes;
    private final Map<String, Latest> latest = new ConcurrentHashMap<>();
    /** Boxes per camera by frame number, for the consumer thread only. */
    private final Map<String, List<Box>> boxes = new HashMap<>();
    private final Object changed = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private long versions;
    private List<TopicPartition> partitions = List.of();

    public LatestFrames(String bootstrapServers, String registryUrl, int maxCameras, long maxBytes) {
        AvroSerdes serdes = new AvroSerdes(new RestSchemaRegistryClient(registryUrl));
        this.frames = serdes.of(Frame.class);
        this.crops = serdes.of(FaceCrop.class);
        this.trackEvents = serdes.of(TrackEvent.class);
        this.maxCameras = maxCameras;
        this.maxBytes = maxBytes;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "facestream-api-live-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.FRAME_MAX_BYTES,
                // see AssignedConsumers: a record answers a held fetch at once
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AssignedConsumers.FETCH_MAX_WAIT_MS),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().name("facestream-live-frames").daemon().start(this::run);
    }

    /** The camera's latest frame, if one arrived since this process started looking. */
    public Optional<Latest> latest(String cameraId) {
        return Optional.ofNullable(latest.get(cameraId));
    }

    /**
     * Waits up to {@code timeout} for a frame of the camera newer than {@code afterVersion}; returns the latest
     * one either way (empty when there is none).
     */
    public Optional<Latest> awaitNewer(String cameraId, long afterVersion, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (running) {
                Latest now = latest.get(cameraId);
                if (now != null && now.version() > afterVersion) return Optional.of(now);
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                TimeUnit.NANOSECONDS.timedWait(changed, left);
            }
        }
        return latest(cameraId);
    }

    /** The camera's tracks that have not ended. */
    public List<LiveTrack> liveTracks(String cameraId) {
        return tracks.getOrDefault(cameraId, List.of());
    }

    public boolean running() {
        return running;
    }

    private void run() {
        PollLoop.run("Live frames", () -> running, this::pollOnce, consumer, LOG);
    }

    private void pollOnce() throws InterruptedException {
        if (partitions.isEmpty()) {
            partitions = assign();
            if (partitions.isEmpty()) {
                Thread.sleep(1000);
                return;
            }
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(AssignedConsumers.POLL)) {
            if (record.value() == null) continue;
            try {
                switch (record.topic()) {
                    case Topics.FRAMES -> onFrame(frames.deserialize(record.topic(), record.value()));
                    case Topics.FACE_CROPS -> onCrop(crops.deserialize(record.topic(), record.value()));
                    default -> onTrack(trackEvents.deserialize(record.topic(), record.value()));
                }
            } catch (RuntimeException e) {
                LOG.debug("Skipping undecodable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
            }
        }
    }

    /** The topics' partitions, from {@link #LOOK_BACK} ago; empty until the topics exist. */
    private List<TopicPartition> assign() {
        List<TopicPartition> found = new ArrayList<>();
        for (String topic : List.of(Topics.FRAMES, Topics.FACE_CROPS, Topics.TRACKS)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> found.add(new TopicPartition(p.topic(), p.partition())));
        }
        if (found.isEmpty()) return found;
        consumer.assign(found);
        long from = System.currentTimeMillis() - LOOK_BACK.toMillis();
        Map<TopicPartition, Long> times = new HashMap<>();
        found.forEach(p -> times.put(p, from));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times, Duration.ofSeconds(10));
        for (TopicPartition p : found) {
            OffsetAndTimestamp at = offsets.get(p);
            if (at != null) consumer.seek(p, at.offset());
            else consumer.seekToEnd(List.of(p));
        }
        return found;
    }

    private void onFrame(Frame frame) {
        if (frame.getSourceKind() != SourceKind.CAMERA || frame.getJpeg() == null) return;
        String camera = frame.getSourceId();
        Latest previous = latest.get(camera);
        if (previous != null && previous.frameNumber() >= frame.getFrameNumber()
                && !previous.timestamp().isBefore(frame.getTimestamp())) {
            return; // an older frame (a worker's restart numbers from 0 again, but its time moves on)
        }
        ByteBuffer buffer = frame.getJpeg().duplicate();
        byte[] jpeg = new byte[buffer.remaining()];
        buffer.get(jpeg);
        List<BoundingBox> found = new ArrayList<>();
        List<Box> pending = boxes.get(camera);
        if (pending != null) {
            pending.removeIf(b -> b.frameNumber() < frame.getFrameNumber());
            pending.stream().filter(b -> b.frameNumber() == frame.getFrameNumber()).forEach(b -> found.add(b.box()));
        }
        Latest next = new Latest(++versions, frame.getFrameNumber(), frame.getTimestamp(), jpeg, frame.getWidth(),
                frame.getHeight(), frame.getSourceWidth(), frame.getSourceHeight(), frame.getFaceCount(), List.copyOf(found));
        Latest replaced = latest.put(camera, next);
        bytes += jpeg.length - (replaced == null ? 0 : replaced.jpeg().length);
        while (latest.size() > maxCameras || (bytes > maxBytes && latest.size() > 1)) evictOldest();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    private void onCrop(FaceCrop crop) {
        if (crop.getSourceKind() != SourceKind.CAMERA) return;
        String camera = crop.getSourceId();
        Latest current = latest.get(camera);
        if (current != null && current.frameNumber() == crop.getFrameNumber()) {
            // the frame came first: add the box to it (no new version: the picture is the same frame)
            List<BoundingBox> more = new ArrayList<>(current.boxes());
            more.add(crop.getBbox());
            latest.put(camera, new Latest(current.version(), current.frameNumber(), current.timestamp(), current.jpeg(),
                    current.width(), current.height(), current.sourceWidth(), current.sourceHeight(), current.faceCount(),
                    List.copyOf(more)));
            return;
        }
        if (!boxes.containsKey(camera) && boxes.size() >= maxCameras) return;
        List<Box> pending = boxes.computeIfAbsent(camera, c -> new ArrayList<>());
        if (pending.size() >= PENDING_BOXES) pending.remove(0);
        pending.add(new Box(crop.getFrameNumber(), crop.getBbox()));
    }

    private void onTrack(TrackEvent event) {
        if (event.getSourceKind() != SourceKind.CAMERA) return;
        String camera = event.getSourceId();
        List<LiveTrack> current = tracks.get(camera);
        if (current == null && tracks.size() >= maxCameras) return;
        List<LiveTrack> next = new ArrayList<>(current == null ? List.of() : current);
        next.removeIf(t -> t.trackId().equals(event.getTrackId()));
        if (event.getType() != TrackEventType.ENDED) {
            next.add(new LiveTrack(event.getTrackId(), event.getBbox(), event.getLastSeen()));
            next.sort(Comparator.comparing(LiveTrack::lastSeen).reversed());
            if (next.size() > TRACKS_PER_CAMERA) next = next.subList(0, TRACKS_PER_CAMERA);
        }
        if (next.isEmpty()) tracks.remove(camera);
        else tracks.put(camera, List.copyOf(next));
    }

    private void evictOldest() {
        latest.entrySet().stream().min(Comparator.comparing(e -> e.getValue().timestamp()))
                .ifPresent(e -> {
                    latest.remove(e.getKey());
                    boxes.remove(e.getKey());
                    tracks.remove(e.getKey());
                    bytes -= e.getValue().jpeg().length;
                });
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        synchronized (changed) {
            changed.notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
