package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import io.facestream.models.image.RgbImage;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelStore;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript embedder configured in a user catalogue runs on DJL's PyTorch engine. The engine is optional
 * (mvn -Dfacestream.pytorch, natives from Maven Central), so without it on the classpath this test is
 * skipped. No PyTorch is needed to make the model: a TorchScript archive is a zip of TorchScript source
 * and pickles, written here byte for byte; its forward returns the first 512 values of the flattened input.
 */
class TorchScriptEngineTest {
    private static final String CODE = """
            class Embedder(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.Embedder,
                x: Tensor) -> Tensor:
                return torch.slice(torch.flatten(x, 1), 1, 0, 512)
            """;
    /** pickle protocol 2 of a __torch__.Embedder object with training = False. */
    private static final byte[] DATA_PKL = concat(new byte[] {(byte) 0x80, 2},
            "c__torch__\nEmbedder\nq\0)\u0081q\u0001}q\u0002X\u0008\0\0\0trainingq\u0003\u0089sb.".getBytes(StandardCharsets.ISO_8859_1));
    /** pickle protocol 2 of an empty tuple. */
    private static final byte[] CONSTANTS_PKL = {(byte) 0x80, 2, ')', '.'};

    @Test
    void aTorchScriptEmbedderRunsOnThePyTorchEngine(@TempDir Path dir) throws Exception {
        assumeTrue(Engine.hasEngine("PyTorch"), "DJL PyTorch engine not on the classpath (build with -Dfacestream.pytorch)");
        Path model = dir.resolve("toy-embedder.pt");
        try (OutputStream out = Files.newOutputStream(model); ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, "archive/data.pkl", DATA_PKL);
            stored(zip, "archive/code/__torch__.py", CODE.getBytes(StandardCharsets.UTF_8));
            stored(zip, "archive/constants.pkl", CONSTANTS_PKL);
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.UTF_8));
        }
        Path catalog = dir.resolve("catalog.json");
        Files.writeString(catalog, """
                {"models": [{
                  "id": "toy-torchscript", "role": "EMBEDDER", "engine": "PyTorch", "file": "toy-embedder.pt", "sha256": "%s",
                  "input": {"name": "x", "width": 112, "height": 112, "colour": "RGB", "mean": 127.0, "scale": 0.0078125, "batch": 4},
                  "output": "[N,512]: the first 512 input values", "embeddingSize": 512, "thresholds": {"match": 0.5}, "licence": "test"
                }]}
                """.formatted(ModelStore.sha256(model)));
        FaceAnalyzerConfig config = FaceAnalyzerConfig.defaults().withCatalog(ModelCatalog.builtIn().overlaidBy(ModelCatalog.load(catalog)));
        assertThat(config.catalog().model(Role.EMBEDDER).engine()).isEqualTo("PyTorch");

        byte[] rgb = new byte[112 * 112 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 7 % 251);
        }
        float[] expected = new float[512]; // red channel, first 512 pixels, normalised like the catalogue says
        for (int i = 0; i < 512; i++) {
            expected[i] = ((rgb[i * 3] & 0xff) - 127f) / 128f;
        }
        try (FaceAnalyzer analyzer = new FaceAnalyzer(config)) {
            RgbImage crop = new RgbImage(112, 112, rgb);
            float[] embedding = analyzer.embed(crop);
            assertThat(embedding).hasSize(512);
            assertThat(Embeddings.cosine(embedding, expected)).isGreaterThan(0.99999);
            assertThat(analyzer.embedAll(java.util.Collections.nCopies(6, crop)))
                    .hasSize(6).allSatisfy(e -> assertThat(Embeddings.cosine(e, expected)).isGreaterThan(0.99999));
            assertThat(analyzer.analyze(TestPhotos.bytes("sample5"))).as("ONNX detector beside the PyTorch embedder").hasSize(5);
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws java.io.IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED); // PyTorch reads records in place; keep them uncompressed
        entry.setSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
