package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.util.cuda.CudaUtils;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.facestream.models.FaceAnalyzerConfig.Device;
import io.facestream.models.inference.SimilarityTransform;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineAndDeviceTest {

    @Test
    void gpuDeviceRunsWhereCudaIsPresentAndOtherwiseSaysWhatIsMissing() throws Exception {
        FaceAnalyzerConfig gpu = FaceAnalyzerConfig.defaults().withDevice(Device.GPU);
        boolean cudaUsable = CudaUtils.getGpuCount() > 0 && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (cudaUsable) {
            try (FaceAnalyzer analyzer = new FaceAnalyzer(gpu)) {
                assertThat(analyzer.analyze(TestPhotos.bytes("sample5"))).hasSize(5);
            }
        } else {
            assertThatThrownBy(() -> new FaceAnalyzer(gpu))
                    .isInstanceOf(DeviceUnavailableException.class)
                    .hasMessageContaining("facestream.models.device=gpu cannot be used")
                    .hasMessageContaining(CudaUtils.getGpuCount() == 0 ? "no CUDA GPU 0 is visible" : "no CUDA execution provider")
                    .hasMessageContaining("Use facestream.models.device=cpu");
        }
    }

    @Test
    void similarityTransformRecoversAKnownRotationScaleAndShift() {
        double angle = Math.toRadians(12), scale = 0.37, tx = -20.5, ty = 14.25;
        double a = scale * Math.cos(angle), b = scale * Math.sin(angle);
        // Source points whose image under the known transform is the template: invert it onto the template.
        List<Point> source = SimilarityTransform.ARCFACE_112.stream().map(q -> {
            double x = q.x() - tx, y = q.y() - ty, det = a * a + b * b;
            return new Point((float) ((a * x + b * y) / det), (float) ((-b * x + a * y) / det));
        }).toList();
        SimilarityTransform.Fit fit = SimilarityTransform.estimate(source, SimilarityTransform.ARCFACE_112);
        assertThat(fit.matrix()).containsExactly(new double[] {a, -b, tx, b, a, ty}, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(fit.rmsError()).isLessThan(1e-3);
        assertThat(fit.scale()).isCloseTo(scale, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void similarityTransformIsTheLeastSquaresFitForNoisyPoints() {
        List<Point> noisy = List.of(new Point(40, 50), new Point(72, 53), new Point(57, 70), new Point(40, 94), new Point(73, 90));
        SimilarityTransform.Fit fit = SimilarityTransform.estimate(noisy, SimilarityTransform.ARCFACE_112);
        double best = fit.rmsError();
        // Any small change of the four parameters must not fit better.
        double[] m = fit.matrix();
        for (double[] d : new double[][] {{1e-3, 0, 0, 0}, {-1e-3, 0, 0, 0}, {0, 1e-3, 0, 0}, {0, -1e-3, 0, 0}, {0, 0, 0.05, 0}, {0, 0, 0, -0.05}}) {
            double a = m[0] + d[0], b = m[3] + d[1], tx = m[2] + d[2], ty = m[5] + d[3], sq = 0;
            for (int i = 0; i < 5; i++) {
                Point p = noisy.get(i), q = SimilarityTransform.ARCFACE_112.get(i);
                double ex = a * p.x() - b * p.y() + tx - q.x(), ey = b * p.x() + a * p.y() + ty - q.y();
                sq += ex * ex + ey * ey;
            }
            assertThat(Math.sqrt(sq / 5)).isGreaterThan(best);
        }
    }

    @Test
    void cosineOfEmbeddings() {
        assertThat(Embeddings.cosine(new float[] {1, 0}, new float[] {0, 2})).isZero();
        assertThat(Embeddings.cosine(new float[] {1, 1}, new float[] {2, 2})).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Embeddings.cosine(new float[] {1, 0}, new float[] {-3, 0})).isEqualTo(-1.0);
        assertThatThrownBy(() -> Embeddings.cosine(new float[2], new float[3])).hasMessageContaining("differ in length");
    }
}
