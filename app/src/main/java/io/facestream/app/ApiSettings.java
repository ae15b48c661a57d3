package io.facestream.app;

import io.facestream.api.ApiConfig;
import io.facestream.api.ApiKey;
import io.facestream.api.AuthConfig;
import io.facestream.api.Scope;
import io.facestream.api.SessionKey;
import io.facestream.api.ServerLimits;
import io.facestream.api.UploadLimits;
import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.kafka.EmbeddedKafkaBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The API's settings from the app's configuration; with no key configured, an admin key of its own. */
final class ApiSettings {
    private static final Logger log = LoggerFactory.getLogger(ApiSettings.class);
    private static final String GENERATED_KEY_FILE = "api-admin-key";
    private static final String INTERNAL_KEY_FILE = "api-internal-key";

    static ApiConfig from(Config config, int port) {
        List<ApiKey> keys = new ArrayList<>(AuthConfig.parseKeys(config.get(ConfigKey.API_KEYS)));
        boolean required = config.getBoolean(ConfigKey.API_AUTH_REQUIRED);
        if (keys.isEmpty() && required) keys.add(ApiKey.ofSecret("generated-admin", generatedKey(config, GENERATED_KEY_FILE), EnumSet.of(Scope.ADMIN)));
        keys.add(ApiKey.ofSecret("internal", internalKey(config), EnumSet.of(Scope.INTERNAL)));
        String sessionKey = config.get(ConfigKey.API_CONSOLE_SESSION_KEY);
        AuthConfig auth = new AuthConfig(required, keys, false, config.get(ConfigKey.API_SSO_EMAIL_HEADER),
                AuthConfig.DEFAULT_SSO_USER_HEADER, Set.of(Scope.ADMIN), sessionKey.isBlank() ? null : SessionKey.of(sessionKey));
        if (config.getBoolean(ConfigKey.API_SSO_ENABLED)) {
            auth = auth.withSso(config.get(ConfigKey.API_SSO_EMAIL_HEADER), AuthConfig.DEFAULT_SSO_USER_HEADER, Set.of(Scope.ADMIN));
        }
        long maxFile = Long.parseLong(config.get(ConfigKey.API_UPLOAD_MAX_BYTES));
        // a request may carry five images (a POI's enrolment) and its form fields
        UploadLimits uploads = new UploadLimits(maxFile, 5 * maxFile + (1 << 20), UploadLimits.DEFAULT_MAX_PIXELS);
        int workers = config.getInt(ConfigKey.API_ANALYSIS_WORKERS);
        ServerLimits limits = new ServerLimits(config.getInt(ConfigKey.API_LIMITS_CONNECTIONS_PER_CLIENT),
                config.getInt(ConfigKey.API_LIMITS_CONNECTIONS), config.getInt(ConfigKey.API_LIMITS_REQUESTS_PER_SECOND),
                Duration.ofMillis(config.getInt(ConfigKey.API_LIMITS_IDLE_TIMEOUT_MS)),
                config.getInt(ConfigKey.API_LIMITS_MIN_BODY_RATE),
                workers > 0 ? workers : ServerLimits.defaultAnalysisWorkers(), config.getInt(ConfigKey.API_ANALYSIS_QUEUE));
        return new ApiConfig(config.get(ConfigKey.API_HOST), port, auth, uploads, limits);
    }

    /** The configured port, or a free one for port 0: other instances must know it before the API starts. */
    static int port(Config config) {
        int port = config.getInt(ConfigKey.API_PORT);
        if (port != 0) return port;
        return EmbeddedKafkaBroker.freePort(config.get(ConfigKey.API_HOST));
    }

    /** The key instances of one cluster present to each other. */
    static String internalKey(Config config) {
        return config.isSet(ConfigKey.API_INTERNAL_KEY) ? config.get(ConfigKey.API_INTERNAL_KEY) : generatedKey(config, INTERNAL_KEY_FILE);
    }

    /** Where the generated key is, for the start-up message; empty when keys are configured. */
    static String generatedKeyNote(Config config) {
        if (!config.get(ConfigKey.API_KEYS).isBlank() || !config.getBoolean(ConfigKey.API_AUTH_REQUIRED)) return "";
        return "; admin API key in " + keyFile(config);
    }

    static Path keyFile(Config config) {
        return config.getPath(ConfigKey.DATA_DIR).resolve(GENERATED_KEY_FILE);
    }

    /** The same key across restarts: created once, readable by its owner only. */
    private static String generatedKey(Config config, String name) {
        Path file = config.getPath(ConfigKey.DATA_DIR).resolve(name);
        try {
            if (Files.exists(file)) return Files.readString(file).strip();
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String key = HexFormat.of().formatHex(random);
            Files.createDirectories(file.getParent());
            Files.writeString(file, key + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            log.info("generated an API key into {}", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API key file " + file, e);
        }
    }

    private ApiSettings() {
    }
}
