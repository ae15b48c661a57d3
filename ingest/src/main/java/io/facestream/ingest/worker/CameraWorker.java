package io.facestream.ingest.worker;

import io.facestream.ingest.source.SampledFrame;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.source.VideoSourceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One live camera: reads its stream on a thread of its own, hands each sampled frame to
 * the handler, reports its status about once a second, and when the stream drops or
 * cannot be reached goes OFFLINE and reconnects with capped exponential backoff. It never
 * ends by itself; {@link #close()} ends it. A read that hangs is bounded by the source's
 * read timeout. Logs and statuses carry the URL without its credentials.
 */
public final class CameraWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CameraWorker.class);

    /** What the worker does with each frame: detect, publish. Exceptions count as ERROR, not as a lost stream. */
    @FunctionalInterface
    public interface FrameHandler {
        void onFrame(SampledFrame frame) throws Exception;
    }

    private final String cameraId;
    private final SourceSpec spec;
    private final FrameHandler handler;
    private final Consumer<WorkerStatus> heartbeats;
    private final Duration heartbeatInterval;
    private final Backoff backoff;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final java.util.List<AutoCloseable> companions = new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile boolean running = true;
    private volatile WorkerStatus.State state = WorkerStatus.State.OFFLINE;
    private volatile String lastError;
    private volatile long lastFrameMillis;
    private volatile double measuredFps;
    private long framesSinceBeat;
    private long lastBeatNanos = System.nanoTime();
    /** The number the next frame gets (see {@link #readUntilTheStreamEnds}). */
    private long nextFrameNumber;

    public CameraWorker(String cameraId, SourceSpec spec, FrameHandler handler, Consumer<WorkerStatus> heartbeats,
                        Duration heartbeatInterval, Backoff backoff) {
        this.cameraId = cameraId;
        this.spec = spec;
        this.handler = handler;
        this.heartbeats = heartbeats;
        this.heartbeatInterval = heartbeatInterval;
        this.backoff = backoff;
        this.thread = Thread.ofPlatform().name("camera-" + cameraId).daemon().unstarted(this::run);
    }

    public CameraWorker start() {
        thread.start();
        return this;
    }

    /** Something that lives as long as the worker (its segment recorder), closed after it. */
    public CameraWorker alsoClose(AutoCloseable companion) {
        companions.add(companion);
        return this;
    }

    public String cameraId() {
        return cameraId;
    }

    public WorkerStatus status() {
        return new WorkerStatus(cameraId, state, measuredFps, lastFrameMillis, lastError, System.currentTimeMillis());
    }

    private void run() {
        try {
            while (running) {
                readUntilTheStreamEnds();
                if (!running) break;
                Duration wait = backoff.next();
                log.info("camera {} offline ({}); retrying in {} ms", cameraId, lastError, wait.toMillis());
                sleepBeating(wait);
            }
        } finally {
            state = WorkerStatus.State.STOPPED;
            beat();
            stopped.countDown();
        }
    }

    /**
     * Reads one connection. Its frames are numbered one by one from the wall clock's microsecond at the connection (and
     * past every number given before), not from 0 as the source counts them: a camera's numbers must never repeat, over
     * reconnects and restarts alike. The tracker skips a frame numbered at or below the last it tracked (a reconnect
     * that started again at 0 left the camera untracked for as long as it had run), and crops and stored frames are
     * named by camera and number, so a repeated number would replace an earlier face's frame.
     */
    private void readUntilTheStreamEnds() {
        nextFrameNumber = Math.max(nextFrameNumber, ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
        try (VideoSource source = VideoSource.open(spec, 0)) {
            log.info("camera {} connected to {}", cameraId, spec.redactedUrl());
            boolean first = true;
            while (running) {
                Optional<SampledFrame> frame = source.next();
                if (frame.isEmpty()) {
                    goOffline("the stream ended");
                    return;
                }
                if (first) {
                    backoff.reset();
                    first = false;
                }
                SampledFrame f = frame.get();
                handle(new SampledFrame(nextFrameNumber++, f.mediaTimeMicros(), f.timestampMillis(), f.width(), f.height(), f.rgb(),
                        f.sourceWidth(), f.sourceHeight()));
                beatIfDue();
            }
        } catch (VideoSourceException e) {
            goOffline(e.getMessage());
        }
    }

    private void handle(SampledFrame frame) {
        lastFrameMillis = frame.timestampMillis();
        framesSinceBeat++;
        try {
            handler.onFrame(frame);
            state = WorkerStatus.State.ONLINE;
            lastError = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } catch (Exception e) {
            state = WorkerStatus.State.ERROR;
            lastError = SourceSpec.redact("frame " + frame.frameNumber() + ": " + e);
            log.warn("camera {}: {}", cameraId, lastError);
        }
    }

    private void goOffline(String reason) {
        state = WorkerStatus.State.OFFLINE;
        lastError = SourceSpec.redact(reason);
        beat();
    }

    private void sleepBeating(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        try {
            while (running && System.nanoTime() < until) {
                Thread.sleep(Math.min(heartbeatInterval.toMillis(), Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                beatIfDue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void beatIfDue() {
        if (System.nanoTime() - lastBeatNanos >= heartbeatInterval.toNanos()) beat();
    }

    private void beat() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastBeatNanos) / 1e9);
        measuredFps = framesSinceBeat / seconds;
        framesSinceBeat = 0;
        lastBeatNanos = now;
        try {
            heartbeats.accept(status());
        } catch (RuntimeException e) {
            log.warn("camera {}: heartbeat not delivered: {}", cameraId, e.toString());
        }
    }

    /** Stops reading; returns once the worker's thread has ended (at most the read timeout plus a little). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            if (!stopped.await(spec.readTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS))
                log.warn("camera {} did not stop within its read timeout", cameraId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable c : companions) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("camera {}: {} did not close: {}", cameraId, c, e.toString());
            }
        }
    }
}
