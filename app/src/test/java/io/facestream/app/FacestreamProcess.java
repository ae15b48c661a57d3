package io.facestream.app;

import io.facestream.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code facestream} command as its own process, from this test JVM's class path, its output in a log file. */
final class FacestreamProcess {

    static Process start(Path log, String heap, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Facestream.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static int freePort() {
        return EmbeddedKafkaBroker.freePort("127.0.0.1");
    }

    /** {@code --set key=value} for each pair. */
    static List<String> set(String... keyValues) {
        List<String> out = new ArrayList<>();
        for (String kv : keyValues) {
            out.add("--set");
            out.add(kv);
        }
        return out;
    }

    private FacestreamProcess() {
    }
}
