package io.facestream.app;

import io.facestream.app.config.Config;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code facestream} command. */
@Command(name = "facestream", mixinStandardHelpOptions = true, versionProvider = Facestream.Version.class,
        description = "Face recognition over live cameras and recorded video, on Kafka.",
        subcommands = {StandaloneCommand.class, ApiCommand.class, DemoCommand.class, ReplayCommand.class, ExportCommand.class,
                BenchCommand.class, CalibrateCommand.class})
public final class Facestream {

    /** Options every subcommand shares: where the configuration comes from. */
    public static final class ConfigOptions {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A properties file with configuration keys (see README).")
        Path configFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one configuration key; repeatable.")
        Map<String, String> overrides = new LinkedHashMap<>();

        public Config load() {
            return Config.load(configFile, System.getenv(), overrides);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Facestream.class.getPackage().getImplementationVersion();
            return new String[]{"facestream " + (v == null ? "(development build)" : v)};
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with facestream's error handling: a one-line reason, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Facestream());
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("facestream: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(Facestream.class).debug("command failed", e);
            return 1;
        });
        return cmd;
    }
}
