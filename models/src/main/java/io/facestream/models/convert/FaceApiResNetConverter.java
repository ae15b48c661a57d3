package io.facestream.models.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts face-api.js's face recognition net (the dlib ResNet-34 descriptor, as TensorFlow.js weights: a
 * manifest and a weight file, uint8-quantised) into an ONNX model that ONNX Runtime runs. The graph follows
 * face-api's {@code FaceRecognitionNet.forwardInput} layer by layer: per-channel mean subtraction and /255,
 * a 7x7 stride-2 conv, 3x3 max pool, residual and down-sampling residual blocks (average-pooled shortcut,
 * zero-padded in channels, and in rows/columns where the strided conv comes out one smaller), the spatial mean
 * and a 256x128 matrix. Each conv's bias and scale layer are folded into its weights.
 *
 * <p>Input {@code input} [1,3,150,150]: RGB pixels 0..255 of face-api's aligned face crop. Output
 * {@code descriptor} [1,128]; face-api compares descriptors by Euclidean distance.
 */
public final class FaceApiResNetConverter {
    private static final float[] MEAN_RGB = {122.782f, 117.001f, 104.298f};

    private final Map<String, float[]> weights = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final OnnxWriter onnx = new OnnxWriter();
    private int size = 150;
    private int channels = 3;

    private FaceApiResNetConverter() {}

    /** The ONNX model's bytes, from the manifest ({@code face_recognition_model-weights_manifest.json}) beside its weight files. */
    public static byte[] convert(Path manifest) throws IOException {
        FaceApiResNetConverter c = new FaceApiResNetConverter();
        c.read(manifest);
        return c.build();
    }

    private void read(Path manifest) throws IOException {
        JsonNode groups = new ObjectMapper().readTree(manifest.toFile());
        for (JsonNode group : groups) {
            ByteBuffer data = ByteBuffer.wrap(concat(manifest.getParent(), group.get("paths"))).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode w : group.get("weights")) {
                int[] shape = new int[w.get("shape").size()];
                int n = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = w.get("shape").get(i).asInt();
                    n *= shape[i];
                }
                if (!"float32".equals(w.get("dtype").asText())) {
                    throw new IOException(w.get("name").asText() + ": dtype " + w.get("dtype").asText() + " is not float32");
                }
                float[] values = new float[n];
                JsonNode q = w.get("quantization");
                if (q == null) {
                    for (int i = 0; i < n; i++) {
                        values[i] = data.getFloat();
                    }
                } else if ("uint8".equals(q.get("dtype").asText())) {
                    float scale = (float) q.get("scale").asDouble(), min = (float) q.get("min").asDouble();
                    for (int i = 0; i < n; i++) {
                        values[i] = (data.get() & 0xFF) * scale + min;
                    }
                } else {
                    throw new IOException(w.get("name").asText() + ": quantisation " + q.get("dtype").asText() + " is not supported");
                }
                weights.put(w.get("name").asText(), values);
                shapes.put(w.get("name").asText(), shape);
            }
            if (data.hasRemaining()) {
                throw new IOException(manifest + ": " + data.remaining() + " bytes of weights left over; not this network's manifest");
            }
        }
    }

    private static byte[] concat(Path dir, JsonNode paths) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (JsonNode p : paths) {
            all.writeBytes(Files.readAllBytes(dir.resolve(p.asText())));
        }
        return all.toByteArray();
    }

    private byte[] build() throws IOException {
        onnx.input("input", 1, 3, 150, 150);
        String x = onnx.node("Sub", List.of("input", onnx.floats("mean_rgb", new long[] {1, 3, 1, 1}, MEAN_RGB)));
        x = onnx.node("Div", List.of(x, onnx.floats("255", new long[] {1}, new float[] {255f})));
        x = conv(x, "conv32_down", 2, true, false);
        x = onnx.node("MaxPool", List.of(x), "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2});
        size = (size - 3) / 2 + 1;
        for (String block : List.of("conv32_1", "conv32_2", "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3",
                "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2", "conv256_down_out")) {
            x = block.contains("down") ? residualDown(x, block) : residual(x, block);
        }
        x = onnx.node("ReduceMean", List.of(x), "axes", new long[] {2, 3}, "keepdims", 0L);
        float[] fc = weights.get("fc");
        int[] fcShape = shapes.get("fc");
        if (fc == null || fcShape[0] != channels) {
            throw new IOException("the manifest has no fc weights of " + channels + " inputs");
        }
        onnx.nodeTo("descriptor", "MatMul", List.of(x, onnx.floats("fc", new long[] {fcShape[0], fcShape[1]}, fc)));
        onnx.output("descriptor", 1, fcShape[1]);
        return onnx.model("face-api-resnet34", "facestream FaceApiResNetConverter", 13);
    }

    private String residual(String x, String p) throws IOException {
        String out = conv(x, p + "/conv1", 1, true, true);
        out = conv(out, p + "/conv2", 1, false, true);
        return onnx.node("Relu", List.of(onnx.node("Add", List.of(out, x))));
    }

    private String residualDown(String x, String p) throws IOException {
        int inSize = size, inChannels = channels;
        String out = conv(x, p + "/conv1", 2, true, false);
        out = conv(out, p + "/conv2", 1, false, true);
        String pooled = onnx.node("AveragePool", List.of(x), "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2});
        int pooledSize = inSize / 2;
        if (pooledSize != size) {
            if (pooledSize != size + 1) {
                throw new IOException(p + ": the shortcut is " + pooledSize + " wide, the block " + size);
            }
            out = onnx.node("Pad", List.of(out, onnx.longs(onnx.name("pads"), new long[] {0, 0, 0, 0, 0, 0, 1, 1})));
            size = pooledSize;
        }
        if (inChannels != channels) {
            pooled = onnx.node("Pad", List.of(pooled, onnx.longs(onnx.name("pads"), new long[] {0, 0, 0, 0, 0, channels - inChannels, 0, 0})));
        }
        return onnx.node("Relu", List.of(onnx.node("Add", List.of(pooled, out))));
    }

    /** conv2d + bias, then the scale layer (x * weights + biases) folded in; 'same' (stride 1) or 'valid' padding. */
    private String conv(String x, String p, int stride, boolean relu, boolean same) throws IOException {
        float[] filters = weights.get(p + "/conv/filters");
        int[] shape = shapes.get(p + "/conv/filters");
        float[] bias = weights.get(p + "/conv/bias"), scale = weights.get(p + "/scale/weights"), offset = weights.get(p + "/scale/biases");
        if (filters == null || bias == null || scale == null || offset == null) {
            throw new IOException("the manifest lacks a weight of layer " + p);
        }
        int kh = shape[0], kw = shape[1], in = shape[2], out = shape[3];
        if (in != channels) {
            throw new IOException(p + " takes " + in + " channels, gets " + channels);
        }
        float[] w = new float[out * in * kh * kw];
        for (int y = 0; y < kh; y++) {
            for (int xx = 0; xx < kw; xx++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        w[((o * in + i) * kh + y) * kw + xx] = filters[((y * kw + xx) * in + i) * out + o] * scale[o];
                    }
                }
            }
        }
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            b[o] = bias[o] * scale[o] + offset[o];
        }
        int pad = same ? (kh - 1) / 2 : 0;
        String y = onnx.node("Conv", List.of(x, onnx.floats(onnx.name(p + "_w"), new long[] {out, in, kh, kw}, w),
                        onnx.floats(onnx.name(p + "_b"), new long[] {out}, b)),
                "kernel_shape", new long[] {kh, kw}, "strides", new long[] {stride, stride}, "pads", new long[] {pad, pad, pad, pad});
        size = same ? size : (size - kh) / stride + 1;
        channels = out;
        return relu ? onnx.node("Relu", List.of(y)) : y;
    }
}
