package io.facestream.models.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.models.Settings;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.models.store.ModelStoreException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models (and other pinned files, such as test photos) facestream uses. The built-in catalogue is the
 * resource {@code io/facestream/models/catalog.json}; a file named by {@value #CATALOG_KEY} (env
 * {@code FACESTREAM_MODELS_CATALOG}) replaces the built-in model of every role it lists, so a user can swap
 * in another detector or 112x112 embedder without touching the others.
 */
public final class ModelCatalog {
    public static final String CATALOG_KEY = "facestream.models.catalog";
    private static final String BUILT_IN = "/io/facestream/models/catalog.json";
    private static final String PHOTOS = "/io/facestream/models/photos.json";
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A pinned file that is not a model. */
    public record PinnedFile(String id, @JsonProperty("package") String npmPackage, String version, String path,
            String sha256, String licence) {}

    private record Document(List<ModelSpec> models, List<PinnedFile> files) {}

    private final Map<Role, ModelSpec> models;
    private final Map<String, FileRef> refs;

    private ModelCatalog(Map<Role, ModelSpec> models, Map<String, FileRef> refs) {
        this.models = models;
        this.refs = refs;
    }

    public static ModelCatalog builtIn() {
        return resource(BUILT_IN);
    }

    /** Group photos from a pinned npm package, for tests and benchmarks (fetched on demand, never shipped). */
    public static ModelCatalog photos() {
        return resource(PHOTOS);
    }

    private static ModelCatalog resource(String name) {
        try (InputStream in = ModelCatalog.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelStoreException(Reason.BAD_CATALOG, "resource " + name + " is missing from the classpath");
            }
            return parse(in, null, name);
        } catch (IOException e) {
            throw new ModelStoreException(Reason.BAD_CATALOG, "cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    public static ModelCatalog load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toAbsolutePath().getParent(), file.toString());
        } catch (IOException e) {
            throw new ModelStoreException(Reason.BAD_CATALOG, "cannot read catalogue " + file + ": " + e.getMessage(), e);
        }
    }

    /** Built-in catalogue, overlaid by the user's file when {@value #CATALOG_KEY} is set. */
    public static ModelCatalog fromEnvironment() {
        String userFile = Settings.get(CATALOG_KEY, null);
        return userFile == null ? builtIn() : builtIn().overlaidBy(load(Path.of(userFile)));
    }

    /** This catalogue with every role (and file id) the other one lists replaced by the other's. */
    public ModelCatalog overlaidBy(ModelCatalog other) {
        Map<Role, ModelSpec> merged = new LinkedHashMap<>(models);
        Map<String, FileRef> mergedRefs = new LinkedHashMap<>(refs);
        models.values().stream().filter(m -> other.models.containsKey(m.role())).forEach(m -> mergedRefs.remove(m.id()));
        merged.putAll(other.models);
        mergedRefs.putAll(other.refs);
        return new ModelCatalog(merged, mergedRefs);
    }

    private static ModelCatalog parse(InputStream in, Path baseDir, String name) throws IOException {
        Document doc;
        try {
            doc = JSON.readValue(in, Document.class);
        } catch (IOException | RuntimeException e) {
            throw new ModelStoreException(Reason.BAD_CATALOG, "catalogue " + name + " is malformed: " + e.getMessage(), e);
        }
        Map<Role, ModelSpec> models = new LinkedHashMap<>();
        Map<String, FileRef> refs = new LinkedHashMap<>();
        for (ModelSpec model : doc.models() == null ? List.<ModelSpec>of() : doc.models()) {
            if (models.putIfAbsent(model.role(), model) != null) {
                throw new ModelStoreException(Reason.BAD_CATALOG, name + " lists two models for role " + model.role());
            }
            refs.put(model.id(), model.fileRef(baseDir));
        }
        for (PinnedFile file : doc.files() == null ? List.<PinnedFile>of() : doc.files()) {
            refs.put(file.id(), FileRef.packaged(file.id(), file.npmPackage(), file.version(), file.path(), file.sha256()));
        }
        return new ModelCatalog(models, refs);
    }

    public ModelSpec model(Role role) {
        ModelSpec spec = models.get(role);
        if (spec == null) {
            throw new ModelStoreException(Reason.BAD_CATALOG, "the catalogue has no " + role + " model");
        }
        return spec;
    }

    public List<ModelSpec> models() {
        return List.copyOf(models.values());
    }

    /** The reference for a model or pinned file by id. */
    public FileRef fileRef(String id) {
        FileRef ref = refs.get(id);
        if (ref == null) {
            throw new ModelStoreException(Reason.BAD_CATALOG, "the catalogue has no file '" + id + "'");
        }
        return ref;
    }

    public List<FileRef> fileRefs() {
        return new ArrayList<>(refs.values());
    }
}
