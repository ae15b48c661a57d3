package io.facestream.ingest.video;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A live RTSP camera on loopback, made of real parts: Debian's {@code rtsp-server-perl}
 * serves the stream that the {@code ffmpeg} command-line tool publishes into it (looping
 * a video file, at its own pace). ffmpeg's RTSP output only publishes to a server, it
 * cannot serve players itself. This server relays RTP over UDP only, so a player must use
 * the udp transport. Both tools are installed by the test command; {@code facestream bench cameras} checks for them
 * with {@link #missingTools()}.
 */
public final class RtspServer implements AutoCloseable {
    private final Path video;
    private final int clientPort;
    private final int sourcePort;
    private final int rtpStartPort;
    private Process server;
    private Process publisher;

    public RtspServer(Path video) throws IOException {
        this.video = video;
        this.clientPort = freePort();
        this.sourcePort = freePort();
        this.rtpStartPort = freeUdpBlock();
    }

    /** UDP ports the server's RTP may take: two per stream and per player, counted up from its start port. */
    private static final int RTP_PORTS = 32;

    /**
     * A free block for the server's RTP sockets. rtsp-server-perl starts every server's at 20000 unless told, so two
     * servers on one machine (two test JVMs, or one test's two cameras) would fight over the same ports.
     */
    private static int freeUdpBlock() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int start = 20_000 + 2 * random.nextInt(6_000); // even, below Linux's ephemeral ports (32768 up)
            if (udpFree(start)) return start;
        }
        throw new IOException("no free block of " + RTP_PORTS + " UDP ports between 20000 and 32032");
    }

    private static boolean udpFree(int start) {
        java.util.List<java.net.DatagramSocket> held = new java.util.ArrayList<>();
        try {
            for (int port = start; port < start + RTP_PORTS; port++) held.add(new java.net.DatagramSocket(port));
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            held.forEach(java.net.DatagramSocket::close);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** The tools this needs that are not on the PATH (Debian packages {@code rtsp-server-perl} and {@code ffmpeg}). */
    public static java.util.List<String> missingTools() {
        java.util.List<String> path = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(d -> !d.isBlank()).toList();
        return java.util.stream.Stream.of("rtsp-server-perl", "ffmpeg")
                .filter(tool -> path.stream().noneMatch(d -> java.nio.file.Files.isExecutable(Path.of(d, tool)))).toList();
    }

    /** Where players read the stream (with rtsp transport udp). */
    public String url() {
        return "rtsp://127.0.0.1:" + clientPort + "/live";
    }

    /** Starts the server and the publisher, and returns once a player can DESCRIBE the stream. */
    public RtspServer start() throws IOException, InterruptedException {
        // Debian's rtsp-server-perl script, with the module's RTP start port set too: the server goes back to that
        // global whenever a connection closes with nothing mounted (our readiness probes do), whatever the option says
        server = new ProcessBuilder("perl", "-MAnyEvent", "-MRTSP::Server", "-e",
                "$RTSP::Server::RTP_START_PORT = shift @ARGV; RTSP::Server->new_with_options->listen; AnyEvent->condvar->recv",
                String.valueOf(rtpStartPort), "-c", String.valueOf(clientPort), "-s", String.valueOf(sourcePort),
                "--client_listen_address", "127.0.0.1", "--source_listen_address", "127.0.0.1", "-l", "1",
                "--rtp_start_port", String.valueOf(rtpStartPort))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await(() -> canConnect(sourcePort), "the RTSP server to listen");
        publisher = new ProcessBuilder("ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", video.toString(),
                "-c", "copy", "-f", "rtsp", "-rtsp_transport", "udp", "rtsp://127.0.0.1:" + sourcePort + "/live")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await(this::streamAnnounced, "ffmpeg to publish " + video.getFileName());
        return this;
    }

    private interface Check {
        boolean ok() throws IOException;
    }

    private void await(Check check, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new IOException("rtsp-server-perl exited with " + server.exitValue());
            if (publisher != null && !publisher.isAlive()) throw new IOException("ffmpeg exited with " + publisher.exitValue());
            if (check.ok()) return;
            Thread.sleep(100);
        }
        throw new IOException("timed out waiting for " + what);
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A raw RTSP DESCRIBE: 200 once a publisher has announced the stream. */
    private boolean streamAnnounced() {
        try (Socket s = new Socket("127.0.0.1", clientPort)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("DESCRIBE " + url() + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[64];
            int n = in.read(head);
            return n > 0 && new String(head, 0, n, StandardCharsets.US_ASCII).startsWith("RTSP/1.0 200");
        } catch (IOException e) {
            return false;
        }
    }

    /** Takes the camera away: publisher and server both stop. */
    public void stop() throws InterruptedException {
        for (Process p : new Process[]{publisher, server}) {
            if (p == null) continue;
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
        publisher = null;
        server = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
