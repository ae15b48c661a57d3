package io.facestream.ingest.recording;

import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ffmpeg command-line tool that JavaCV ships with its FFmpeg libraries (the same build the workers decode
 * with), so recording needs no system ffmpeg. Used for what the tool does best and JavaCV's API lacks: the
 * segment muxer and stream-copy remuxing.
 */
final class Ffmpeg {
    private static volatile String executable;

    private Ffmpeg() {
    }

    static String executable() {
        if (executable == null) {
            synchronized (Ffmpeg.class) {
                if (executable == null) executable = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
            }
        }
        return executable;
    }

    /** {@code ffmpeg -nostdin -hide_banner -loglevel error ARGS}. */
    static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(executable(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"));
        cmd.addAll(args);
        return cmd;
    }

    private static byte[] tail(byte[] all) {
        return all.length <= 4096 ? all : java.util.Arrays.copyOfRange(all, all.length - 4096, all.length);
    }

    /** Runs ffmpeg to the end (at most {@code timeoutSeconds}); fails with its last error line. */
    static void run(List<String> args, long timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
        try {
            byte[] out = tail(p.getInputStream().readAllBytes());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("ffmpeg did not finish within " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                String text = new String(out, StandardCharsets.UTF_8).strip();
                String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
                throw new IOException("ffmpeg exited with " + p.exitValue() + (last.isEmpty() ? "" : ": " + last));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while ffmpeg ran", e);
        }
    }
}
