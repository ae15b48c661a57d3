package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.FaceAnalyzer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What the app's tests share: a standalone configuration on free ports, and a clip with one real face. */
final class TestStandalone {

    /** Kafka on {@code kafkaPort} (0: a free one), the controller and the registry on free ports, data under {@code dataDir}. */
    static Config config(Path dataDir, int kafkaPort) {
        return config(dataDir, kafkaPort, Map.of());
    }

    /** The same, with more keys set. */
    static Config config(Path dataDir, int kafkaPort, Map<String, String> more) {
        Map<String, String> keys = new java.util.HashMap<>(Map.of(
                "data.dir", dataDir.toString(),
                "kafka.embedded.port", String.valueOf(kafkaPort),
                "kafka.embedded.controller.port", "0",
                "registry.embedded.port", "0",
                "api.port", "0"));
        keys.putAll(more);
        return Config.load(null, Map.of(), keys);
    }

    /** 640x360, 25 fps, {@code frames} frames of one face from a package photo, drifting from x0 to x1. */
    static Path oneFaceClip(Path file, int frames, double x0, double x1) throws Exception {
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            SceneVideoWriter.write(file, 640, 360, 25, frames, List.of(new SceneVideoWriter.Sprite(
                    FaceSprites.fromPhoto(analyzer, "sample1", 1).getFirst(), 0, frames - 1, x0, 180, x1, 180, 160, 160)));
        }
        return file;
    }

    private TestStandalone() {
    }
}
