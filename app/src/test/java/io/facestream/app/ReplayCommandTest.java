package io.facestream.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code facestream replay} as a person runs it, against a running standalone. */
class ReplayCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run replay(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream stdout = System.out, stderr = System.err;
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            CommandLine cmd = Facestream.commandLine();
            cmd.setOut(new java.io.PrintWriter(out, true));
            cmd.setErr(new java.io.PrintWriter(err, true));
            int exit = cmd.execute(args);
            return new Run(exit, out.toString(), err.toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void replaysAFileAndRefusesBadOnesWithOneLine(@TempDir Path dir) throws Exception {
        Path clip = TestStandalone.oneFaceClip(dir.resolve("hall.mp4"), 50, 320, 320);
        Path junk = Files.write(dir.resolve("junk.mp4"), new byte[4096]);
        try (Standalone standalone = Standalone.start(TestStandalone.config(dir.resolve("data"), 0))) {
            String[] target = {"--bootstrap", standalone.bootstrapServers(), "--registry", standalone.registryUrl(),
                    "--set", "data.dir=" + dir.resolve("data")};

            Run ok = replay(concat(new String[]{"replay", clip.toString(), "--file-id", "hall-1", "--sample-fps", "5"}, target));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("replayed " + clip + " as file hall-1: 10 frames, 10 faces, 0 subtitle chunks");
            assertThat(ok.out()).as("plain progress lines when not on a terminal").contains("hall.mp4: 10/10 frames, 10 faces");

            Run missing = replay(concat(new String[]{"replay", dir.resolve("nope.mp4").toString()}, target));
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err().strip()).isEqualTo("facestream replay: no such file: " + dir.resolve("nope.mp4"));

            Run corrupt = replay(concat(new String[]{"replay", junk.toString()}, target));
            assertThat(corrupt.exit()).isEqualTo(2);
            assertThat(corrupt.err().strip()).startsWith("facestream replay: cannot open " + junk).doesNotContain("\n");

            Run badSpeed = replay(concat(new String[]{"replay", clip.toString(), "--speed", "fast"}, target));
            assertThat(badSpeed.exit()).isEqualTo(1);
            assertThat(badSpeed.err()).contains("speed is max, realtime or a positive factor");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
