package io.facestream.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelStoreException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    private static final ModelCatalog CATALOG = ModelCatalog.builtIn();
    private static final String NO_NPM = "/nonexistent/bin/npm";

    @Test
    void resolvesEveryCataloguedModelAndVerifiesItsDigest() throws Exception {
        ModelStore store = ModelStore.fromEnvironment();
        Map<String, Path> files = store.resolveAll(CATALOG.fileRefs());
        assertThat(files).hasSize(3);
        for (ModelSpec model : CATALOG.models()) {
            Path file = files.get(model.id());
            assertThat(file).startsWith(store.cacheDir()).isRegularFile();
            assertThat(ModelStore.sha256(file)).isEqualTo(model.sha256());
        }
    }

    @Test
    void resolvesOfflineOnceCachedAndNamesNpmWhenItIsMissing(@TempDir Path cache) throws Exception {
        FileRef detector = CATALOG.fileRef(CATALOG.model(Role.DETECTOR).id());
        ModelStore withoutNpm = new ModelStore(cache, NO_NPM);
        assertThatThrownBy(() -> withoutNpm.resolve(detector))
                .isInstanceOfSatisfying(ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOOL_MISSING))
                .hasMessageContaining("'" + NO_NPM + "' is not on PATH");

        Path fetched = new ModelStore(cache, "npm").resolve(detector);
        assertThat(fetched).startsWith(cache);
        assertThat(withoutNpm.resolve(detector)).as("second resolve needs no npm").isEqualTo(fetched);
    }

    @Test
    void refusesATamperedCachedModel(@TempDir Path cache) throws Exception {
        FileRef landmarks = CATALOG.fileRef(CATALOG.model(Role.LANDMARKS).id());
        ModelStore store = new ModelStore(cache, NO_NPM);
        Path target = store.cachedPath(landmarks);
        Files.createDirectories(target.getParent());
        byte[] model = Files.readAllBytes(ModelStore.fromEnvironment().resolve(landmarks));
        model[model.length / 2] ^= 0x01;
        Files.write(target, model);
        String actual = ModelStore.sha256(target);
        assertThatThrownBy(() -> store.resolve(landmarks))
                .isInstanceOfSatisfying(ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH))
                .hasMessageContaining("expected " + landmarks.sha256())
                .hasMessageContaining("actual " + actual)
                .hasMessageContaining(target.toString());
        assertThat(target).as("the evidence stays for inspection").exists();
    }

    @Test
    void refusesAPackagedFileWhoseDigestDiffersFromTheCatalogue(@TempDir Path cache) {
        FileRef real = CATALOG.fileRef(CATALOG.model(Role.DETECTOR).id());
        FileRef wrong = FileRef.packaged("detector-wrong-hash", real.npmPackage(), real.version(), real.path(), "0".repeat(64));
        ModelStore store = new ModelStore(cache, "npm");
        assertThatThrownBy(() -> store.resolve(wrong))
                .isInstanceOfSatisfying(ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH))
                .hasMessageContaining("faceplugin-face-recognition-js@0.0.1:model/fr_detect.onnx");
        assertThat(store.cachedPath(wrong)).doesNotExist();
    }

    @Test
    void namesAPathThePackageDoesNotHave(@TempDir Path cache) {
        FileRef real = CATALOG.fileRef(CATALOG.model(Role.DETECTOR).id());
        FileRef missing = FileRef.packaged("nope", real.npmPackage(), real.version(), "model/nope.onnx", real.sha256());
        assertThatThrownBy(() -> new ModelStore(cache, "npm").resolve(missing))
                .isInstanceOfSatisfying(ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_IN_PACKAGE))
                .hasMessageContaining("has no file model/nope.onnx");
    }

    @Test
    void aUserCatalogueSwapsOneRoleForALocalFile(@TempDir Path dir) throws Exception {
        ModelSpec builtInEmbedder = CATALOG.model(Role.EMBEDDER);
        Files.copy(ModelStore.fromEnvironment().resolve(CATALOG.fileRef(builtInEmbedder.id())), dir.resolve("my-embedder.onnx"));
        Path userCatalog = dir.resolve("catalog.json");
        Files.writeString(userCatalog, """
                {"models": [{
                  "id": "my-embedder", "role": "EMBEDDER", "file": "my-embedder.onnx",
                  "sha256": "%s",
                  "input": {"name": "input", "width": 112, "height": 112, "colour": "RGB", "mean": 127.5, "scale": 0.0078431, "batch": 1},
                  "output": "output [1,512]", "embeddingSize": 512, "options": {"optLevel": "EXTENDED_OPT"},
                  "thresholds": {"match": 0.5}, "licence": "mine"
                }]}
                """.formatted(builtInEmbedder.sha256()));
        ModelCatalog merged = CATALOG.overlaidBy(ModelCatalog.load(userCatalog));
        assertThat(merged.model(Role.EMBEDDER).id()).isEqualTo("my-embedder");
        assertThat(merged.model(Role.DETECTOR)).isEqualTo(CATALOG.model(Role.DETECTOR));
        assertThat(merged.fileRefs()).extracting(FileRef::id).doesNotContain(builtInEmbedder.id()).contains("my-embedder");
        assertThat(new ModelStore(dir.resolve("cache"), NO_NPM).resolve(merged.fileRef("my-embedder")))
                .isEqualTo(dir.resolve("my-embedder.onnx"));
    }

    @Test
    void aMalformedCatalogueIsNamed(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"models\": [{\"id\": \"x\", \"role\": \"DETECTOR\", \"sha256\": \"abc\", \"typo\": 1}]}");
        assertThatThrownBy(() -> ModelCatalog.load(bad))
                .isInstanceOfSatisfying(ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_CATALOG))
                .hasMessageContaining(bad.toString());
        assertThatThrownBy(() -> FileRef.packaged("x", "p", "1", "a", "abc"))
                .hasMessageContaining("sha256 must be 64 hex digits");
        assertThat(List.of(CATALOG.model(Role.EMBEDDER).embeddingSize())).containsExactly(512);
    }
}
