package io.facestream.ingest.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A live HTTP camera on loopback that streams MPEG-TS or MJPEG, as IP cameras and encoders do, made of real parts: the
 * {@code ffmpeg} command-line tool plays a video file at its own pace ({@code -re}, looped) and muxes it, stream
 * copied, to MPEG-TS (or encodes it as MJPEG, ffmpeg's {@code mpjpeg} multipart stream); the JDK's HTTP server sends
 * that to the client with HTTP Basic authentication. An MPEG-TS stream's
 * headers are repeated in band at every keyframe, as a camera's are (an MP4 keeps them out of band, and a player
 * joining an MPEG-TS stream without them cannot even tell the picture's size): the video is remuxed once, beforehand,
 * because ffmpeg's {@code dump_extra} filter stops the stream at the first loop when applied while looping.
 *
 * <p>Every client gets its own ffmpeg, because a camera worker opens the URL twice (its decoder and its segment
 * recorder): ffmpeg's own HTTP server ({@code -listen 1}) serves one client and then exits.
 */
public final class HttpCamera implements AutoCloseable {
    /** What the camera streams, at which path, as what content type. */
    public enum Format {
        MPEG_TS("/cam.ts", "video/mp2t", List.of("-map", "0", "-c", "copy", "-f", "mpegts")),
        MJPEG("/cam.mjpg", "multipart/x-mixed-replace;boundary=ffmpeg", List.of("-map", "0:v:0", "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg"));

        final String path;
        final String contentType;
        final List<String> output;

        Format(String path, String contentType, List<String> output) {
            this.path = path;
            this.contentType = contentType;
            this.output = output;
        }
    }

    private final Format format;

    private final Path video;
    private final String user;
    private final String password;
    private final HttpServer server;
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Process> players = new CopyOnWriteArrayList<>();

    /** A camera that asks for {@code user}/{@code password} (HTTP Basic) before it streams {@code video} as {@code format}. */
    public HttpCamera(Path video, Format format, String user, String password) throws IOException, InterruptedException {
        this.format = format;
        this.video = video.resolveSibling(video.getFileName() + ".camera.ts");
        Process remux = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", video.toString(), "-map", "0", "-c", "copy",
                "-bsf:v", "dump_extra=freq=keyframe", "-f", "mpegts", this.video.toString()).redirectErrorStream(true).start();
        String errors = new String(remux.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!remux.waitFor(60, TimeUnit.SECONDS) || remux.exitValue() != 0) throw new IOException("ffmpeg could not remux " + video + ": " + errors);
        this.user = user;
        this.password = password;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.setExecutor(clients);
        server.createContext(format.path, this::serve);
    }

    public HttpCamera start() {
        server.start();
        return this;
    }

    /** The stream's URL, without credentials. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + format.path;
    }

    /** The stream's URL with the camera's credentials in it, as an operator would enter it. */
    public String urlWithCredentials() {
        return url().replace("http://", "http://" + user + ":" + password + "@");
    }

    /** Clients being streamed to now. */
    public int clients() {
        return (int) players.stream().filter(Process::isAlive).count();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"camera\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            List<String> command = new java.util.ArrayList<>(List.of("ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", video.toString()));
            command.addAll(format.output);
            command.add("pipe:1");
            Process ffmpeg = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            players.add(ffmpeg);
            try (InputStream stream = ffmpeg.getInputStream()) {
                exchange.getResponseHeaders().set("Content-Type", format.contentType);
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                byte[] buffer = new byte[188 * 64];
                int n;
                // until the client goes (the write fails) or the camera is closed (ffmpeg killed)
                while ((n = stream.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException clientWent) {
                // the client closed its connection
            } finally {
                players.remove(ffmpeg);
                ffmpeg.destroy();
                try {
                    if (!ffmpeg.waitFor(5, TimeUnit.SECONDS)) ffmpeg.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ffmpeg.destroyForcibly();
                }
            }
        }
    }

    /** Takes the camera away: the server stops listening and every client's stream ends. */
    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        for (Process p : players) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
        clients.shutdownNow();
        clients.awaitTermination(5, TimeUnit.SECONDS);
    }
}
