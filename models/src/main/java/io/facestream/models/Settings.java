package io.facestream.models;

import java.util.Locale;

/**
 * Reads a setting from a system property ({@code facestream.models.device}) or, when that is unset, from the
 * environment variable of the same name upper-cased with dots and dashes as underscores
 * ({@code FACESTREAM_MODELS_DEVICE}).
 */
public final class Settings {
    private Settings() {}

    public static String get(String key, String defaultValue) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            value = System.getenv(envName(key));
        }
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    public static int getInt(String key, int defaultValue) {
        String value = get(key, null);
        try {
            return value == null ? defaultValue : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
        }
    }

    public static double getDouble(String key, double defaultValue) {
        String value = get(key, null);
        try {
            return value == null ? defaultValue : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + value + "'", e);
        }
    }

    public static String envName(String key) {
        return key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
