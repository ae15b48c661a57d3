package io.facestream.models;

import io.facestream.models.image.ImageCodec;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelStore;
import java.util.Locale;

/**
 * Settings of a {@link FaceAnalyzer}. {@link #fromEnvironment()} reads each from a system property or its
 * environment variable (see {@link Settings}); the defaults are listed in models/README.md.
 *
 * @param catalog          the models to use
 * @param store            where model files are cached and verified
 * @param device           {@code CPU} or {@code GPU} (CUDA execution provider; needs the gpu build)
 * @param gpuId            CUDA device index when {@code device} is GPU
 * @param intraOpThreads   ONNX Runtime intra-op threads per session
 * @param sessions         predictors per model that may run at once (parallel inference)
 * @param detectThreshold  minimum detector score; NaN takes the catalogue's
 * @param nmsThreshold     IoU above which overlapping boxes are merged; NaN takes the catalogue's
 * @param minFaceSize      smallest face side kept, source pixels
 * @param tiling           whether to also detect on overlapping tiles (small faces in large frames)
 * @param tileScale        source pixels per detector pixel inside a tile (1 = tiles of the detector's input size)
 * @param tileOverlap      fraction of a tile shared with its neighbour
 * @param maxPixels        decompression-bomb guard: larger images are refused before decoding
 */
public record FaceAnalyzerConfig(
        ModelCatalog catalog,
        ModelStore store,
        Device device,
        int gpuId,
        int intraOpThreads,
        int sessions,
        double detectThreshold,
        double nmsThreshold,
        int minFaceSize,
        Tiling tiling,
        double tileScale,
        double tileOverlap,
        long maxPixels) {

    public enum Device { CPU, GPU }

    /** OFF: one pass over the whole frame. ON: whole frame plus tiles. AUTO: tiles where faces are small relative to
     * the detector's input: the frame is shrunk at least 1.5 times to fit the input, and the whole-frame pass found no
     * face, or a face whose shorter side is under {@link FaceAnalyzer#AUTO_TILE_FACE} detector pixels there. */
    public enum Tiling { OFF, ON, AUTO }

    public FaceAnalyzerConfig {
        if (intraOpThreads < 1 || sessions < 1) {
            throw new IllegalArgumentException("threads and sessions must be at least 1");
        }
        if (tileScale <= 0 || tileOverlap < 0 || tileOverlap >= 0.5) {
            throw new IllegalArgumentException("tile scale must be > 0 and overlap in [0, 0.5)");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("max pixels must be positive");
        }
    }

    public static FaceAnalyzerConfig defaults() {
        return new FaceAnalyzerConfig(ModelCatalog.builtIn(), ModelStore.fromEnvironment(), Device.CPU, 0, 1,
                Runtime.getRuntime().availableProcessors(), Double.NaN, Double.NaN, 12, Tiling.OFF, 1.0, 0.2,
                ImageCodec.DEFAULT_MAX_PIXELS);
    }

    public static FaceAnalyzerConfig fromEnvironment() {
        FaceAnalyzerConfig d = defaults();
        return new FaceAnalyzerConfig(
                ModelCatalog.fromEnvironment(),
                ModelStore.fromEnvironment(),
                Device.valueOf(Settings.get("facestream.models.device", "cpu").toUpperCase(Locale.ROOT)),
                Settings.getInt("facestream.models.gpu-id", d.gpuId()),
                Settings.getInt("facestream.models.threads", d.intraOpThreads()),
                Settings.getInt("facestream.models.sessions", d.sessions()),
                Settings.getDouble("facestream.models.detect.threshold", d.detectThreshold()),
                Settings.getDouble("facestream.models.detect.nms", d.nmsThreshold()),
                Settings.getInt("facestream.models.detect.min-face", d.minFaceSize()),
                Tiling.valueOf(Settings.get("facestream.models.detect.tiling", "off").toUpperCase(Locale.ROOT)),
                Settings.getDouble("facestream.models.detect.tile-scale", d.tileScale()),
                Settings.getDouble("facestream.models.detect.tile-overlap", d.tileOverlap()),
                Long.parseLong(Settings.get("facestream.models.max-pixels", Long.toString(d.maxPixels()))));
    }

    public FaceAnalyzerConfig withDevice(Device value) {
        return new FaceAnalyzerConfig(catalog, store, value, gpuId, intraOpThreads, sessions, detectThreshold,
                nmsThreshold, minFaceSize, tiling, tileScale, tileOverlap, maxPixels);
    }

    public FaceAnalyzerConfig withThreads(int intraOp, int parallelSessions) {
        return new FaceAnalyzerConfig(catalog, store, device, gpuId, intraOp, parallelSessions, detectThreshold,
                nmsThreshold, minFaceSize, tiling, tileScale, tileOverlap, maxPixels);
    }

    public FaceAnalyzerConfig withTiling(Tiling value) {
        return new FaceAnalyzerConfig(catalog, store, device, gpuId, intraOpThreads, sessions, detectThreshold,
                nmsThreshold, minFaceSize, value, tileScale, tileOverlap, maxPixels);
    }

    public FaceAnalyzerConfig withMinFaceSize(int value) {
        return new FaceAnalyzerConfig(catalog, store, device, gpuId, intraOpThreads, sessions, detectThreshold,
                nmsThreshold, value, tiling, tileScale, tileOverlap, maxPixels);
    }

    public FaceAnalyzerConfig withMaxPixels(long value) {
        return new FaceAnalyzerConfig(catalog, store, device, gpuId, intraOpThreads, sessions, detectThreshold,
                nmsThreshold, minFaceSize, tiling, tileScale, tileOverlap, value);
    }

    public FaceAnalyzerConfig withCatalog(ModelCatalog value) {
        return new FaceAnalyzerConfig(value, store, device, gpuId, intraOpThreads, sessions, detectThreshold,
                nmsThreshold, minFaceSize, tiling, tileScale, tileOverlap, maxPixels);
    }
}
