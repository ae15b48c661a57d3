package io.facestream.app.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/** The resolved configuration: defaults, then the config file, then the environment, then overrides. */
public final class Config {
    private final Map<ConfigKey, String> values;

    private Config(Map<ConfigKey, String> values) {
        this.values = values;
    }

    /**
     * @param file      a Java properties file, or null for none
     * @param env       the process environment
     * @param overrides key=value pairs from the command line
     * @throws IllegalArgumentException naming an unknown key or an unreadable file
     */
    public static Config load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) values.put(k, k.defaultValue());
        if (file != null) {
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                props.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
            }
            props.stringPropertyNames().forEach(name -> values.put(byName(name, "config file " + file), props.getProperty(name).strip()));
        }
        for (ConfigKey k : ConfigKey.values()) {
            String v = env.get(k.envVar());
            if (v != null) values.put(k, v.strip());
        }
        overrides.forEach((name, v) -> values.put(byName(name, "--set"), v.strip()));
        return new Config(values);
    }

    private static ConfigKey byName(String name, String where) {
        for (ConfigKey k : ConfigKey.values()) if (k.key().equals(name)) return k;
        Set<String> known = Arrays.stream(ConfigKey.values()).map(ConfigKey::key).collect(Collectors.toCollection(java.util.TreeSet::new));
        throw new IllegalArgumentException("unknown configuration key '" + name + "' in " + where + "; known keys: " + known);
    }

    public String get(ConfigKey key) {
        return values.get(key);
    }

    public boolean isSet(ConfigKey key) {
        return !values.get(key).isEmpty();
    }

    public int getInt(ConfigKey key) {
        try {
            return Integer.parseInt(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key.key() + " must be an integer, got '" + values.get(key) + "'");
        }
    }

    public boolean getBoolean(ConfigKey key) {
        return switch (values.get(key).strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key.key() + " must be true or false, got '" + values.get(key) + "'");
        };
    }

    /** A path value, with a leading ~ meaning the user's home. */
    public Path getPath(ConfigKey key) {
        String v = values.get(key);
        if (v.equals("~") || v.startsWith("~/")) v = System.getProperty("user.home") + v.substring(1);
        return Path.of(v);
    }
}
