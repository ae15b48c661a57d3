package io.facestream.topologies.views;

import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.Heartbeat;
import io.facestream.schemas.avro.VideoFile;
import io.facestream.schemas.serde.AvroSerde;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serdes of the views' own store values. The Avro parts keep the Confluent wire format of
 * their topic (same subject, same schema id), so they evolve with the topic's schema;
 * only the small envelope around them is ours: a 4-byte length of the first part, the
 * first part, then the second part (absent when null). {@link FileSummary} is a few
 * numbers and a map, written with a leading format version.
 */
public final class ViewSerdes {
    private static final byte SUMMARY_V1 = 1;

    private ViewSerdes() {
    }

    static Serde<CameraState> cameraStates(AvroSerdes serdes) {
        AvroSerde<Camera> cameras = serdes.of(Camera.class);
        AvroSerde<Heartbeat> heartbeats = serdes.of(Heartbeat.class);
        return Serdes.serdeFrom(
                (topic, state) -> state == null ? null : pair(
                        cameras.serialize(Topics.CAMERAS, state.camera()),
                        state.heartbeat() == null ? null : heartbeats.serialize(Topics.HEARTBEATS, state.heartbeat())),
                (topic, bytes) -> {
                    if (bytes == null) return null;
                    byte[][] parts = unpair(bytes);
                    return new CameraState(cameras.deserialize(Topics.CAMERAS, parts[0]),
                            parts[1] == null ? null : heartbeats.deserialize(Topics.HEARTBEATS, parts[1]));
                });
    }

    static Serde<FileView> fileViews(AvroSerdes serdes) {
        AvroSerde<VideoFile> files = serdes.of(VideoFile.class);
        return Serdes.serdeFrom(
                (topic, view) -> view == null ? null : pair(files.serialize(Topics.FILES, view.file()), summaryBytes(view.summary())),
                (topic, bytes) -> {
                    if (bytes == null) return null;
                    byte[][] parts = unpair(bytes);
                    return new FileView(files.deserialize(Topics.FILES, parts[0]), summary(parts[1]));
                });
    }

    /** The file summaries' own store (the aggregate behind {@link Views#FILES}). */
    public static Serde<FileSummary> fileSummaries() {
        return Serdes.serdeFrom((topic, s) -> s == null ? null : summaryBytes(s), (topic, bytes) -> bytes == null ? null : summary(bytes));
    }

    private static byte[] pair(byte[] first, byte[] second) {
        int secondLength = second == null ? 0 : second.length;
        ByteBuffer out = ByteBuffer.allocate(4 + first.length + secondLength).putInt(first.length).put(first);
        if (second != null) out.put(second);
        return out.array();
    }

    private static byte[][] unpair(byte[] bytes) {
        int firstLength = ByteBuffer.wrap(bytes).getInt();
        if (firstLength < 0 || firstLength > bytes.length - 4) throw new SerializationException("corrupt view value: first part of " + firstLength + " bytes");
        byte[] first = Arrays.copyOfRange(bytes, 4, 4 + firstLength);
        byte[] second = 4 + firstLength == bytes.length ? null : Arrays.copyOfRange(bytes, 4 + firstLength, bytes.length);
        return new byte[][]{first, second};
    }

    private static byte[] summaryBytes(FileSummary s) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(SUMMARY_V1);
            out.writeLong(s.sightings());
            out.writeLong(s.faces());
            writeInstant(out, s.firstSeen());
            writeInstant(out, s.lastSeen());
            out.writeInt(s.sightingsByIdentity().size());
            for (Map.Entry<String, Integer> e : new TreeMap<>(s.sightingsByIdentity()).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new SerializationException("file summary", e);
        }
    }

    private static FileSummary summary(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != SUMMARY_V1) throw new SerializationException("unknown file summary format " + version);
            long sightings = in.readLong(), faces = in.readLong();
            Instant first = readInstant(in), last = readInstant(in);
            int n = in.readInt();
            Map<String, Integer> ids = new TreeMap<>();
            for (int i = 0; i < n; i++) ids.put(in.readUTF(), in.readInt());
            return new FileSummary(sightings, faces, ids, first, last);
        } catch (IOException e) {
            throw new SerializationException("file summary", e);
        }
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) out.writeLong(t.toEpochMilli());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return in.readBoolean() ? Instant.ofEpochMilli(in.readLong()) : null;
    }
}
