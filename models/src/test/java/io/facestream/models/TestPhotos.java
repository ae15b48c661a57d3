package io.facestream.models;

import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Group photos shipped in @vladmandic/face-api's demo folder, fetched and verified through the model store
 * (photos.json pins version and sha256); never committed to this repository.
 */
final class TestPhotos {
    /** Faces a person sees in each photo (counted by looking at them; sample2's left face is in profile). */
    static final Map<String, Integer> EXPECTED_FACES = new LinkedHashMap<>();

    static {
        EXPECTED_FACES.put("sample1", 3);
        EXPECTED_FACES.put("sample2", 3);
        EXPECTED_FACES.put("sample3", 3);
        EXPECTED_FACES.put("sample4", 4);
        EXPECTED_FACES.put("sample5", 5);
        EXPECTED_FACES.put("sample6", 4);
    }

    private static Map<String, Path> paths;

    private TestPhotos() {}

    static synchronized Path path(String id) {
        if (paths == null) {
            paths = ModelStore.fromEnvironment().resolveAll(catalog().fileRefs());
        }
        return paths.get(id);
    }

    static byte[] bytes(String id) {
        try {
            return Files.readAllBytes(path(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelCatalog catalog() {
        return ModelCatalog.photos();
    }
}
