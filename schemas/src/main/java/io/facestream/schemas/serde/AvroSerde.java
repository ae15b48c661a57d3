package io.facestream.schemas.serde;

import io.facestream.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Avro records in the Confluent wire format: magic byte 0, the writer schema's 4-byte
 * big-endian registry id, then Avro binary. Subjects follow the topic-name strategy
 * ({@code <topic>-value}, or {@code <topic>-key} for keys). Written by hand because
 * Confluent's serializers are not on Maven Central; any Confluent-compatible client
 * decodes what this writes. Reading resolves the writer's schema to this class's, so
 * records written under an older compatible schema still decode.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    static final byte MAGIC = 0;
    private static final int HEADER = 5;

    static {
        // Avro 1.12 loads record classes by name only when trusted; trust our generated contracts.
        ClassSecurityValidator.ClassSecurityPredicate ours = c -> c.getName().startsWith("io.facestream.schemas.avro.");
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    }

    private final SchemaRegistryClient registry;
    private final Schema readerSchema;
    private final boolean forKeys;
    private final SpecificDatumWriter<T> writer;
    private final Map<String, Integer> idsByTopic = new ConcurrentHashMap<>();
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();

    public AvroSerde(SchemaRegistryClient registry, Class<T> type, boolean forKeys) {
        this.registry = registry;
        this.readerSchema = SpecificData.get().getSchema(type);
        this.forKeys = forKeys;
        this.writer = new SpecificDatumWriter<>(readerSchema);
    }

    /** A serde for record values. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(SchemaRegistryClient registry, Class<T> type) {
        return new AvroSerde<>(registry, type, false);
    }

    public String subject(String topic) {
        return topic + (forKeys ? "-key" : "-value");
    }

    /** Registers this type's schema for {@code topic} now, so that the first record written there does not wait for the registry. */
    public int register(String topic) {
        return idsByTopic.computeIfAbsent(topic, t -> registry.register(subject(t), readerSchema));
    }

    public byte[] serialize(String topic, T record) {
        if (record == null) return null; // a tombstone stays a tombstone
        int id = register(topic);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write a " + readerSchema.getFullName() + " to " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) return null;
        if (bytes.length < HEADER)
            throw new SerializationException("record on " + topic + " is " + bytes.length + " bytes: too short for the Confluent wire format");
        if (bytes[0] != MAGIC)
            throw new SerializationException("record on " + topic + " starts with byte " + bytes[0] + ", not the Confluent magic byte 0");
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        try {
            SpecificDatumReader<T> reader = readersByWriterId.computeIfAbsent(id,
                    i -> new SpecificDatumReader<>(registry.byId(i), readerSchema));
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER, bytes.length - HEADER, null);
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read a " + readerSchema.getFullName() + " (schema id " + id + ") from "
                    + topic + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }
}
