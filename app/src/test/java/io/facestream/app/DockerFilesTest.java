package io.facestream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.app.config.ConfigKey;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be checked of docker/ without a Docker engine (none on this machine): the compose files validate
 * with docker-compose (Debian's, which needs no engine for {@code config}), the stack's shape holds (health
 * checks, start order, volumes, listeners, one state volume per instance, the GPU variant), every environment
 * variable it sets is one the product reads, and the image's entrypoint starts the product.
 */
class DockerFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker/compose.yaml");
    private static final Path GPU = ROOT.resolve("docker/compose.gpu.yaml");
    private static final Path DOCKERFILE = ROOT.resolve("docker/Dockerfile");
    private static final List<String> FACESTREAM_SERVICES = List.of("facestream-1", "facestream-2");

    @Test
    void composeValidatesWithDockerCompose() throws Exception {
        Assumptions.assumeTrue(onPath("docker-compose"),
                "SKIPPED: docker-compose is not installed (bin/ensure-tools.sh installs Debian's); the shape checks below still ran");
        Run plain = dockerCompose(Map.of("FACESTREAM_API_INTERNAL_KEY", "k"), "-f", COMPOSE.toString(), "config", "-q");
        assertThat(plain.exit()).as(plain.output()).isZero();
        Run gpu = dockerCompose(Map.of("FACESTREAM_API_INTERNAL_KEY", "k"), "-f", COMPOSE.toString(), "-f", GPU.toString(), "config");
        assertThat(gpu.exit()).as(gpu.output()).isZero();
        assertThat(gpu.output()).contains("driver: nvidia", "target: runtime-gpu", "FACESTREAM_MODELS_DEVICE: gpu");
        // the key instances share has no default: compose refuses to start without it, saying which
        Run noKey = dockerCompose(Map.of(), "-f", COMPOSE.toString(), "config", "-q");
        assertThat(noKey.exit()).isNotZero();
        assertThat(noKey.output()).contains("FACESTREAM_API_INTERNAL_KEY");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceIsHealthCheckedRestartedAndStartedInOrder() throws IOException {
        Map<String, Object> services = (Map<String, Object>) compose(COMPOSE).get("services");
        assertThat(services).containsKeys("kafka", "schema-registry", "qdrant", "facestream-1", "facestream-2");
        services.forEach((name, s) -> {
            Map<String, Object> service = (Map<String, Object>) s;
            assertThat(service).as(name).containsKey("healthcheck");
            assertThat(((Map<String, Object>) service.get("healthcheck")).get("test")).as(name).isNotNull();
            assertThat(service.get("restart")).as(name).isEqualTo("unless-stopped");
        });
        for (String name : FACESTREAM_SERVICES) {
            Map<String, Object> dependsOn = (Map<String, Object>) ((Map<String, Object>) services.get(name)).get("depends_on");
            for (String dependency : List.of("kafka", "schema-registry", "qdrant")) {
                assertThat(((Map<String, Object>) dependsOn.get(dependency)).get("condition")).as(name + " on " + dependency).isEqualTo("service_healthy");
            }
            assertThat(String.valueOf(((Map<String, Object>) services.get(name)).get("healthcheck"))).contains("/health/ready");
        }
        Map<String, Object> registry = (Map<String, Object>) services.get("schema-registry");
        assertThat(((Map<String, Object>) ((Map<String, Object>) registry.get("depends_on")).get("kafka")).get("condition")).isEqualTo("service_healthy");
    }

    @Test
    @SuppressWarnings("unchecked")
    void kafkaKeepsItsLogInItsVolumeAndIsAdvertisedToTheHost() throws IOException {
        Map<String, Object> kafka = (Map<String, Object>) ((Map<String, Object>) compose(COMPOSE).get("services")).get("kafka");
        Map<String, Object> env = (Map<String, Object>) kafka.get("environment");
        String logDirs = String.valueOf(env.get("KAFKA_LOG_DIRS"));
        // the apache/kafka image creates /var/lib/kafka/data for its user, but its default log.dirs is under /tmp
        assertThat(logDirs).isEqualTo("/var/lib/kafka/data");
        assertThat((List<String>) kafka.get("volumes")).contains("kafka-data:" + logDirs);
        assertThat(String.valueOf(env.get("CLUSTER_ID"))).matches("[A-Za-z0-9_-]{22}");
        String advertised = String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS"));
        Matcher host = Pattern.compile("(\\w+)://localhost:(\\d+)").matcher(advertised);
        assertThat(host.find()).as(advertised).isTrue();
        assertThat((List<String>) kafka.get("ports")).contains(host.group(2) + ":" + host.group(2));
        assertThat(String.valueOf(env.get("KAFKA_LISTENERS"))).contains(host.group(1) + "://:" + host.group(2));
        assertThat(String.valueOf(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"))).contains(host.group(1) + ":PLAINTEXT");
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachInstanceHasItsOwnStateVolumePortAndName() throws IOException {
        Map<String, Object> file = compose(COMPOSE);
        Map<String, Object> services = (Map<String, Object>) file.get("services");
        Set<String> volumes = new HashSet<>(), ports = new HashSet<>(), hosts = new HashSet<>();
        for (String name : FACESTREAM_SERVICES) {
            Map<String, Object> service = (Map<String, Object>) services.get(name);
            List<String> mounts = (List<String>) service.get("volumes");
            // its own state volume, and the blob store every instance shares
            assertThat(mounts).hasSize(2);
            assertThat(mounts.getFirst()).endsWith(":/var/lib/facestream");
            String volume = mounts.getFirst().substring(0, mounts.getFirst().indexOf(':'));
            assertThat(((Map<String, Object>) file.get("volumes"))).containsKey(volume).containsKey("blobs");
            assertThat(volumes.add(volume)).as("%s shares its state volume", name).isTrue();
            assertThat(mounts.get(1)).isEqualTo("blobs:/var/lib/facestream-blobs");
            assertThat(ports.add(((List<String>) service.get("ports")).getFirst().split(":")[0])).isTrue();
            Map<String, Object> env = (Map<String, Object>) service.get("environment");
            assertThat(hosts.add(String.valueOf(env.get(ConfigKey.API_ADVERTISED_HOST.envVar())))).isTrue();
            assertThat(env.get(ConfigKey.API_ADVERTISED_HOST.envVar())).isEqualTo(service.get("hostname"));
            assertThat(String.valueOf(env.get(ConfigKey.API_INTERNAL_KEY.envVar()))).startsWith("${FACESTREAM_API_INTERNAL_KEY:?");
            assertThat(env.get(ConfigKey.BLOBS_DIR.envVar())).isEqualTo("/var/lib/facestream-blobs");
        }
        // camera workers run in one instance only: two would each read every camera
        assertThat(((Map<String, Object>) services.get("facestream-1")).get("command")).isEqualTo(List.of("standalone"));
        assertThat(((Map<String, Object>) services.get("facestream-2")).get("command")).isEqualTo(List.of("api"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGpuVariantReservesAnNvidiaGpuForEachInstance() throws IOException {
        Map<String, Object> services = (Map<String, Object>) compose(GPU).get("services");
        for (String name : FACESTREAM_SERVICES) {
            Map<String, Object> service = (Map<String, Object>) services.get(name);
            Map<String, Object> reservations = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) service.get("deploy")).get("resources")).get("reservations");
            Map<String, Object> device = ((List<Map<String, Object>>) reservations.get("devices")).getFirst();
            assertThat(device).containsEntry("driver", "nvidia").containsEntry("capabilities", List.of("gpu"));
            assertThat(((Map<String, Object>) service.get("build")).get("target")).isEqualTo("runtime-gpu");
            assertThat(((Map<String, Object>) service.get("environment")).get("FACESTREAM_MODELS_DEVICE")).isEqualTo("gpu");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyVariableTheStackSetsIsOneTheProductReads() throws IOException {
        Set<String> read = productVariables();
        List<String> set = new ArrayList<>();
        for (Path file : List.of(COMPOSE, GPU)) {
            Map<String, Object> services = (Map<String, Object>) compose(file).get("services");
            for (String name : FACESTREAM_SERVICES) {
                set.addAll(((Map<String, Object>) ((Map<String, Object>) services.get(name)).get("environment")).keySet());
            }
        }
        Matcher env = Pattern.compile("(?m)^\\s*(?:ENV\\s+)?(FACESTREAM_[A-Z0-9_]+|JAVA_TOOL_OPTIONS)=").matcher(Files.readString(DOCKERFILE));
        while (env.find()) set.add(env.group(1));
        assertThat(set).contains("FACESTREAM_KAFKA_BOOTSTRAP_SERVERS", "FACESTREAM_MODELS_CACHE", "FACESTREAM_DATA_DIR");
        assertThat(read).containsAll(new HashSet<>(set));
    }

    @Test
    void theImageBakesVerifiedModelsAndItsEntrypointStartsTheProduct() throws Exception {
        List<Stage> stages = stages(Files.readString(DOCKERFILE));
        Stage build = stages.stream().filter(s -> "build".equals(s.name())).findFirst().orElseThrow();
        assertThat(build.runs()).anyMatch(r -> r.contains("mvn ") && r.contains("package -pl app -am"));
        // the models are fetched and checked against the catalogue's sha256 at build, by the product's own store
        String modelStore = io.facestream.models.store.ModelStore.class.getName();
        assertThat(build.runs()).anyMatch(r -> r.contains("FACESTREAM_MODELS_CACHE=/models") && r.contains(modelStore));
        Stage last = stages.getLast();
        assertThat(last.from()).isEqualTo("runtime-cpu");
        for (String name : List.of("runtime-cpu", "runtime-gpu")) {
            Stage runtime = stages.stream().filter(s -> name.equals(s.name())).findFirst().orElseThrow();
            assertThat(runtime.copies()).contains("--from=build /models ./models",
                    "--from=build /src/app/target/facestream-app.jar ./", "--from=build /src/app/target/lib ./lib");
            assertThat(runtime.env()).contains("FACESTREAM_MODELS_CACHE=/opt/facestream/models");
            List<String> entrypoint = Arrays.asList(new ObjectMapper().readValue(runtime.entrypoint(), String[].class));
            assertThat(entrypoint.getFirst()).isEqualTo("java");
            String classPath = entrypoint.get(entrypoint.indexOf("-cp") + 1);
            assertThat(classPath).isEqualTo("/opt/facestream/facestream-app.jar:/opt/facestream/lib/*");
            assertThat(entrypoint.getLast()).isEqualTo(Facestream.class.getName());
            String[] cmd = new ObjectMapper().readValue(runtime.cmd(), String[].class);
            assertThat(Facestream.commandLine().getSubcommands()).containsKey(cmd[0]);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose(COMPOSE).get("services");
        for (String name : FACESTREAM_SERVICES) {
            @SuppressWarnings("unchecked")
            List<String> command = (List<String>) ((Map<String, Object>) services.get(name)).get("command");
            assertThat(Facestream.commandLine().getSubcommands()).containsKey(command.getFirst());
        }
    }

    // ---- helpers ----

    private record Stage(String from, String name, List<String> runs, List<String> copies, List<String> env, String entrypoint, String cmd) {
    }

    /** The Dockerfile's stages with their instructions (continuation lines joined, comments dropped). */
    private static List<Stage> stages(String dockerfile) {
        List<Stage> stages = new ArrayList<>();
        String joined = dockerfile.replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n\\s*", " ");
        String from = null, name = null, entrypoint = null, cmd = null;
        List<String> runs = new ArrayList<>(), copies = new ArrayList<>(), env = new ArrayList<>();
        for (String line : (joined + "\nFROM end").lines().toList()) {
            String[] parts = line.strip().split("\\s+", 2);
            if (parts.length < 2) continue;
            switch (parts[0].toUpperCase(Locale.ROOT)) {
                case "FROM" -> {
                    if (from != null) stages.add(new Stage(from, name, runs, copies, env, entrypoint, cmd));
                    String[] f = parts[1].split("\\s+");
                    from = f[0];
                    name = f.length == 3 && f[1].equalsIgnoreCase("AS") ? f[2] : null;
                    runs = new ArrayList<>();
                    copies = new ArrayList<>();
                    env = new ArrayList<>();
                    // a stage built FROM another inherits its entrypoint and command
                    Stage parent = stages.stream().filter(s -> f[0].equals(s.name())).findFirst().orElse(null);
                    entrypoint = parent == null ? null : parent.entrypoint();
                    cmd = parent == null ? null : parent.cmd();
                }
                case "RUN" -> runs.add(parts[1]);
                case "COPY" -> copies.add(parts[1]);
                case "ENV" -> env.addAll(Arrays.asList(parts[1].split("\\s+")));
                case "ENTRYPOINT" -> entrypoint = parts[1];
                case "CMD" -> cmd = parts[1];
                default -> { }
            }
        }
        return stages;
    }

    /** Variables the product reads: its configuration keys, the face models' settings, the log levels, the JVM's own. */
    private static Set<String> productVariables() throws IOException {
        Set<String> read = new HashSet<>();
        for (ConfigKey key : ConfigKey.values()) read.add(key.envVar());
        try (Stream<Path> sources = Files.walk(ROOT.resolve("models/src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher key = Pattern.compile("\"(facestream\\.models\\.[a-z.-]+)\"").matcher(Files.readString(source));
                while (key.find()) read.add(key.group(1).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            }
        }
        Matcher logback = Pattern.compile("\\$\\{(FACESTREAM_[A-Z_]+)").matcher(Files.readString(ROOT.resolve("app/src/main/resources/logback.xml")));
        while (logback.find()) read.add(logback.group(1));
        read.add("JAVA_TOOL_OPTIONS");
        return read;
    }

    private static Map<String, Object> compose(Path file) throws IOException {
        return new Yaml().load(Files.readString(file));
    }

    private record Run(int exit, String output) {
    }

    private static Run dockerCompose(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker-compose"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("FACESTREAM_API_INTERNAL_KEY");
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        return new Run(p.waitFor(), output);
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
