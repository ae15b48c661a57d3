package io.facestream.app.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

    @Test
    void laterSourcesWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("facestream.properties");
        Files.writeString(file, "kafka.embedded.port=1111\nregistry.embedded.port=2222\ntopics.partitions=3\n");
        Config config = Config.load(file,
                Map.of("FACESTREAM_REGISTRY_EMBEDDED_PORT", "3333", "FACESTREAM_TOPICS_PARTITIONS", "4"),
                Map.of("topics.partitions", "5"));
        assertThat(config.getInt(ConfigKey.KAFKA_EMBEDDED_PORT)).isEqualTo(1111);
        assertThat(config.getInt(ConfigKey.REGISTRY_EMBEDDED_PORT)).isEqualTo(3333);
        assertThat(config.getInt(ConfigKey.TOPICS_PARTITIONS)).isEqualTo(5);
        assertThat(config.get(ConfigKey.KAFKA_EMBEDDED_HOST)).isEqualTo("localhost");
    }

    @Test
    void unknownKeysAndBadNumbersAreNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("kafka.port", "1")))
                .hasMessageContaining("unknown configuration key 'kafka.port'")
                .hasMessageContaining("kafka.embedded.port");
        Config config = Config.load(null, Map.of(), Map.of("topics.partitions", "six"));
        assertThatThrownBy(() -> config.getInt(ConfigKey.TOPICS_PARTITIONS))
                .hasMessage("topics.partitions must be an integer, got 'six'");
        assertThatThrownBy(() -> Config.load(dir.resolve("missing.properties"), Map.of(), Map.of()))
                .hasMessageContaining("cannot read config file");
    }

    @Test
    void tildeMeansHome() {
        Config config = Config.load(null, Map.of(), Map.of("data.dir", "~/fs"));
        assertThat(config.getPath(ConfigKey.DATA_DIR)).isEqualTo(Path.of(System.getProperty("user.home"), "fs"));
    }

    /** README.md documents every key with its default and environment variable. */
    @Test
    void readmeListsEveryKey() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("facestream.repo.root"), "README.md"));
        for (ConfigKey k : ConfigKey.values()) {
            String shownDefault = k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`";
            String row = "| `" + k.key() + "` | `" + k.envVar() + "` | " + shownDefault + " |";
            assertThat(readme).as("README row for %s", k.key()).contains(row);
        }
    }
}
