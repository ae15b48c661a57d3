package io.facestream.models.convert;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an ONNX model (the protobuf messages of onnx.proto that a plain inference graph needs: ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto) without a protobuf library: no Maven
 * artifact ships ONNX's generated message classes, and these few messages are a few varints and
 * length-delimited fields (protobuf's wire format).
 */
final class OnnxWriter {
    static final int FLOAT = 1, INT64 = 7;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private int counter;

    /** A fresh tensor name. */
    String name(String prefix) {
        return prefix + "_" + counter++;
    }

    String floats(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        initializers.add(tensor(name, dims, FLOAT, raw.array()));
        return name;
    }

    String longs(String name, long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        initializers.add(tensor(name, new long[] {values.length}, INT64, raw.array()));
        return name;
    }

    void input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
    }

    void output(String name, long... dims) {
        outputs.add(valueInfo(name, dims));
    }

    /** A node with int / int-list attributes ({@code attrs}: name, value pairs; values are Long or long[]). */
    String node(String op, List<String> in, Object... attrs) {
        return nodeTo(name(op.toLowerCase()), op, in, attrs);
    }

    /** {@link #node} with its output named {@code out}. */
    String nodeTo(String out, String op, List<String> in, Object... attrs) {
        Message n = new Message();
        in.forEach(i -> n.string(1, i));
        n.string(2, out);
        n.string(3, out);
        n.string(4, op);
        for (int i = 0; i < attrs.length; i += 2) {
            Message a = new Message().string(1, (String) attrs[i]);
            if (attrs[i + 1] instanceof long[] values) {
                for (long v : values) {
                    a.varint(8, v);
                }
                a.varint(20, 7); // INTS
            } else if (attrs[i + 1] instanceof String s) {
                a.bytes(4, s.getBytes(StandardCharsets.UTF_8));
                a.varint(20, 3); // STRING
            } else {
                a.varint(3, (Long) attrs[i + 1]);
                a.varint(20, 2); // INT
            }
            n.bytes(5, a.toByteArray());
        }
        nodes.add(n.toByteArray());
        return out;
    }

    byte[] model(String graphName, String producer, int opset) {
        Message graph = new Message();
        nodes.forEach(n -> graph.bytes(1, n));
        graph.string(2, graphName);
        initializers.forEach(t -> graph.bytes(5, t));
        inputs.forEach(v -> graph.bytes(11, v));
        outputs.forEach(v -> graph.bytes(12, v));
        Message opsetId = new Message().string(1, "").varint(2, opset);
        return new Message().varint(1, 8).string(2, producer).bytes(7, graph.toByteArray()).bytes(8, opsetId.toByteArray()).toByteArray();
    }

    private static byte[] tensor(String name, long[] dims, int type, byte[] raw) {
        Message t = new Message();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, type).string(8, name).bytes(9, raw).toByteArray();
    }

    private static byte[] valueInfo(String name, long[] dims) {
        Message shape = new Message();
        for (long d : dims) {
            shape.bytes(1, new Message().varint(1, d).toByteArray());
        }
        Message tensorType = new Message().varint(1, FLOAT).bytes(2, shape.toByteArray());
        Message type = new Message().bytes(1, tensorType.toByteArray());
        return new Message().string(1, name).bytes(2, type.toByteArray()).toByteArray();
    }

    /** One protobuf message being written: fields in the order added. */
    private static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message varint(int field, long value) {
            writeVarint((long) field << 3);
            writeVarint(value);
            return this;
        }

        Message bytes(int field, byte[] value) {
            writeVarint(((long) field << 3) | 2);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        private void writeVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
