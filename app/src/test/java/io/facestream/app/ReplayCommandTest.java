package io.facestream.app;

import io.facestream.schemas.avro.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code facestream replay} as a person runs it, against a running standalone. */
class ReplayCommandTest {


    @Test
    void replaysAFileAndRefusesBadOnesWithOneLine(@TempDir Path dir) throws Exception {
        Path clip = TestStandalone.oneFaceClip(dir.resolve("hall.mp4"), 50, 320, 320);
        Path junk = Files.write(dir.resolve("junk.mp4"), new byte[4096]);
        try (Standalone standalone = Standalone.start(TestStandalone.config(dir.resolve("data"), 0))) {
            String[] target = {"--bootstrap", standalone.bootstrapServers(), "--registry", standalone.registryUrl(),
                    "--set", "data.dir=" + dir.resolve("data")};

            Cli.Run ok = Cli.run(concat(new String[]{"replay", clip.toString(), "--file-id", "hall-1", "--sample-fps", "5"}, target));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("replayed " + clip + " as file hall-1: 10 frames, 10 faces, 0 subtitle chunks");
            assertThat(ok.out()).as("plain progress lines when not on a terminal").contains("hall.mp4: 10/10 frames, 10 faces");

            Cli.Run missing = Cli.run(concat(new String[]{"replay", dir.resolve("nope.mp4").toString()}, target));
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err().strip()).isEqualTo("facestream replay: no such file: " + dir.resolve("nope.mp4"));

            Cli.Run corrupt = Cli.run(concat(new String[]{"replay", junk.toString()}, target));
            assertThat(corrupt.exit()).isEqualTo(2);
            assertThat(corrupt.err().strip()).startsWith("facestream replay: cannot open " + junk).doesNotContain("\n");

            Cli.Run badSpeed = Cli.run(concat(new String[]{"replay", clip.toString(), "--speed", "fast"}, target));
            assertThat(badSpeed.exit()).isEqualTo(ReplayCommand.BAD_INPUT);
            assertThat(badSpeed.err()).contains("speed is max, realtime or a positive factor");

            // an invalid file id is refused before anything is written: no file record under it, ever
            Cli.Run badId = Cli.run(concat(new String[]{"replay", clip.toString(), "--file-id", "../escape"}, target));
            assertThat(badId.exit()).isEqualTo(ReplayCommand.BAD_INPUT);
            assertThat(badId.err()).contains("a file id is 1-128 letters, digits");
            assertThat(badId.out()).doesNotContain("loading the face models");

            // damaged files, made as a disk or a copy breaks them: cut in half; a stretch of byte pairs swapped (frames
            // lost); one kilobyte swapped inside a later frame (every frame decodes, the decoder reports errors)
            Path whole = ffmpegClip(dir.resolve("whole.mp4"));
            Path truncated = dir.resolve("truncated.mp4"), flipped = dir.resolve("flipped.mp4"), concealed = dir.resolve("concealed.mp4");
            long size = Files.size(whole);
            shell("dd if=" + whole + " of=" + truncated + " bs=1 count=" + size / 2 + " status=none");
            Files.copy(whole, flipped);
            shell("dd if=" + whole + " of=" + flipped + " bs=1024 skip=10 seek=10 count=10 conv=swab,notrunc status=none");
            Files.copy(whole, concealed);
            shell("dd if=" + whole + " of=" + concealed + " bs=1024 skip=24 seek=24 count=1 conv=swab,notrunc status=none");
            for (Path damaged : List.of(truncated, flipped, concealed)) {
                String id = damaged.getFileName().toString().replace(".mp4", "");
                Cli.Run run = Cli.run(concat(new String[]{"replay", damaged.toString(), "--file-id", id}, target));
                assertThat(run.exit()).as(damaged + ": " + run.err()).isEqualTo(ReplayCommand.DAMAGED);
                assertThat(run.err()).as(id).contains("PARTIAL: damaged file: ");
                if (damaged != concealed) assertThat(run.err()).as(id).contains("of the 100 frames the container declares");
                else assertThat(run.err()).as(id).containsPattern("\\d+ decoder errors?");
                standalone.backend().awaitVisible(() -> standalone.backend().queries().file(id)
                        .filter(f -> f.file().getStatus() == FileStatus.PARTIAL).isPresent(), "the damaged file's record", Duration.ofSeconds(30));
                assertThat(standalone.backend().queries().file(id).orElseThrow().file().getError()).startsWith("damaged file: ");
            }
            Cli.Run intact = Cli.run(concat(new String[]{"replay", whole.toString(), "--file-id", "whole"}, target));
            assertThat(intact.exit()).as(intact.err()).isZero();

            // a replay process killed mid-file: its file reads STALE once its heartbeat stops, not PROCESSING forever
            Path longer = ffmpegClip(dir.resolve("longer.mp4"), 30);
            java.util.List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                    "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                    "-cp", System.getProperty("java.class.path"), Facestream.class.getName(),
                    "replay", longer.toString(), "--file-id", "killed", "--speed", "realtime"));
            command.addAll(List.of(target));
            Process replaying = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                standalone.backend().awaitVisible(() -> standalone.backend().queries().file("killed")
                        .filter(f -> f.file().getStatus() == FileStatus.PROCESSING && f.file().getFramesProcessed() > 0).isPresent(),
                        "the replay under way", Duration.ofSeconds(90));
            } finally {
                replaying.destroyForcibly().waitFor();
            }
            standalone.backend().awaitVisible(() -> standalone.backend().queries().file("killed")
                    .filter(f -> f.file().getStatus() == FileStatus.STALE).isPresent(), "the killed replay read STALE", Duration.ofSeconds(40));
            assertThat(standalone.backend().queries().file("killed").orElseThrow().file().getError()).startsWith("no heartbeat from its replay since");
            assertThat(standalone.backend().queries().file("../escape")).isEmpty();
        }
    }

    @Test
    void failsFastNamingWhatIsMissingOrUnreachable(@TempDir Path dir) throws Exception {
        int closedKafka = FacestreamProcess.freePort(), closedRegistry = FacestreamProcess.freePort();
        String[] nowhere = {"--bootstrap", "127.0.0.1:" + closedKafka, "--registry", "http://127.0.0.1:" + closedRegistry,
                "--set", "data.dir=" + dir.resolve("data")};

        // the file is checked before anything else: its problem is reported, not the dead broker's
        Cli.Run missing = Cli.run(concat(new String[]{"replay", dir.resolve("nope.mp4").toString()}, nowhere));
        assertThat(missing.exit()).isEqualTo(ReplayCommand.BAD_INPUT);
        assertThat(missing.err().strip()).isEqualTo("facestream replay: no such file: " + dir.resolve("nope.mp4"));
        assertThat(missing.out()).isEmpty();

        Path clip = ffmpegClip(dir.resolve("clip.mp4"));
        Cli.Run down = Cli.run(concat(new String[]{"replay", clip.toString()}, nowhere));
        assertThat(down.exit()).as(down.err()).isEqualTo(ReplayCommand.UNREACHABLE);
        assertThat(down.err()).contains("Kafka at 127.0.0.1:" + closedKafka + " unreachable: connection refused (tried a TCP connection to 127.0.0.1:" + closedKafka + ")")
                .contains("schema registry at http://127.0.0.1:" + closedRegistry + " unreachable: connection refused (tried GET http://127.0.0.1:" + closedRegistry + "/config)")
                .doesNotContain("null").doesNotContain("HTTP 503");
        assertThat(down.out()).contains("checking Kafka at 127.0.0.1:" + closedKafka).doesNotContain("loading the face models");
    }

    @Test
    void aPortThatAcceptsButIsNotKafkaIsNamedToo(@TempDir Path dir) throws Exception {
        Path clip = ffmpegClip(dir.resolve("clip.mp4"));
        // something listens but never speaks Kafka: the metadata request times out
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            int registry = FacestreamProcess.freePort();
            Cli.Run run = Cli.run("replay", clip.toString(), "--bootstrap", "127.0.0.1:" + silent.getLocalPort(),
                    "--registry", "http://127.0.0.1:" + registry, "--set", "data.dir=" + dir.resolve("data"));
            assertThat(run.exit()).as(run.err()).isEqualTo(ReplayCommand.UNREACHABLE);
            assertThat(run.err()).contains("Kafka at 127.0.0.1:" + silent.getLocalPort() + " unreachable: no broker answered within 2500 ms (tried a metadata request to 127.0.0.1:" + silent.getLocalPort() + ")");
        }
        Cli.Run unknown = Cli.run("replay", clip.toString(), "--bootstrap", "no-such-host.invalid:9092",
                "--registry", "http://no-such-host.invalid:8081", "--set", "data.dir=" + dir.resolve("data"));
        assertThat(unknown.exit()).isEqualTo(ReplayCommand.UNREACHABLE);
        assertThat(unknown.err()).contains("Kafka at no-such-host.invalid:9092 unreachable: unknown host no-such-host.invalid",
                "schema registry at http://no-such-host.invalid:8081 unreachable: unknown host (tried GET http://no-such-host.invalid:8081/config)");
    }

    /** 4 s of ffmpeg's test pattern, 25 fps (100 frames), index first so a cut file still opens. */
    private static Path ffmpegClip(Path file) throws Exception {
        return ffmpegClip(file, 4);
    }

    private static Path ffmpegClip(Path file, int seconds) throws Exception {
        shell("ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25 -t " + seconds + " -pix_fmt yuv420p -c:v libx264 -g 25 -movflags +faststart " + file);
        return file;
    }

    private static void shell(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(command + ": " + output).isZero();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
