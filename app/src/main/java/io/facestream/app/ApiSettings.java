package io.facestream.app;

import io.facestream.api.ApiConfig;
import io.facestream.api.ApiKey;
import io.facestream.api.AuthConfig;
import io.facestream.api.Scope;
import io.facestream.api.UploadLimits;
import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** The API's settings from the app's configuration; with no key configured, an admin key of its own. */
final class ApiSettings {
    private static final Logger log = LoggerFactory.getLogger(ApiSettings.class);
    private static final String GENERATED_KEY_FILE = "api-admin-key";

    static ApiConfig from(Config config) {
        List<ApiKey> keys = AuthConfig.parseKeys(config.get(ConfigKey.API_KEYS));
        boolean required = config.getBoolean(ConfigKey.API_AUTH_REQUIRED);
        if (keys.isEmpty() && required) keys = List.of(ApiKey.ofSecret("generated-admin", generatedKey(config), EnumSet.of(Scope.ADMIN)));
        AuthConfig auth = new AuthConfig(required, keys, false, config.get(ConfigKey.API_SSO_EMAIL_HEADER),
                AuthConfig.DEFAULT_SSO_USER_HEADER, Set.of(Scope.ADMIN));
        if (config.getBoolean(ConfigKey.API_SSO_ENABLED)) {
            auth = auth.withSso(config.get(ConfigKey.API_SSO_EMAIL_HEADER), AuthConfig.DEFAULT_SSO_USER_HEADER, Set.of(Scope.ADMIN));
        }
        long maxFile = Long.parseLong(config.get(ConfigKey.API_UPLOAD_MAX_BYTES));
        // a request may carry five images (a POI's enrolment) and its form fields
        UploadLimits uploads = new UploadLimits(maxFile, 5 * maxFile + (1 << 20), UploadLimits.DEFAULT_MAX_PIXELS);
        return new ApiConfig(config.get(ConfigKey.API_HOST), config.getInt(ConfigKey.API_PORT), auth, uploads);
    }

    /** Where the generated key is, for the start-up message; empty when keys are configured. */
    static String generatedKeyNote(Config config) {
        if (!config.get(ConfigKey.API_KEYS).isBlank() || !config.getBoolean(ConfigKey.API_AUTH_REQUIRED)) return "";
        return "; admin API key in " + keyFile(config);
    }

    private static Path keyFile(Config config) {
        return config.getPath(ConfigKey.DATA_DIR).resolve(GENERATED_KEY_FILE);
    }

    /** The same key across restarts: created once, readable by its owner only. */
    private static String generatedKey(Config config) {
        Path file = keyFile(config);
        try {
            if (Files.exists(file)) return Files.readString(file).strip();
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String key = HexFormat.of().formatHex(random);
            Files.createDirectories(file.getParent());
            Files.writeString(file, key + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            log.info("generated an admin API key into {}", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API key file " + file, e);
        }
    }

    private ApiSettings() {
    }
}
