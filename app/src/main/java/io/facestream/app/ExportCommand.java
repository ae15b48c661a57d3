package io.facestream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** {@code facestream export}: what the index holds, as files another system can take in. */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Export what facestream indexed.",
        subcommands = {ExportCommand.Identities.class})
final class ExportCommand {

    /**
     * {@code facestream export identities DIR}: an {@code identities/<uuid>/identity.json} per identity (seed 000's
     * IdentityFile, which {@code POST /api/v1/identity/upload} takes back, with its file bindings) and its
     * {@code profile.jpg} or {@code profile.png} when it has one, read from a running API.
     */
    @Command(name = "identities", mixinStandardHelpOptions = true,
            description = "Write an identities/<uuid>/identity.json (and profile image) per identity, read from a running API.")
    static final class Identities implements Callable<Integer> {
        private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
        private static final int PAGE = 200;
        private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        @Mixin
        Facestream.ConfigOptions config;

        @Parameters(paramLabel = "DIR", description = "Where to write (created if missing).")
        Path dir;

        @Option(names = "--api", paramLabel = "URL", description = "The API to read (default: http://localhost:<api.port>).")
        String api;

        @Option(names = "--key", paramLabel = "KEY", description = "An API key with the identity-level scope (default: $FACESTREAM_API_KEY, else the generated admin key in <data.dir>).")
        String key;

        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        @Override
        public Integer call() throws Exception {
            Config cfg = config.load();
            String base = api != null ? api.replaceAll("/+$", "") : "http://localhost:" + cfg.getInt(ConfigKey.API_PORT);
            String apiKey = key != null ? key : System.getenv("FACESTREAM_API_KEY");
            if (apiKey == null) {
                Path file = ApiSettings.keyFile(cfg);
                if (!Files.isReadable(file)) {
                    System.err.println("facestream export: no API key: pass --key or set FACESTREAM_API_KEY (no generated key at " + file + ")");
                    return 2;
                }
                apiKey = Files.readString(file).strip();
            }
            Path root = dir.resolve("identities");
            Files.createDirectories(root);
            int written = 0, images = 0;
            for (int page = 1; ; page++) {
                JsonNode listing = getJson(base, apiKey, "/api/v1/identities?page=" + page + "&page_size=" + PAGE);
                JsonNode identities = listing.get("identities");
                for (JsonNode identity : identities) {
                    String id = identity.get("identity_uuid").asText();
                    Path folder = root.resolve(SAFE_NAME.matcher(id).matches() && !id.contains("..") ? id
                            : java.util.UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString());
                    Files.createDirectories(folder);
                    JsonNode files = getJson(base, apiKey, "/api/v1/identity/" + encode(id) + "/files");
                    Files.writeString(folder.resolve("identity.json"), JSON.writeValueAsString(identityFile(identity, files)));
                    written++;
                    if (!identity.path("profile_image").isNull() && identity.has("profile_image")) {
                        Optional<HttpResponse<byte[]>> image = getBytes(base, apiKey, "/api/v1/identity/" + encode(id) + "/profile-image");
                        if (image.isPresent()) {
                            String type = image.get().headers().firstValue("Content-Type").orElse("image/jpeg");
                            Files.write(folder.resolve(type.startsWith("image/png") ? "profile.png" : "profile.jpg"), image.get().body());
                            images++;
                        }
                    }
                }
                if (identities.size() < PAGE) break;
            }
            System.out.printf("exported %d identities (%d profile images) to %s%n", written, images, root);
            return 0;
        }

        /** Seed 000's IdentityFile from the API's identity and its files. */
        static ObjectNode identityFile(JsonNode identity, JsonNode files) {
            ObjectNode out = JSON.createObjectNode();
            out.put("version", 1);
            for (String field : List.of("identity_uuid", "name", "identity_type", "source", "status", "tmdb_id")) {
                out.set(field, identity.path(field).isMissingNode() ? null : identity.get(field));
            }
            JsonNode profile = identity.get("tmdb_profile");
            // the API shows its own profile-image path there once one was uploaded; the image is exported beside
            out.set("tmdb_profile", profile == null || profile.isNull() || profile.asText().startsWith("/api/") ? null : profile);
            out.set("metadata", identity.get("metadata"));
            out.set("reference_data", identity.get("reference_data"));
            ArrayNode bindings = out.putArray("file_bindings");
            for (JsonNode f : files.get("data")) {
                ObjectNode b = bindings.addObject();
                b.put("file_uuid", f.get("file_uuid").asText());
                b.set("trace_ids", f.get("trace_ids"));
                b.put("face_count", f.get("face_count").asInt());
            }
            return out;
        }

        private JsonNode getJson(String base, String apiKey, String path) throws IOException, InterruptedException {
            HttpResponse<String> response = http.send(request(base, apiKey, path), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the API answered " + response.statusCode() + " for " + path + ": " + response.body());
            }
            return JSON.readTree(response.body());
        }

        private Optional<HttpResponse<byte[]>> getBytes(String base, String apiKey, String path) throws IOException, InterruptedException {
            HttpResponse<byte[]> response = http.send(request(base, apiKey, path), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 404) return Optional.empty();
            if (response.statusCode() != 200) throw new IOException("the API answered " + response.statusCode() + " for " + path);
            return Optional.of(response);
        }

        private static HttpRequest request(String base, String apiKey, String path) {
            return HttpRequest.newBuilder(URI.create(base + path)).header("X-API-Key", apiKey).timeout(Duration.ofSeconds(30)).GET().build();
        }

        private static String encode(String id) {
            return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        }
    }
}
