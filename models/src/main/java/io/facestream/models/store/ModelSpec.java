package io.facestream.models.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One catalogued model: where its file comes from, what it expects and what it returns.
 *
 * @param id            unique name
 * @param role          what the analyzer uses it for
 * @param engine        DJL engine name: {@code OnnxRuntime} (default) or {@code PyTorch} for TorchScript
 * @param source        npm package, version and path inside it; null when {@code file} is given
 * @param file          a local model file (absolute, or relative to the catalogue file); null for a packaged one
 * @param sha256        digest the file must have
 * @param input         tensor name, size and normalisation
 * @param output        the output layout, in words (the translators rely on it)
 * @param embeddingSize length of the embedding (embedders only)
 * @param options       engine options passed to DJL's {@code Criteria.optOption} (e.g. {@code optLevel})
 * @param thresholds    recommended thresholds (detector: {@code score}, {@code nms}; embedder: {@code match})
 * @param licence       licence and provenance, caveats included
 * @param convert       for a model made at fetch time from other files of its package ({@code source.path} then
 *                      names the made file, {@code sha256} pins it): converter name and input paths with sha256
 */
public record ModelSpec(
        String id,
        Role role,
        String engine,
        Source source,
        String file,
        String sha256,
        Input input,
        String output,
        Integer embeddingSize,
        Map<String, String> options,
        Map<String, Double> thresholds,
        String licence,
        FileRef.Conversion convert) {

    public enum Role { DETECTOR, LANDMARKS, EMBEDDER }

    public record Source(@JsonProperty("package") String npmPackage, String version, String path) {}

    /**
     * Input tensor: {@code value = (pixel - mean) * scale}, channels in {@code colour} order (RGB, BGR or GRAY),
     * NCHW layout; {@code batch} is the largest batch the model accepts (1 when its batch dimension is fixed).
     */
    public record Input(String name, int width, int height, String colour, double mean, double scale, int batch) {
        public int channels() {
            return "GRAY".equalsIgnoreCase(colour) ? 1 : 3;
        }
    }

    public ModelSpec {
        Objects.requireNonNull(id, "model id");
        Objects.requireNonNull(role, id + ": role");
        Objects.requireNonNull(input, id + ": input");
        engine = engine == null ? "OnnxRuntime" : engine;
        options = options == null ? Map.of() : Map.copyOf(options);
        thresholds = thresholds == null ? Map.of() : Map.copyOf(thresholds);
    }

    /** This model with other engine options (e.g. another {@code optLevel}). */
    public ModelSpec withOptions(Map<String, String> newOptions) {
        return new ModelSpec(id, role, engine, source, file, sha256, input, output, embeddingSize, newOptions, thresholds, licence, convert);
    }

    /** This model with other thresholds (e.g. calibrated ones). */
    public ModelSpec withThresholds(Map<String, Double> newThresholds) {
        return new ModelSpec(id, role, engine, source, file, sha256, input, output, embeddingSize, options, newThresholds, licence, convert);
    }

    /** This model with its file at {@code path} (e.g. made absolute, to be listed in another catalogue file). */
    public ModelSpec withFile(String path) {
        return new ModelSpec(id, role, engine, source, path, sha256, input, output, embeddingSize, options, thresholds, licence, convert);
    }

    /** A recommended threshold; fails naming the model when the catalogue lacks it. */
    public double threshold(String name) {
        Double value = thresholds.get(name);
        if (value == null) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG,
                    id + ": the catalogue gives no '" + name + "' threshold");
        }
        return value;
    }

    /** The file reference, local paths resolved against {@code baseDir} (the catalogue file's folder). */
    public FileRef fileRef(Path baseDir) {
        if (file != null) {
            if (convert != null) {
                throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG, id + ": a converted model needs a source, not a file");
            }
            Path path = Path.of(file);
            return FileRef.local(id, path.isAbsolute() || baseDir == null ? path : baseDir.resolve(path), sha256);
        }
        if (source == null) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG, id + ": needs a source or a file");
        }
        return convert == null ? FileRef.packaged(id, source.npmPackage(), source.version(), source.path(), sha256)
                : FileRef.converted(id, source.npmPackage(), source.version(), source.path(), sha256, convert);
    }
}
