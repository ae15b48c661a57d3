package io.facestream.models;

/**
 * How usable a face is for recognition, each part in 0..1 (1 = best), combined into {@link #score()} as a
 * weighted geometric mean (weights: size 0.25, sharpness 0.25, frontal 0.3, detection 0.2), so one
 * hopeless part sinks the whole score.
 *
 * @param score             the combined score
 * @param size              source pixels per aligned-crop pixel, capped at 1 (below 1 the crop was upsampled)
 * @param sharpness         {@code 1 - exp(-laplacianVariance / 100)}
 * @param frontal           {@code (1 - |yaw| / 0.5) * (1 - |pitch| / 0.4)}, each factor clamped to 0..1
 * @param detection         detector score rescaled from [threshold, 1] to [0, 1]
 * @param laplacianVariance variance of the Laplacian of the aligned grey crop
 * @param yaw               in the aligned frame, the nose's sideways offset from the eye midpoint over the eye
 *                          distance: about 0 frontal, ±0.5 towards profile
 * @param pitch             the nose's height between eye line and mouth line, minus its frontal value (0.6)
 */
public record FaceQuality(double score, double size, double sharpness, double frontal, double detection,
        double laplacianVariance, double yaw, double pitch) {

    static FaceQuality of(double size, double laplacianVariance, double yaw, double pitch, double detection) {
        double sharpness = 1 - Math.exp(-laplacianVariance / 100);
        double frontal = clamp(1 - Math.abs(yaw) / 0.5) * clamp(1 - Math.abs(pitch) / 0.4);
        double[] parts = {clamp(size), sharpness, frontal, clamp(detection)};
        double[] weights = {0.25, 0.25, 0.3, 0.2};
        double log = 0;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] <= 0) {
                return new FaceQuality(0, parts[0], sharpness, frontal, parts[3], laplacianVariance, yaw, pitch);
            }
            log += weights[i] * Math.log(parts[i]);
        }
        return new FaceQuality(Math.exp(log), parts[0], sharpness, frontal, parts[3], laplacianVariance, yaw, pitch);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
