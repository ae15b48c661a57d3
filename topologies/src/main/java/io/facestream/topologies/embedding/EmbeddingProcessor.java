package io.facestream.topologies.embedding;

import io.facestream.models.Embeddings;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.state.EmbedWork;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackAppearance;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.TrackEventType;
import io.facestream.topologies.tracking.TrackingProcessor;
import org.apache.kafka.streams.state.StoreBuilder;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.Keys;
import io.facestream.topologies.ProcessorStores;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Micro-batched embedding. Chosen crops queue up until {@code batchSize} of them wait (then they run at
 * once: throughput at high load), the oldest has waited {@code maxWait} of wall clock (latency at low
 * load; checked between the stream thread's polls), or a frame ends while its source is processed in step with
 * its time ({@link #IN_STEP}: a live camera's crops never wait on a poll). Track events queue behind the crops
 * before them and leave after them, so downstream sees a track's embeddings before the event that lists them. The queue is a state store, so a crop chosen before a commit
 * and not yet embedded survives a crash under exactly-once.
 *
 * <p>Each live track's recent embeddings are kept ({@link #APPEARANCE}): a face of the track less similar than
 * {@code otherPerson} to every one of them is another person's (the box stayed, the person changed). That face and
 * the track's later ones are not passed on, so no alert or sighting of the track counts them, and the frame is
 * reported to the tracker ({@link TrackingProcessor#SPLITS}), which splits the track there. The tracker asks for the
 * queued crops to be checked at once ({@code EmbedWork.check_now}) before it would end a track or forget the faces a
 * split moves, so a split is never decided too late to be applied.
 */
public final class EmbeddingProcessor implements Processor<String, EmbedWork, String, ResolutionInput> {
    public static final String QUEUE = "embedding-queue";
    public static final String APPEARANCE = "embedding-track-appearance";
    /**
     * A frame tracked within this of its time (a live camera's capture, a file replayed at real time from now) is
     * processed in step with its source: its crops are embedded at the frame's end, not held for a batch (the next
     * frame is a frame interval away, and the batch's timer runs only once the stream thread's poll returns). A source
     * further behind, or ahead (a file replayed faster than real time), fills batches.
     */
    static final Duration IN_STEP = Duration.ofSeconds(1);
    /** Embeddings of a track compared with a new face: the latest few, in the same conditions as the new face. */
    private static final int APPEARANCE_FACES = 4;

    private final Embedder embedder;
    private final int batchSize;
    private final Duration maxWait;
    private final InferenceMetrics metrics;
    private final double otherPerson;
    private final double softQuality;
    private ProcessorContext<String, ResolutionInput> context;
    private KeyValueStore<String, EmbedWork> queue;
    /**
     * What {@link #queue} holds, in sequence order, as the objects last written: a flush reads them from here, decoding
     * nothing (crops and their JPEGs included). The store is still written, for its changelog; {@link #init} reads it
     * back (a restart, a task revived after an error).
     */
    private final NavigableMap<String, EmbedWork> queued = new TreeMap<>();
    private KeyValueStore<String, TrackAppearance> appearance;
    private KeyValueStore<String, Long> splits;
    private long nextSequence;
    private int queuedCrops;
    private long oldestCropQueuedAt = Long.MAX_VALUE;

    /**
     * @param otherPerson below this similarity to each of a track's recent faces, a face of the track is another person's
     * @param softQuality faces below this quality (small, blurred) are too unlike even their own person's to judge
     *                    by: they are passed on without the check and do not become a track's reference
     */
    public EmbeddingProcessor(Embedder embedder, int batchSize, Duration maxWait, InferenceMetrics metrics, double otherPerson,
                              double softQuality) {
        this.embedder = embedder;
        this.batchSize = batchSize;
        this.maxWait = maxWait;
        this.metrics = metrics;
        this.otherPerson = otherPerson;
        this.softQuality = softQuality;
    }

    /**
     * Micro-batching embedders with their queue (a store, so a crop chosen before a commit survives a crash), the
     * live tracks' appearance, and the tracker's {@code splits} store (the builder the tracker is given too).
     */
    public static ProcessorSupplier<String, EmbedWork, String, ResolutionInput> supplier(Embedder embedder, int batchSize, Duration maxWait,
                                                                                       InferenceMetrics metrics, double otherPerson,
                                                                                       double softQuality, AvroSerdes serdes,
                                                                                       StoreBuilder<KeyValueStore<String, Long>> splits) {
        return ProcessorStores.supplier(() -> new EmbeddingProcessor(embedder, batchSize, maxWait, metrics, otherPerson, softQuality),
                Set.of(ProcessorStores.inMemory(QUEUE, serdes.of(EmbedWork.class)),
                        ProcessorStores.inMemory(APPEARANCE, serdes.of(TrackAppearance.class)), splits));
    }

    /** The batch's wait timer while crops wait; null when none does. */
    private Cancellable batchTimer;

    @Override
    public void init(ProcessorContext<String, ResolutionInput> context) {
        this.context = context;
        this.queue = context.getStateStore(QUEUE);
        this.appearance = context.getStateStore(APPEARANCE);
        this.splits = context.getStateStore(TrackingProcessor.SPLITS);
        queued.clear();
        queuedCrops = 0;
        try (KeyValueIterator<String, EmbedWork> it = queue.all()) {
            while (it.hasNext()) {
                KeyValue<String, EmbedWork> kv = it.next();
                queued.put(kv.key, kv.value);
                nextSequence = Long.parseLong(kv.key) + 1;
                if (kv.value.getCrop() != null) queuedCrops++;
            }
        }
        if (queuedCrops > 0) {
            oldestCropQueuedAt = context.currentSystemTimeMs();
            awaitBatch();
        }
    }

    /**
     * The batch's wall-clock timer runs only while crops wait: an idle task has no punctuation, and so nothing to
     * commit (every punctuation makes Kafka Streams commit the task, a transaction under exactly-once).
     */
    private void awaitBatch() {
        if (batchTimer != null) return;
        long tick = Math.max(1, maxWait.toMillis() / 2);
        batchTimer = context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (queuedCrops > 0 && now - oldestCropQueuedAt >= maxWait.toMillis()) flush();
        });
    }

    @Override
    public void process(Record<String, EmbedWork> record) {
        EmbedWork work = record.value();
        if (work.getCheckNow()) { // the tracker is about to end a track or forget faces: their splits must be in first
            if (queuedCrops > 0) flush();
            return;
        }
        if (work.getFrameEnd()) {
            if (queuedCrops > 0 && Math.abs(context.currentSystemTimeMs() - record.timestamp()) <= IN_STEP.toMillis()) {
                flush();
                // Under exactly-once the alerts are visible once committed: now, not at the commit interval's first
                // loop after it, which waits for the next poll to return (a frame interval, or topologies.poll.ms).
                context.commit();
            }
            return;
        }
        if (work.getCrop() == null && queuedCrops == 0) {
            forgetEnded(work.getEvent());
            context.forward(record.withValue(ResolutionInput.newBuilder().setEvent(work.getEvent()).build()));
            return;
        }
        String key = Keys.of(nextSequence++);
        queue.put(key, work);
        queued.put(key, work);
        if (work.getCrop() != null) {
            if (queuedCrops++ == 0) {
                oldestCropQueuedAt = context.currentSystemTimeMs();
                awaitBatch();
            }
            if (queuedCrops >= batchSize) flush();
        }
    }

    private void flush() {
        List<Map.Entry<String, EmbedWork>> items = new ArrayList<>(queued.entrySet());
        queued.clear();
        List<byte[]> jpegs = new ArrayList<>();
        for (var kv : items) if (kv.getValue().getCrop() != null) jpegs.add(bytes(kv.getValue().getCrop().getCropJpeg()));
        long started = System.nanoTime();
        List<float[]> embeddings = embedder.embed(jpegs);
        metrics.record(jpegs.size(), System.nanoTime() - started);
        int next = 0;
        for (var kv : items) {
            EmbedWork work = kv.getValue();
            if (work.getCrop() == null) {
                forgetEnded(work.getEvent());
                context.forward(new Record<>(work.getEvent().getSourceId(),
                        ResolutionInput.newBuilder().setEvent(work.getEvent()).build(), work.getEvent().getTimestamp().toEpochMilli()));
            } else {
                float[] embedding = embeddings.get(next++);
                if (embedding != null && sameTrackPerson(work, embedding)) {
                    FaceCrop crop = work.getCrop();
                    // the crop rides beside the embedding, to the faces view only: face-embeddings carries no JPEG
                    context.forward(new Record<>(crop.getSourceId(), ResolutionInput.newBuilder()
                            .setEmbedding(embedding(crop, work.getTrackId(), embedding)).setCropJpeg(crop.getCropJpeg()).build(),
                            crop.getTimestamp().toEpochMilli()));
                }
            }
            queue.delete(kv.getKey());
        }
        queuedCrops = 0;
        oldestCropQueuedAt = Long.MAX_VALUE;
        if (batchTimer != null) {
            batchTimer.cancel();
            batchTimer = null;
        }
    }

    /**
     * Whether the face still shows the track's person, remembering it if so; a face of another person marks the
     * track split at its frame (for the tracker), and the track's faces from then on are not passed on.
     */
    private boolean sameTrackPerson(EmbedWork work, float[] embedding) {
        String trackId = work.getTrackId();
        if (trackId == null) return true;
        long frame = work.getCrop().getFrameNumber();
        TrackAppearance seen = appearance.get(trackId);
        if (work.getCrop().getQuality() < softQuality) return seen == null || seen.getSplitFrame() == null || frame < seen.getSplitFrame();
        if (seen == null) {
            appearance.put(trackId, StoredEmbeddings.withRecent(TrackAppearance.newBuilder().setTrackId(trackId).setSplitFrame(null),
                    null, embedding, APPEARANCE_FACES).build());
            return true;
        }
        if (seen.getSplitFrame() != null) return frame < seen.getSplitFrame();
        List<float[]> seenRecent = StoredEmbeddings.recentOf(seen);
        double best = -1;
        for (float[] e : seenRecent) best = Math.max(best, Embeddings.similarity(e, embedding));
        if (best < otherPerson) {
            appearance.put(trackId, TrackAppearance.newBuilder(seen).setSplitFrame(frame).build());
            splits.put(trackId, frame);
            return false;
        }
        appearance.put(trackId, StoredEmbeddings.withRecent(TrackAppearance.newBuilder().setTrackId(trackId).setSplitFrame(null),
                seen, embedding, APPEARANCE_FACES).build());
        return true;
    }

    /** An ended track's appearance is forgotten as its end passes (after every crop of it queued before). */
    private void forgetEnded(TrackEvent event) {
        if (event != null && event.getType() == TrackEventType.ENDED) appearance.delete(event.getTrackId());
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        java.nio.ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private FaceEmbedding embedding(FaceCrop crop, String trackId, float[] embedding) {
        return StoredEmbeddings.withEmbedding(FaceEmbedding.newBuilder(), embedding).setCropId(crop.getCropId())
                .setSourceId(crop.getSourceId()).setTrackId(trackId)
                .setTimestamp(crop.getTimestamp()).setModelId(embedder.modelId()).setQuality(crop.getQuality())
                .setSourceKind(crop.getSourceKind()).setCameraId(crop.getCameraId()).setFileId(crop.getFileId())
                .setFrameNumber(crop.getFrameNumber()).setBbox(crop.getBbox()).setDetectionScore(crop.getDetectionScore())
                .setFrameRef(crop.getFrameRef()).setCropJpeg(null).build();
    }
}
