package io.facestream.models.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.util.cuda.CudaUtils;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.facestream.models.DeviceUnavailableException;
import io.facestream.models.FaceAnalyzerConfig;
import io.facestream.models.store.ModelSpec;
import io.facestream.models.store.ModelStoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One loaded model and a pool of DJL predictors over it. Predictors are not thread-safe but the ONNX
 * Runtime session behind them is, so {@code sessions} predictors let that many calls run at once; with
 * one intra-op thread each call runs on its caller's thread.
 */
public final class ModelRunner<I, O> implements AutoCloseable {
    private final ModelSpec spec;
    private final ZooModel<I, O> model;
    private final List<Predictor<I, O>> predictors = new ArrayList<>();
    private final BlockingQueue<Predictor<I, O>> idle;

    private ModelRunner(ModelSpec spec, ZooModel<I, O> model, int parallel) {
        this.spec = spec;
        this.model = model;
        this.idle = new ArrayBlockingQueue<>(parallel);
        for (int i = 0; i < parallel; i++) {
            Predictor<I, O> predictor = model.newPredictor();
            predictors.add(predictor);
            idle.add(predictor);
        }
    }

    @SuppressWarnings("unchecked")
    public static <I, O> ModelRunner<I, O> load(ModelSpec spec, Path file, Class<?> in, Class<?> out,
            Translator<I, O> translator, FaceAnalyzerConfig config) {
        OnnxRuntimeLibraries.prepare();
        Device device = config.device() == FaceAnalyzerConfig.Device.GPU ? Device.gpu(config.gpuId()) : Device.cpu();
        if (device.isGpu()) {
            requireGpu(spec, config.gpuId());
        }
        Criteria.Builder<I, O> builder = Criteria.builder()
                .setTypes((Class<I>) in, (Class<O>) out)
                .optModelPath(file.getParent())
                .optModelName(baseName(file))
                .optEngine(spec.engine())
                .optDevice(device)
                .optTranslator(translator);
        if ("OnnxRuntime".equals(spec.engine())) {
            builder.optOption("interOpNumThreads", "1")
                    .optOption("intraOpNumThreads", Integer.toString(config.intraOpThreads()))
                    .optOption("executionMode", "SEQUENTIAL");
        }
        spec.options().forEach(builder::optOption);
        try {
            return new ModelRunner<>(spec, builder.build().loadModel(), config.sessions());
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            throw new ModelStoreException(ModelStoreException.Reason.BAD_CATALOG, spec.id() + ": engine "
                    + spec.engine() + " cannot load " + file + " on " + device + ": " + e.getMessage(), e);
        }
    }

    /** DJL looks for {@code <name>.onnx} / {@code <name>.pt} in the folder (a file path would make it warn). */
    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static void requireGpu(ModelSpec spec, int gpuId) {
        List<String> missing = new ArrayList<>();
        int gpus = CudaUtils.getGpuCount();
        if (gpuId >= gpus) {
            missing.add("no CUDA GPU " + gpuId + " is visible (found " + gpus + "; needs an NVIDIA driver and libcudart)");
        }
        if ("OnnxRuntime".equals(spec.engine()) && !OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            missing.add("the ONNX Runtime on the classpath has no CUDA execution provider (build with "
                    + "-Dfacestream.gpu to use com.microsoft.onnxruntime:onnxruntime_gpu; it needs CUDA 12 and cuDNN 9)");
        }
        if (!missing.isEmpty()) {
            throw new DeviceUnavailableException("facestream.models.device=gpu cannot be used for " + spec.id() + ": "
                    + String.join("; ", missing) + ". Use facestream.models.device=cpu.");
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public O predict(I input) {
        Predictor<I, O> predictor;
        try {
            predictor = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free " + spec.id() + " predictor", e);
        }
        try {
            return predictor.predict(input);
        } catch (TranslateException e) {
            throw new IllegalStateException(spec.id() + " inference failed: " + e.getMessage(), e);
        } finally {
            idle.add(predictor);
        }
    }

    @Override
    public void close() {
        predictors.forEach(Predictor::close);
        model.close();
    }
}
