package io.facestream.app;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.app.bench.RecognitionBenchmark;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.inference.Tensors;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelStore;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

/**
 * The ONNX model the store converts from face-api.js's weights computes what face-api.js computes: the same
 * 150x150 real face through face-api.js in Node (the pinned npm packages, WASM backend) and through ONNX Runtime
 * gives the same 128 numbers.
 */
class FaceApiResNetEquivalenceTest {
    private static final String SCRIPT = """
            const fs = require('fs');
            const tf = require('@tensorflow/tfjs');
            require('@tensorflow/tfjs-backend-wasm');
            const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
            (async () => {
              await tf.setBackend('wasm');
              await tf.ready();
              await faceapi.nets.faceRecognitionNet.loadFromDisk('node_modules/@vladmandic/face-api/model');
              const rgb = fs.readFileSync(process.argv[2]);
              const d = await faceapi.computeFaceDescriptor(tf.tensor3d(new Int32Array(rgb), [150, 150, 3], 'int32'));
              fs.writeFileSync(process.argv[3], JSON.stringify(Array.from(d)));
            })().catch((e) => { console.error(e); process.exit(1); });
            """;

    @Test
    void theConvertedNetGivesFaceApisDescriptor() throws Exception {
        Path work = Path.of("target/bench-recognition-test").toAbsolutePath();
        Path nodeDir = work.resolve("node");
        assertThat(RecognitionBenchmark.installPeer(nodeDir)).as("npm install of the pinned packages").isNull();

        // a real face: the left face of sample1, cut square and resized to the net's 150x150 input
        byte[] rgb;
        try (Mat photo = ImageCodec.decodeRgbMat(Files.readAllBytes(ModelStore.fromEnvironment().resolve(ModelCatalog.photos().fileRef("sample1"))),
                        ImageCodec.DEFAULT_MAX_PIXELS);
                Rect square = new Rect(509 - 160, 476 - 160, 320, 320); Mat face = new Mat(photo, square);
                Mat small = Tensors.resized(face, 150, 150)) {
            rgb = ImageCodec.toRgbImage(small).rgb();
        }
        Path input = work.resolve("face150.rgb");
        Files.write(input, rgb);
        Files.writeString(nodeDir.resolve("descriptor-check.js"), SCRIPT);
        Path output = work.resolve("face150-faceapi.json");
        Files.deleteIfExists(output);
        String failure = RecognitionBenchmark.exec(List.of("node", "descriptor-check.js", input.toString(), output.toString()), nodeDir, 300);
        assertThat(failure).as("face-api.js in Node").isNull();
        JsonNode expected = new ObjectMapper().readTree(output.toFile());

        ModelSpec resnet = ModelCatalog.load(Path.of("../models/catalogs/faceapi-resnet34.json")).model(ModelSpec.Role.EMBEDDER);
        Path model = ModelStore.fromEnvironment().resolve(resnet.fileRef(null));
        float[] chw = new float[3 * 150 * 150];
        for (int i = 0; i < 150 * 150; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * 150 * 150 + i] = rgb[i * 3 + c] & 0xFF;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] actual;
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
                OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(chw), new long[] {1, 3, 150, 150});
                OrtSession.Result result = session.run(Map.of("input", tensor))) {
            actual = ((float[][]) result.get(0).getValue())[0];
        }

        assertThat(expected.size()).isEqualTo(128);
        assertThat(actual).hasSize(128);
        double worst = 0, norm = 0;
        for (int i = 0; i < 128; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected.get(i).asDouble()));
            norm += actual[i] * actual[i];
        }
        System.out.printf("converted ResNet against face-api.js: largest difference %.2e over 128 values of norm %.3f%n", worst, Math.sqrt(norm));
        assertThat(Math.sqrt(norm)).as("a real descriptor, not zeros").isGreaterThan(0.1);
        assertThat(worst).isLessThan(1e-4);
    }
}
