package io.facestream.models.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The conversions a catalogue may name ({@code "convert": {"from": ...}}), run by the model store at fetch time. */
public final class Converters {
    /** face-api.js's ResNet-34 face descriptor (TensorFlow.js weights) to ONNX; input: its weights manifest. */
    public static final String FACEAPI_RESNET34 = "faceapi-resnet34";
    private static final String FACEAPI_MANIFEST = "model/face_recognition_model-weights_manifest.json";

    private Converters() {}

    /** The converted file's bytes, from the package files the conversion reads (package path to local path). */
    public static byte[] convert(String from, Map<String, Path> inputs) throws IOException {
        if (FACEAPI_RESNET34.equals(from)) {
            Path manifest = inputs.get(FACEAPI_MANIFEST);
            if (manifest == null) {
                throw new IOException(from + " reads " + FACEAPI_MANIFEST + " (and the weight file it names beside it)");
            }
            return FaceApiResNetConverter.convert(manifest);
        }
        throw new IOException("no converter named '" + from + "' (known: " + FACEAPI_RESNET34 + ")");
    }
}
