package io.facestream.ingest.source;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import io.facestream.ingest.testing.TestClips;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP sources for real: HLS and MJPEG made by the ffmpeg CLI, served by the JDK's file server on loopback. */
class HttpSourceTest {

    private static void ffmpeg(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    private static List<SampledFrame> readAll(String url) throws Exception {
        List<SampledFrame> frames = new ArrayList<>();
        try (VideoSource source = VideoSource.open(SourceSpec.of(url), 0)) {
            for (Optional<SampledFrame> f = source.next(); f.isPresent(); f = source.next()) frames.add(f.get());
        }
        return frames;
    }

    @Test
    void readsHlsAndMjpegOverHttp(@TempDir Path dir) throws Exception {
        Path clip = TestClips.redSquare(dir, "clip.mp4", 320, 240, 60);
        Path www = Files.createDirectories(dir.resolve("www"));
        ffmpeg(www, "-i", clip.toString(), "-c:v", "mpeg2video", "-q:v", "2", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "live.m3u8");
        ffmpeg(www, "-i", clip.toString(), "-c:v", "mjpeg", "-q:v", "3", "-f", "mpjpeg", "cam.mjpeg");
        HttpServer server = SimpleFileServer.createFileServer(new InetSocketAddress("127.0.0.1", 0), www, SimpleFileServer.OutputLevel.NONE);
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThat(SourceSpec.of(base + "/live.m3u8").kind()).isEqualTo(SourceSpec.Kind.HTTP);
            List<SampledFrame> hls = readAll(base + "/live.m3u8");
            assertThat(hls).hasSize(60);
            assertThat(hls.getFirst().width()).isEqualTo(320);
            List<SampledFrame> mjpeg = readAll(base + "/cam.mjpeg");
            assertThat(mjpeg).hasSize(60);
            int i = (60 * 320 + 80) * 3; // inside the red square
            assertThat(mjpeg.get(10).rgb()[i] & 0xff).isGreaterThan(180);
        } finally {
            server.stop(0);
        }
    }
}
