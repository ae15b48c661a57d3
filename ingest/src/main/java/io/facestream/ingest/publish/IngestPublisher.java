package io.facestream.ingest.publish;

import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.registry.SchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.topics.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Everything ingest writes to Kafka, through one idempotent producer (acks=all). No
 * compression: frames and crops are JPEG already. The producer's request limit equals
 * the frames topic's record limit, so an oversized frame fails here with a clear error.
 */
public final class IngestPublisher implements AutoCloseable {
    private final Producer<String, byte[]> producer;
    private final AvroSerde<Frame> frames;
    private final AvroSerde<FaceCrop> crops;
    private final AvroSerde<Heartbeat> heartbeats;
    private final AvroSerde<VideoFile> files;
    private final AvroSerde<Chunk> chunks;
    private final AvroSerde<Recording> recordings;

    public IngestPublisher(String bootstrapServers, SchemaRegistryClient registry, String clientId) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.FRAME_MAX_BYTES,
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer());
        this.frames = AvroSerde.forValues(registry, Frame.class);
        this.crops = AvroSerde.forValues(registry, FaceCrop.class);
        this.heartbeats = AvroSerde.forValues(registry, Heartbeat.class);
        this.files = AvroSerde.forValues(registry, VideoFile.class);
        this.chunks = AvroSerde.forValues(registry, Chunk.class);
        this.recordings = AvroSerde.forValues(registry, Recording.class);
    }

    public Future<?> frame(Frame frame) {
        return send(Topics.FRAMES, frame.getSourceId(), frames, frame);
    }

    public Future<?> crop(FaceCrop crop) {
        return send(Topics.FACE_CROPS, crop.getSourceId(), crops, crop);
    }

    public Future<?> heartbeat(Heartbeat heartbeat) {
        return send(Topics.HEARTBEATS, heartbeat.getCameraId(), heartbeats, heartbeat);
    }

    public Future<?> chunk(Chunk chunk) {
        return send(Topics.CHUNKS, chunk.getChunkId(), chunks, chunk);
    }

    /** A recorded event (its clip and thumbnail already in the blob store). */
    public Future<?> recording(Recording recording) {
        return send(Topics.RECORDINGS, recording.getEventId(), recordings, recording);
    }

    /** File records mark progress a person watches; each is written before the call returns. */
    public void file(VideoFile file) {
        try {
            send(Topics.FILES, file.getFileId(), files, file).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot record file " + file.getFileId() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording file " + file.getFileId(), e);
        }
    }

    private <T extends SpecificRecord> Future<?> send(String topic, String key, AvroSerde<T> serde, T record) {
        return producer.send(new ProducerRecord<>(topic, key, serde.serialize(topic, record)));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
