package io.facestream.models.inference;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ONNX Runtime's native libraries in a per-user cache, extracted once per ONNX Runtime build, and points ONNX
 * Runtime's loader at them ({@value #NATIVE_PATH}). Left to itself the loader copies them (20 MB) into a fresh
 * {@code onnxruntime-java*} folder of the temp dir in every process and leaves that folder behind, with the libraries
 * in it when the process is killed; its maintainers' advice is to cache them and set this property
 * (microsoft/onnxruntime#8003). Written here because neither ONNX Runtime nor DJL offers such a cache.
 */
public final class OnnxRuntimeLibraries {
    /** ONNX Runtime's own property: a folder holding every native library it loads. */
    public static final String NATIVE_PATH = "onnxruntime.native.path";
    /** The libraries a CPU or CUDA build of ONNX Runtime for Java may carry; the ones a build lacks are skipped. */
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni",
            "onnxruntime_providers_shared", "onnxruntime_providers_cuda", "onnxruntime_providers_tensorrt");
    private static final Logger log = LoggerFactory.getLogger(OnnxRuntimeLibraries.class);
    private static boolean prepared;

    private OnnxRuntimeLibraries() {
    }

    /**
     * Before ONNX Runtime is first loaded: sets {@value #NATIVE_PATH} to the cached libraries (extracting them when
     * the cache lacks them or holds another size). Keeps a path the user set; leaves the loader's own way when the
     * build is not known or the cache cannot be written.
     */
    public static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(NATIVE_PATH) != null) {
            return;
        }
        Package ort = OrtEnvironment.class.getPackage();
        String platform = platform();
        if (ort.getImplementationVersion() == null || platform == null) {
            return;
        }
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "facestream", "onnxruntime",
                ort.getImplementationTitle() + "-" + ort.getImplementationVersion() + "-" + platform);
        try {
            boolean any = false;
            for (String library : LIBRARIES) {
                String file = System.mapLibraryName(library);
                URL resource = OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform + "/" + file);
                if (resource != null) {
                    extract(resource, dir.resolve(file));
                    any = true;
                }
            }
            if (any) {
                System.setProperty(NATIVE_PATH, dir.toString());
            }
        } catch (IOException | UncheckedIOException e) {
            log.debug("ONNX Runtime's libraries could not be cached in {}; it extracts them itself: {}", dir, e.toString());
        }
    }

    private static void extract(URL resource, Path target) throws IOException {
        long size = resource.openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            return;
        }
        Files.createDirectories(target.getParent());
        // Written aside and moved: another process starting at the same time never loads a half-written library.
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
        try (InputStream in = resource.openStream()) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** ONNX Runtime's name for this machine's folder of libraries in its jar ({@code linux-x64}, ...), or null. */
    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osName = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : null;
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") ? "aarch64" : null;
        return osName == null || archName == null ? null : osName + "-" + archName;
    }
}
