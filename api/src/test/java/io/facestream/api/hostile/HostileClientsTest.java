package io.facestream.api.hostile;

import static io.facestream.api.ApiTestSupport.READ_KEY;
import static io.facestream.api.ApiTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.api.ApiConfig;
import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.ApiTestSupport.Part;
import io.facestream.api.AuthConfig;
import io.facestream.api.ServerLimits;
import io.facestream.api.UploadLimits;
import io.facestream.api.Uploads;
import io.facestream.api.hostile.Hostile.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 19's hostile clients against a real server over real sockets: slow bodies, refused WebSocket upgrades
 * by the thousand, concurrent decompression bombs, request floods, connection hoarding, HEAD without a key.
 * Each test prints its figures (lines starting "HOSTILE") for BENCHMARKS.md, "Hostile clients".
 */
class HostileClientsTest {
    private static final String UPGRADE = "GET /api/test/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    private static ApiServer start(ServerLimits limits) {
        ApiConfig config = ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())).withLimits(limits);
        return ApiServer.start(config, List.of(ApiTestSupport.TEST_ROUTES));
    }

    @Test
    void threeHundredSlowBodiesWithoutAKeyAreRefusedAtOnceAndHealthStaysFast() throws Exception {
        int connections = 300;
        try (ApiServer server = start(ServerLimits.defaults().withConnections(1000, 4096))) {
            List<Socket> sockets = new ArrayList<>();
            Map<Integer, Long> answeredMillis = new ConcurrentHashMap<>();
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            AtomicInteger closedByServer = new AtomicInteger();
            ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
            long opening = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                Socket socket = new Socket("127.0.0.1", server.port());
                socket.setSoTimeout(10_000);
                sockets.add(socket);
                // a 40 MB upload declared, a few bytes sent: the rest is to trickle in a byte at a time
                socket.getOutputStream().write(("POST /api/test/upload HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 40000000\r\n\r\n--b\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                int index = i;
                long sent = System.nanoTime();
                readers.submit(() -> {
                    InputStream in = socket.getInputStream();
                    Answer answer = Hostile.read(in);
                    answeredMillis.put(index, (System.nanoTime() - sent) / 1_000_000);
                    statuses.put(index, answer.status());
                    if (in.read() < 0) {
                        closedByServer.incrementAndGet();
                    }
                    return null;
                });
            }
            long openMillis = (System.nanoTime() - opening) / 1_000_000;
            long start = System.nanoTime();
            AtomicBoolean trickling = new AtomicBoolean(true);
            Thread trickler = Thread.ofVirtual().start(() -> {
                while (trickling.get()) {
                    for (Socket socket : sockets) {
                        try {
                            socket.getOutputStream().write('x');
                        } catch (IOException e) {
                            // closed by the server after its answer: nothing more to trickle
                        }
                    }
                    sleep(200);
                }
            });
            List<Long> healthMillis = new ArrayList<>();
            List<Integer> healthStatuses = new ArrayList<>();
            while (System.nanoTime() - start < 3_000_000_000L) {
                long t0 = System.nanoTime();
                HttpResponse<String> health = ApiTestSupport.get(server, "/health");
                healthMillis.add((System.nanoTime() - t0) / 1_000_000);
                healthStatuses.add(health.statusCode());
                sleep(50);
            }
            trickling.set(false);
            trickler.join();
            readers.shutdown();
            assertThat(readers.awaitTermination(15, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            for (Socket socket : sockets) {
                socket.close();
            }
            Collections.sort(healthMillis);
            long slowest401 = answeredMillis.values().stream().mapToLong(Long::longValue).max().orElse(-1);
            System.out.printf("HOSTILE slow bodies: %d connections without a key opened in %d ms, %d answered 401 (slowest %d ms),"
                            + " %d closed by the server after the answer; /health %d polls, p50 %d ms, max %d ms%n",
                    connections, openMillis, statuses.values().stream().filter(s -> s == 401).count(), slowest401,
                    closedByServer.get(), healthMillis.size(), healthMillis.get(healthMillis.size() / 2),
                    healthMillis.getLast());
            assertThat(statuses).hasSize(connections);
            assertThat(statuses.values()).containsOnly(401);
            assertThat(slowest401).isLessThan(1000);
            assertThat(closedByServer.get()).isEqualTo(connections);
            assertThat(healthStatuses).containsOnly(200);
            assertThat(healthMillis.getLast()).isLessThan(1000);
        }
    }

    @Test
    void aKeyedBodyTooSlowForTheMinimumDataRateIsCutOff() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults().withBodyTimeouts(Duration.ofSeconds(2), 8 * 1024));
                Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/test/upload HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + READ_KEY + "\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n--b\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            String outcome = null;
            while (outcome == null && System.nanoTime() - start < 15_000_000_000L) {
                try {
                    out.write("0123456789".getBytes(StandardCharsets.ISO_8859_1)); // 100 bytes/s
                    int first = socket.getInputStream().read();
                    if (first < 0) {
                        outcome = "closed";
                    } else {
                        socket.setSoTimeout(2000);
                        byte[] statusLine = socket.getInputStream().readNBytes(11);
                        outcome = "answered " + (char) first + new String(statusLine, StandardCharsets.ISO_8859_1);
                    }
                } catch (SocketTimeoutException e) {
                    // nothing from the server yet: keep trickling
                } catch (IOException e) {
                    outcome = "reset";
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("HOSTILE keyed body at 100 B/s (minimum 8 KiB/s): %s after %d ms%n", outcome, millis);
            assertThat(outcome).isEqualTo("answered HTTP/1.1 408");
            assertThat(millis).isLessThan(10_000);
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedOnItsDeclaredSizeOrAsItStreams() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults())) {
            // declared: answered on the headers (before the route, by Jetty's SizeLimitHandler), no byte of it sent
            Answer declared = Hostile.exchange(server.port(), "POST /api/test/upload HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-API-Key: " + READ_KEY + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                    + "Content-Length: 100000000\r\n\r\n");
            assertThat(declared.status()).isEqualTo(413);
            assertThat(declared.body()).contains("too large: 100000000");
            assertThat(declared.head()).contains("application/json");
            // chunked, no size declared: refused once past the limit (the raw route reads at most one file's
            // limit; any route, Jetty's SizeLimitHandler at the request limit)
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/test/raw HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + READ_KEY
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] chunk = new byte[1 << 20];
                String head = "100000\r\n";
                long sent = 0;
                try {
                    while (sent < 60L << 20) {
                        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        sent += chunk.length;
                    }
                } catch (IOException e) {
                    // the server stopped reading and closed: what is wanted
                }
                Answer cut = Hostile.read(socket.getInputStream());
                System.out.printf("HOSTILE chunked body without a size: answered %d after %d MiB sent%n", cut.status(),
                        sent >> 20);
                assertThat(cut.status()).isEqualTo(413);
                assertThat(sent).isLessThan(60L << 20);
            }
        }
    }

    /**
     * A form cut at its file limit has the rest of its body read and dropped (so that a client still sending reads
     * its 413 instead of a reset), but only {@link Uploads#DRAIN_BYTES} of it and for {@link Uploads#DRAIN_TIME}: a
     * client that keeps sending, fast or slowly, is cut off after that. The request limit is set far above both so
     * that only the drain's own bounds can stop it.
     */
    @Test
    void aRefusedUploadIsDrainedOnlyWithinItsBytesAndTime() throws Exception {
        long fileLimit = 1L << 20;
        UploadLimits uploads = new UploadLimits(fileLimit, 512L << 20, UploadLimits.defaults().maxPixels());
        ApiConfig config = ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())).withUploads(uploads);
        try (ApiServer server = ApiServer.start(config, List.of(ApiTestSupport.TEST_ROUTES))) {
            // fast: as much as the socket takes, without end
            Drained fast = sendUntilCut(server.port(), fileLimit + (64 << 10), 0);
            System.out.printf("HOSTILE endless form over the file limit, sent at full speed: %s after %d MiB sent%n",
                    fast.outcome(), fast.sent() >> 20);
            // what the server read is at most the file limit and the drain's bytes; the rest is socket buffers
            assertThat(fast.sent()).isLessThan(fileLimit + Uploads.DRAIN_BYTES + (32L << 20));
            assertThat(fast.outcome()).isIn("answered 413", "reset");

            // slow: 320 KiB/s after the limit, far under the drain's bytes in its time, so its clock ends it
            Drained slow = sendUntilCut(server.port(), fileLimit + (64 << 10), 50);
            System.out.printf("HOSTILE endless form over the file limit, then 320 KiB/s: %s %d ms after the limit%n",
                    slow.outcome(), slow.millisAfterLimit());
            assertThat(slow.outcome()).isIn("answered 413", "reset");
            assertThat(slow.millisAfterLimit()).isLessThan(Uploads.DRAIN_TIME.toMillis() + 8_000);

            // and the server still answers
            assertThat(ApiTestSupport.get(server, "/health").statusCode()).isEqualTo(200);
        }
    }

    private record Drained(String outcome, long sent, long millisAfterLimit) {}

    /**
     * Sends a chunked multipart form to the one-image route: {@code first} bytes of file at once, then 16 KiB every
     * {@code pauseMillis} (0: no pause) until the server answers or the connection breaks, reading the answer on
     * another thread meanwhile.
     */
    private static Drained sendUntilCut(int port, long first, int pauseMillis) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port);
                ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor()) {
            socket.setSoTimeout(30_000);
            Future<Answer> answer = reader.submit(() -> Hostile.read(socket.getInputStream()));
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/test/upload HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + READ_KEY
                    + "\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            writeChunk(out, ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                    + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 << 10];
            long sent = 0;
            long limitPassed = 0;
            try {
                while (!answer.isDone() && sent < 1L << 30) {
                    if (sent >= first && pauseMillis > 0) {
                        if (limitPassed == 0) limitPassed = System.nanoTime();
                        Thread.sleep(pauseMillis);
                        writeChunk(out, java.util.Arrays.copyOf(chunk, 16 << 10));
                        sent += 16 << 10;
                    } else {
                        writeChunk(out, chunk);
                        sent += chunk.length;
                    }
                }
            } catch (IOException e) {
                // the server stopped reading and closed: what is wanted
            }
            if (limitPassed == 0) limitPassed = System.nanoTime();
            String outcome;
            try {
                Answer got = answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
                outcome = "answered " + got.status();
                if (got.status() == 413) {
                    assertThat(got.head().toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                outcome = "reset"; // the server's close with unread bytes took the answer with it
            }
            return new Drained(outcome, sent, (System.nanoTime() - limitPassed) / 1_000_000);
        }
    }

    private static void writeChunk(OutputStream out, byte[] bytes) throws IOException {
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void tenThousandRefusedWebSocketUpgradesLeaveNoSessions() throws Exception {
        int attempts = 10_000;
        try (ApiServer server = start(ServerLimits.defaults().withRequestsPerSecond(0))) {
            // warm up the path (classes, buffers), then measure what stays
            for (int i = 0; i < 200; i++) {
                Hostile.exchange(server.port(), UPGRADE + "\r\n");
            }
            Map<String, Long> liveBefore = Hostile.liveInstances();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger cookies = new AtomicInteger();
            List<String> wrong = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    done.add(clients.submit(() -> {
                        for (int i = 0; i < attempts / 4; i++) {
                            Answer answer = Hostile.exchange(server.port(), UPGRADE + "\r\n");
                            if (answer.status() == 401 && answer.body().contains("Authentication required.")
                                    && answer.head().contains("application/json")) {
                                refused.incrementAndGet();
                            } else if (wrong.size() < 5) {
                                wrong.add(answer.head() + answer.body());
                            }
                            if (answer.hasHeader("Set-Cookie")) {
                                cookies.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            }
            long seconds = (System.nanoTime() - start) / 1_000_000;
            // A class kept per attempt gains 10 000 live instances. Printed, every class that did; asserted, the
            // sessions. After other test classes in the same JVM, about 9 300 strings (their bytes) and 8 300 hash
            // map nodes per 10 000 attempts stay (still there 20 s later), none of them a session's: not found yet
            // what keeps them (the closing note of wave 2 session 9).
            Map<String, Long> keptPerAttempt = Hostile.grownBy(liveBefore, Hostile.liveInstances(), attempts / 2);
            // accepted upgrades make no session either
            int acceptedCookies = 0;
            for (int i = 0; i < 100; i++) {
                try (Socket socket = new Socket("127.0.0.1", server.port())) {
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write((UPGRADE + "X-API-Key: " + READ_KEY + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    Answer answer = Hostile.read(socket.getInputStream());
                    assertThat(answer.status()).isEqualTo(101);
                    acceptedCookies += answer.hasHeader("Set-Cookie") ? 1 : 0;
                }
            }
            System.out.printf("HOSTILE refused WebSocket upgrades: %d in %d ms, %d answered 401 with a JSON body,"
                            + " %d Set-Cookie; classes that gained %d or more live instances: %s%n", attempts,
                    seconds, refused.get(), cookies.get(), attempts / 2, keptPerAttempt);
            assertThat(wrong).isEmpty();
            assertThat(refused.get()).isEqualTo(attempts);
            assertThat(cookies.get()).isZero();
            assertThat(acceptedCookies).isZero();
            // Javalin's upgrade asks for a session on every attempt: a session cache would keep each one
            assertThat(keptPerAttempt.keySet()).noneMatch(name -> name.startsWith("org.eclipse.jetty.session."));
        }
    }

    @Test
    void sixteenConcurrentFortyNineMegapixelDecodesAreAnsweredWithinBoundedMemory() throws Exception {
        byte[] bomb = Hostile.blackPng(7000, 7000);
        int clients = 16;
        try (ApiServer server = start(ServerLimits.defaults().withAnalysis(2, 2))) {
            long rssBefore = Hostile.rssBytes();
            Hostile.resetHeapPeaks();
            AtomicLong rssPeak = new AtomicLong(rssBefore);
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    rssPeak.accumulateAndGet(Hostile.rssBytes(), Math::max);
                    sleep(20);
                }
            });
            long start = System.nanoTime();
            List<HttpResponse<String>> answers;
            try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    futures.add(pool.submit(() -> ApiTestSupport.postMultipart(server, "/api/test/decode",
                            List.of(Part.file("file", "bomb.png", "image/png", bomb)), "X-API-Key", READ_KEY)));
                }
                answers = new ArrayList<>();
                for (Future<HttpResponse<String>> future : futures) {
                    answers.add(future.get());
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            sampling.set(false);
            sampler.join();
            long heapPeak = Hostile.heapPeaks();
            long decoded = answers.stream().filter(a -> a.statusCode() == 200).count();
            long busy = answers.stream().filter(a -> a.statusCode() == 503).count();
            System.out.printf("HOSTILE 16 concurrent 7000x7000 PNG decodes (%d KB each), 2 workers + 2 queued:"
                            + " %d decoded (200), %d refused busy (503) in %d ms; RSS %s before, peak %s (+%s);"
                            + " heap peak %s (-Xmx %s)%n", bomb.length / 1024, decoded, busy, millis,
                    Hostile.mib(rssBefore), Hostile.mib(rssPeak.get()), Hostile.mib(rssPeak.get() - rssBefore),
                    Hostile.mib(heapPeak), Hostile.mib(Runtime.getRuntime().maxMemory()));
            assertThat(decoded + busy).isEqualTo(clients);
            assertThat(decoded).isGreaterThanOrEqualTo(2);
            for (HttpResponse<String> answer : answers) {
                if (answer.statusCode() == 200) {
                    assertThat(json(answer).get("width").asInt()).isEqualTo(7000);
                } else {
                    assertThat(json(answer).get("detail").asText()).contains("busy");
                    assertThat(answer.headers().firstValue("Retry-After")).hasValue("1");
                }
            }
            // at most 4 admitted at once and 2 decoded at once: 147 MB of RGB each on the heap, as much natively
            assertThat(rssPeak.get() - rssBefore).isLessThan(1536L * 1024 * 1024);
        }
    }

    @Test
    void aRequestFloodIsAnswered429WithRetryAfterInTheSeedsShape() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults().withRequestsPerSecond(20))) {
            int limited = 0;
            HttpResponse<String> sample = null;
            for (int i = 0; i < 100; i++) {
                HttpResponse<String> response = ApiTestSupport.get(server, "/api/v1/identities",
                        "X-API-Key", ApiTestSupport.IDENTITY_KEY);
                if (response.statusCode() == 429) {
                    limited++;
                    sample = response;
                }
            }
            System.out.printf("HOSTILE flood: 100 back-to-back requests at a limit of 20/s: %d answered 429%n", limited);
            assertThat(limited).isGreaterThan(50);
            assertThat(sample.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(sample).get("success").asBoolean()).isFalse(); // seed 000's shape on its path
            assertThat(json(sample).get("error").asText()).contains("Too many requests");
            Thread.sleep(1500);
            assertThat(ApiTestSupport.get(server, "/api/v1/identities", "X-API-Key", ApiTestSupport.IDENTITY_KEY)
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void connectionsOverAClientsLimitAreClosedAndTheClientRecoversWhenItLetsGo() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults().withConnections(10, 100))) {
            List<Socket> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(new Socket("127.0.0.1", server.port()));
            }
            Thread.sleep(300);
            int closed = 0;
            for (Socket socket : held) {
                socket.setSoTimeout(300);
                try {
                    closed += socket.getInputStream().read() < 0 ? 1 : 0;
                } catch (SocketTimeoutException e) {
                    // still open: within the limit
                } catch (IOException e) {
                    closed++;
                }
            }
            System.out.printf("HOSTILE connection hoarding: 20 idle connections from one address at a limit of 10:"
                    + " %d closed by the server%n", closed);
            assertThat(closed).isEqualTo(10);
            for (Socket socket : held) {
                socket.close();
            }
            Thread.sleep(300);
            assertThat(ApiTestSupport.get(server, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults().withBodyTimeouts(Duration.ofSeconds(1), 8 * 1024));
                Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            long start = System.nanoTime();
            int read = socket.getInputStream().read();
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("HOSTILE idle connection (nothing sent) at a 1 s idle timeout: closed after %d ms%n", millis);
            assertThat(read).isEqualTo(-1);
            assertThat(millis).isBetween(500L, 3000L);
        }
    }

    @Test
    void headIsAuthenticatedLikeGet() throws Exception {
        try (ApiServer server = start(ServerLimits.defaults())) {
            HttpResponse<String> anonymous = head(server, "/api/test/items");
            HttpResponse<String> keyed = head(server, "/api/test/items", "X-API-Key", READ_KEY);
            HttpResponse<String> health = head(server, "/health");
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(keyed.statusCode()).isEqualTo(200);
            assertThat(keyed.body()).isEmpty();
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(head(server, "/metrics").statusCode()).isEqualTo(401);
        }
    }

    private static HttpResponse<String> head(ApiServer server, String path, String... headers) {
        return ApiTestSupport.send(ApiTestSupport.request(server, path, headers)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
