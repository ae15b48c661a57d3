package io.facestream.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.models.inference.OnnxRuntimeLibraries;
import io.facestream.models.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each process that analyses faces must leave nothing in the temp dir: ONNX Runtime's libraries come from a per-user
 * cache, extracted by the first process and reused by the next. Run in child JVMs, since this one may have loaded
 * ONNX Runtime already.
 */
class OnnxRuntimeLibrariesTest {

    @Test
    void analysingFacesLeavesNothingInTheTempDirAndReusesTheCachedLibraries(@TempDir Path home, @TempDir Path tmp)
            throws Exception {
        assertThat(runChild(home, tmp)).contains("faces=5");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("what the process left in its temp dir").isEmpty();
        }
        Path cached = cachedLibrary(home);
        FileTime extracted = Files.getLastModifiedTime(cached);
        assertThat(cached.getParent().getFileName().toString()).startsWith("onnxruntime-");

        assertThat(runChild(home, tmp)).contains("faces=5");
        assertThat(Files.getLastModifiedTime(cached)).as("the second process reuses the first one's copy").isEqualTo(extracted);
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aTruncatedCopyInTheCacheIsReplaced(@TempDir Path home, @TempDir Path tmp) throws Exception {
        runChild(home, tmp);
        Path cached = cachedLibrary(home);
        long size = Files.size(cached);
        Files.write(cached, new byte[100]);

        assertThat(runChild(home, tmp)).contains("faces=5");
        assertThat(Files.size(cached)).isEqualTo(size);
    }

    private static Path cachedLibrary(Path home) throws IOException {
        Path root = home.resolve(".cache/facestream/onnxruntime");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.getFileName().toString().equals(System.mapLibraryName("onnxruntime")))
                    .findFirst().orElseThrow(() -> new AssertionError("no cached library under " + root));
        }
    }

    /** A JVM with its own home and temp dir that analyses a photo with the real models; returns its output. */
    private static String runChild(Path home, Path tmp) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Duser.home=" + home, "-Djava.io.tmpdir=" + tmp,
                // The models and JavaCPP's OpenCV libraries from this user's caches: only ONNX Runtime's are under test.
                "-Dorg.bytedeco.javacpp.cachedir=" + Path.of(System.getProperty("user.home"), ".javacpp", "cache"),
                "-D" + ModelStore.CACHE_KEY + "=" + ModelStore.fromEnvironment().cacheDir(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), TestPhotos.path("sample5").toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        return output;
    }

    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (FaceAnalyzer analyzer = new FaceAnalyzer(FaceAnalyzerConfig.defaults())) {
                System.out.println("faces=" + analyzer.analyze(Files.readAllBytes(Path.of(args[0]))).size());
                System.out.println("native path=" + System.getProperty(OnnxRuntimeLibraries.NATIVE_PATH));
            }
        }
    }
}
