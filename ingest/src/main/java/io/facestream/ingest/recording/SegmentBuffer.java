package io.facestream.ingest.recording;

import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.worker.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One camera's rolling buffer of recent video: an ffmpeg child reads the camera's stream and writes it, stream-copied
 * (no decoding, no re-encoding), as MPEG-TS segments of about {@link #SEGMENT_SECONDS} seconds named by the wall-clock
 * second each began ({@code <epoch s>.ts}). Segments older than the retention, and the oldest beyond the byte cap,
 * are removed. When the child exits (the stream dropped) it is restarted with capped backoff. MPEG-TS because its
 * segments concatenate byte for byte into one stream, which is what a clip is cut from.
 *
 * <p>The child opens its own connection to the camera (the worker's decoder holds the other): FFmpeg's segment
 * muxer then runs as it is, without our decoder having to hand packets across. A camera whose streams must not be
 * opened twice would need the worker itself to remux its packets; see the report in BENCHMARKS.md.
 */
public final class SegmentBuffer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentBuffer.class);
    /** Target segment length; FFmpeg cuts at the first keyframe after it. */
    public static final int SEGMENT_SECONDS = 2;
    private static final Pattern SEGMENT = Pattern.compile("(\\d{9,12})\\.ts");
    private static final String URL_MARK = ".source";

    /** A finished segment on disk and the wall-clock second it began. */
    public record Segment(Path path, long startMillis) {
    }

    private final String cameraId;
    private final SourceSpec spec;
    private final Path dir;
    private final Duration retention;
    private final long maxBytes;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Process child;

    /**
     * @param dir       this camera's own directory (created; emptied first when it held another URL's segments)
     * @param retention segments older than this are removed ({@code segment_retention_seconds})
     * @param maxBytes  the most the directory may hold; the oldest segments go first
     */
    public SegmentBuffer(String cameraId, SourceSpec spec, Path dir, Duration retention, long maxBytes) throws IOException {
        if (retention.toSeconds() < SEGMENT_SECONDS * 2L) throw new IllegalArgumentException("segment retention must be at least " + 2 * SEGMENT_SECONDS + " s");
        if (maxBytes <= 0) throw new IllegalArgumentException("the segment buffer needs a positive byte cap");
        this.cameraId = cameraId;
        this.spec = spec;
        this.dir = Files.createDirectories(dir);
        this.retention = retention;
        this.maxBytes = maxBytes;
        forgetAnotherSource();
        this.thread = Thread.ofPlatform().name("segments-" + cameraId).daemon().unstarted(this::run);
    }

    public SegmentBuffer start() {
        thread.start();
        return this;
    }

    public String cameraId() {
        return cameraId;
    }

    public Path dir() {
        return dir;
    }

    /** A repointed camera is another camera: the previous URL's segments must not end up in its clips. */
    private void forgetAnotherSource() throws IOException {
        Path mark = dir.resolve(URL_MARK);
        String fingerprint = sha256(spec.url());
        String previous = Files.exists(mark) ? Files.readString(mark, StandardCharsets.US_ASCII).strip() : null;
        if (!fingerprint.equals(previous)) {
            for (Segment s : segments(dir)) Files.deleteIfExists(s.path());
            Files.writeString(mark, fingerprint, StandardCharsets.US_ASCII);
        }
    }

    private void run() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        while (running) {
            long started = System.nanoTime();
            try {
                child = new ProcessBuilder(Ffmpeg.command(arguments())).redirectErrorStream(true).start();
                logOutput(child);
                while (running && !child.waitFor(1, TimeUnit.SECONDS)) sweep();
                if (!running) break;
                log.info("camera {}: segment recorder exited with {}; restarting", cameraId, child.exitValue());
            } catch (IOException e) {
                log.warn("camera {}: cannot run the segment recorder: {}", cameraId, SourceSpec.redact(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(30)) backoff.reset();
            try {
                long until = System.nanoTime() + backoff.next().toNanos();
                while (running && System.nanoTime() < until) {
                    Thread.sleep(200);
                    sweep();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopChild();
    }

    /** ffmpeg's own messages can carry the URL: logged with its credentials masked, never written as they are. */
    private void logOutput(Process p) {
        Thread.ofPlatform().daemon().name("segments-log-" + cameraId).start(() -> {
            try (var lines = p.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = lines.readLine()) != null) log.info("camera {} segment recorder: {}", cameraId, SourceSpec.redact(line));
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    private List<String> arguments() {
        List<String> args = new ArrayList<>();
        String timeoutMicros = String.valueOf(spec.readTimeout().toNanos() / 1000);
        // a read that hangs ends the child, which is then restarted: RTSP's socket timeout, any other protocol's rw_timeout
        if (spec.kind() == SourceSpec.Kind.RTSP) args.addAll(List.of("-rtsp_transport", spec.rtspTransport(), "-timeout", timeoutMicros));
        else args.addAll(List.of("-rw_timeout", timeoutMicros));
        // dump_extra repeats the stream's headers (which RTSP carries out of band, in its SDP) at every keyframe, so
        // each segment, and a clip cut from any of them, decodes on its own
        args.addAll(List.of("-i", spec.url(), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-bsf:v", "dump_extra=freq=keyframe",
                "-f", "segment", "-segment_time", String.valueOf(SEGMENT_SECONDS), "-segment_format", "mpegts",
                "-strftime", "1", dir.resolve("%s.ts").toString()));
        return args;
    }

    /** Applies the retention and the byte cap now. */
    void sweep() {
        try {
            List<Segment> all = segments(dir);
            long cutoff = System.currentTimeMillis() - retention.toMillis();
            long total = 0;
            List<Path> sizes = new ArrayList<>();
            for (Segment s : all) {
                if (s.startMillis() < cutoff) Files.deleteIfExists(s.path());
                else sizes.add(s.path());
            }
            for (Path p : sizes) total += sizeOf(p);
            // oldest first, never the newest (ffmpeg is writing it)
            for (int i = 0; i < sizes.size() - 1 && total > maxBytes; i++) {
                total -= sizeOf(sizes.get(i));
                Files.deleteIfExists(sizes.get(i));
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("camera {}: segment sweep failed: {}", cameraId, e.toString());
        }
    }

    private static long sizeOf(Path p) throws IOException {
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** The segments in a directory, oldest first (the last may still be written). */
    public static List<Segment> segments(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Segment> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches()) out.add(new Segment(p, Long.parseLong(m.group(1)) * 1000));
            }
        }
        out.sort(Comparator.comparingLong(Segment::startMillis));
        return out;
    }

    /** CPU time the running ffmpeg child has used so far; empty when none runs or the OS does not say. */
    public java.util.Optional<Duration> recorderCpu() {
        Process p = child;
        return p == null || !p.isAlive() ? java.util.Optional.empty() : p.info().totalCpuDuration();
    }

    /** Bytes the buffer holds now. */
    public long sizeBytes() throws IOException {
        long total = 0;
        for (Segment s : segments(dir)) total += sizeOf(s.path());
        return total;
    }

    private void stopChild() {
        Process p = child;
        if (p == null) return;
        // 'q' is not readable with -nostdin; SIGTERM lets ffmpeg close its segment cleanly
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the recorder; the segments stay until their retention (a repointed camera's are dropped at its next start). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        stopChild();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The buffers no worker keeps any more (their camera was deleted or disabled, or runs elsewhere now): under
     * {@code root}, the segments of every directory not in {@code active} that are older than the retention are
     * removed, and the directory once empty of segments. Returns the segments removed.
     */
    public static int sweepAbandoned(Path root, Duration retention, java.util.Set<String> active) throws IOException {
        if (!Files.isDirectory(root)) return 0;
        int removed = 0;
        long cutoff = System.currentTimeMillis() - retention.toMillis();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || active.contains(name) || !Files.isDirectory(dir)) continue;
                List<Segment> left = new ArrayList<>();
                for (Segment s : segments(dir)) {
                    if (s.startMillis() < cutoff && Files.deleteIfExists(s.path())) removed++;
                    else left.add(s);
                }
                if (left.isEmpty()) purge(dir);
            }
        }
        return removed;
    }

    /** Removes every segment of the buffer's directory, and the directory (the camera was deleted). */
    public static void purge(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }
}
