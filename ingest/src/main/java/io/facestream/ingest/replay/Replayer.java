package io.facestream.ingest.replay;

import io.facestream.ingest.publish.FrameProcessor;
import io.facestream.ingest.publish.IngestPublisher;
import io.facestream.ingest.source.SampledFrame;
import io.facestream.ingest.source.SourceSpec;
import io.facestream.ingest.source.VideoSource;
import io.facestream.ingest.source.VideoSourceException;
import io.facestream.ingest.subtitles.Cue;
import io.facestream.ingest.subtitles.SubtitleReader;
import io.facestream.schemas.avro.Chunk;
import io.facestream.schemas.avro.ChunkOrigin;
import io.facestream.schemas.avro.FileStatus;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.VideoFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Replays a recorded file through the topics: a File record, then its frames and face
 * crops stamped base time + media time, then its subtitle cues as chunks. Everything is
 * checked before anything is written (the video opens and holds video, the subtitles
 * parse), so a missing, corrupt or non-video file leaves nothing registered. Record ids
 * derive from the file id and frame numbers: replaying under the same id repeats the same
 * ids, which the topologies treat as the same faces (a fresh id is a new file).
 * Used by {@code facestream replay} and by the API's video upload.
 */
public final class Replayer {
    /** The error of a file whose replay was interrupted by the process running it. */
    public static final String STOPPED = "stopped: the process running the replay shut down before the file's end";
    /** Frames per second analysed unless a replay asks otherwise (facestream replay's --sample-fps, an upload). */
    public static final int DEFAULT_SAMPLE_FPS = 10;
    private static final long PROGRESS_INTERVAL_MILLIS = 1000;
    /** How often a running replay re-publishes its file record, frames or not: a reader that sees none for a while knows it died. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(2);
    /** A file id becomes part of record and blob ids (with ':' as their separator): a bounded, plain token. */
    private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    /** Decoded frames may fall short of a container's count by rounding (the count is an estimate for some formats). */
    private static final double DECLARED_FRAMES_TOLERANCE = 0.02;
    /** Analyses running at once; the frame processor's detector slots still bound detection across all sources. */
    private static final int ANALYSERS = Runtime.getRuntime().availableProcessors();
    /** Frames decoded ahead of publishing: enough to keep every analyser busy, few enough to bound memory. */
    private static final int MAX_IN_FLIGHT = 2 * ANALYSERS;

    private record InFlight(SampledFrame frame, Future<FrameProcessor.Analysis> analysis) {
    }

    private static FrameProcessor.Analysis analysis(InFlight frame) throws Exception {
        try {
            return frame.analysis().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * @param fileId    the file's id; null for a fresh UUID
     * @param cameraId  the camera the file stands for (alerts name it), or null
     * @param subtitles a sidecar subtitle file; null to look for one beside the video, then inside it
     * @param baseTime  event time of media time 0
     * @param liveViewFps frames per second published on the frames topic
     */
    public record Request(Path video, String fileId, String cameraId, ReplaySpeed speed, double sampleFps,
                          Path subtitles, Instant baseTime, double liveViewFps) {
        /** Checked before anything is written: a bad argument leaves no file record behind. */
        public Request {
            if (video == null) throw new IllegalArgumentException("a replay needs a video file");
            if (fileId != null && (!FILE_ID.matcher(fileId).matches() || fileId.contains("..")))
                throw new IllegalArgumentException("a file id is 1-128 letters, digits, '.', '_' or '-' (not starting with '.' or '-', no '..'), got '" + fileId + "'");
            if (cameraId != null && cameraId.isBlank()) throw new IllegalArgumentException("a camera id must not be blank");
            if (speed == null) throw new IllegalArgumentException("a replay needs a speed");
            if (!(sampleFps >= 0) || sampleFps > 1000) throw new IllegalArgumentException("sample fps is 0 (every frame) to 1000, got " + sampleFps);
            if (!(liveViewFps > 0) || liveViewFps > 1000) throw new IllegalArgumentException("live view fps is above 0 and at most 1000, got " + liveViewFps);
            if (baseTime == null) throw new IllegalArgumentException("a replay needs a base time");
        }
    }

    /**
     * @param status COMPLETED, or PARTIAL when the file turned out damaged ({@code problem} says how)
     */
    public record Result(String fileId, long frames, long faces, int chunks, FileStatus status, String problem) {
    }

    /** Told after each frame: frames done, frames expected (0 when the container does not say), faces so far. */
    @FunctionalInterface
    public interface Progress {
        void update(long frames, long expectedFrames, long faces);
    }

    private final IngestPublisher publisher;
    private final FrameProcessor processor;
    /**
     * Frame analysis of every replay this replayer runs, rather than a pool started and stopped per replay: replays one
     * after the other (a folder, a benchmark's warm-ups) keep its threads; replays at once share them; a thread left
     * idle for {@link #ANALYSER_IDLE} ends (daemon threads, so a replayer needs no closing).
     */
    private final ThreadPoolExecutor analysers = new ThreadPoolExecutor(ANALYSERS, ANALYSERS, ANALYSER_IDLE.toSeconds(), TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), Thread.ofPlatform().name("replay-analysis-", 0).daemon().factory());
    private static final Duration ANALYSER_IDLE = Duration.ofSeconds(60);

    {
        analysers.allowCoreThreadTimeOut(true);
    }

    public Replayer(IngestPublisher publisher, FrameProcessor processor) {
        this.publisher = publisher;
        this.processor = processor;
    }

    /**
     * Waits for the analyses still in flight when a replay ends early (an error, an interrupt), as closing a pool of its
     * own did: none runs on after its replay returns (the caller may close the models next).
     */
    private static void awaitAll(Deque<InFlight> inFlight) {
        boolean interrupted = false;
        for (InFlight f : inFlight) {
            while (!f.analysis().isDone()) {
                try {
                    f.analysis().get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                    break; // done, by failing
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * @param progress called after each frame
     * @throws VideoSourceException when the video cannot be opened or read (nothing registered if it failed to open)
     * @throws IOException          when the subtitles cannot be read (nothing registered)
     */
    public Result replay(Request request, Progress progress) throws Exception {
        String fileId = request.fileId() != null ? request.fileId() : UUID.randomUUID().toString();
        List<Cue> cues = cues(request);
        ChunkOrigin origin = request.subtitles() != null || SubtitleReader.findSidecar(request.video()).isPresent()
                ? ChunkOrigin.SIDECAR_SUBTITLE : ChunkOrigin.EMBEDDED_SUBTITLE;
        SourceSpec spec = SourceSpec.of(request.video().toString()).withSampleFps(request.sampleFps());
        try (VideoSource source = VideoSource.open(spec, request.baseTime().toEpochMilli())) {
            VideoFile.Builder file = VideoFile.newBuilder().setFileId(fileId)
                    .setName(request.video().getFileName().toString()).setPath(request.video().toAbsolutePath().toString())
                    .setCameraId(request.cameraId()).setFps(source.frameRate()).setDurationMs(source.durationMillis())
                    .setFrameCount(source.frameCount()).setWidth(0).setHeight(0).setBaseTime(request.baseTime())
                    .setStatus(FileStatus.PROCESSING).setProgress(0).setFramesProcessed(0).setFacesDetected(0)
                    .setRegisteredAt(Instant.now()).setUpdatedAt(Instant.now());
            FrameProcessor.Stream stream = processor.stream(new FrameProcessor.Source(fileId, SourceKind.FILE, request.cameraId(), fileId),
                    request.liveViewFps(), 0, 0);
            ReplaySpeed.Pacer pacer = new ReplaySpeed.Pacer(request.speed());
            long expected = expectedFrames(source, request.sampleFps());
            long frames = 0, faces = 0, lastReport = 0;
            SampledFrame last = null;
            Heartbeat heartbeat = new Heartbeat(publisher, file.build()); // every path below ends it with last()
            try {
                // Unpaced, frames are analysed several at once (decoding stays ahead of detection) and published in
                // order; paced, each frame is published as soon as it is analysed, as a camera's would be.
                boolean pipelined = request.speed().unpaced();
                Deque<InFlight> inFlight = new ArrayDeque<>();
                try {
                    for (Optional<SampledFrame> next = source.next(); next.isPresent() || !inFlight.isEmpty(); ) {
                        // clears the flag, so the FAILED record below still reaches Kafka
                        if (Thread.interrupted()) throw new InterruptedException("replay interrupted");
                        if (next.isPresent()) {
                            SampledFrame frame = next.get();
                            last = frame;
                            pacer.awaitMediaTime(frame.mediaTimeMicros());
                            if (frames == 0 && inFlight.isEmpty()) file.setWidth(frame.width()).setHeight(frame.height());
                            inFlight.add(new InFlight(frame, analysers.submit(() -> stream.analyze(frame))));
                            next = source.next();
                        }
                        while (!inFlight.isEmpty() && (!pipelined || next.isEmpty()
                                || inFlight.size() > MAX_IN_FLIGHT || inFlight.peek().analysis().isDone())) {
                            InFlight done = inFlight.poll();
                            faces += stream.publish(done.frame(), analysis(done));
                            frames++;
                            progress.update(frames, expected, faces);
                            long now = System.currentTimeMillis();
                            if (now - lastReport >= PROGRESS_INTERVAL_MILLIS) {
                                lastReport = now;
                                heartbeat.publish(progressed(file, source, done.frame(), frames, faces).build());
                            }
                        }
                    }
                } finally {
                    awaitAll(inFlight);
                }
                if (last != null) processor.endOfStream(stream, last.frameNumber(), last.timestampMillis());
                int index = 0;
                for (Cue cue : cues) publisher.chunk(chunk(fileId, index++, cue, source.frameRate(), origin));
                publisher.flush();
            } catch (Exception e) {
                // interrupted: whoever ran the replay stopped it (an API process shutting down mid-replay)
                String why = e instanceof InterruptedException || e.getCause() instanceof InterruptedException
                        ? STOPPED : e.getMessage();
                heartbeat.last(file.setStatus(FileStatus.FAILED).setError(why).setUpdatedAt(Instant.now()).build());
                throw e;
            }
            String problem = damage(source);
            FileStatus status = problem == null ? FileStatus.COMPLETED : source.decodedFrames() == 0 ? FileStatus.FAILED : FileStatus.PARTIAL;
            heartbeat.last(file.setStatus(status).setError(problem).setProgress(status == FileStatus.COMPLETED ? 1 : file.getProgress())
                    .setFramesProcessed(frames).setFacesDetected(faces).setUpdatedAt(Instant.now()).build());
            return new Result(fileId, frames, faces, cues.size(), status, problem);
        }
    }

    /**
     * What is wrong with a file read to its end, or null: no frame decoded, fewer than the container declares
     * (a truncated file, packets the decoder dropped), or errors the decoder reported (corrupt packets it concealed).
     */
    private static String damage(VideoSource source) {
        long decoded = source.decodedFrames(), declared = source.frameCount(), errors = source.decodeErrors();
        if (decoded == 0) return "no frame could be decoded" + (declared > 0 ? " of the " + declared + " the container declares" : "");
        List<String> problems = new java.util.ArrayList<>();
        if (declared > 0 && decoded < declared - Math.max(2, declared * DECLARED_FRAMES_TOLERANCE)) {
            problems.add("decoded " + decoded + " of the " + declared + " frames the container declares");
        }
        if (errors > 0) problems.add(errors + " decoder error" + (errors == 1 ? "" : "s") + " (FACESTREAM_FFMPEG_LOG_LEVEL=ERROR shows them)");
        return problems.isEmpty() ? null : "damaged file: " + String.join(", ", problems);
    }

    /**
     * The file record, published at each change and re-published every {@link #HEARTBEAT} while the replay runs,
     * so a replay that died (killed, machine lost) reads STALE instead of PROCESSING forever.
     */
    private static final class Heartbeat {
        private final IngestPublisher publisher;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("replay-heartbeat").daemon().factory());
        private VideoFile latest;

        Heartbeat(IngestPublisher publisher, VideoFile first) {
            this.publisher = publisher;
            publish(first);
            timer.scheduleAtFixedRate(this::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        }

        synchronized void publish(VideoFile file) {
            latest = file;
            publisher.file(file);
        }

        private synchronized void beat() {
            try {
                if (!timer.isShutdown()) publisher.file(VideoFile.newBuilder(latest).setUpdatedAt(Instant.now()).build());
            } catch (RuntimeException e) {
                // the next frame's publish reports a broken producer; a missed beat only risks a STALE read
            }
        }

        /** The final record: no beat after it. */
        void last(VideoFile file) {
            timer.shutdownNow();
            publish(file);
        }
    }

    /** Sampled frames a file will give: all of them, or duration × sample rate. */
    static long expectedFrames(VideoSource source, double sampleFps) {
        if (sampleFps <= 0 || sampleFps >= source.frameRate()) return source.frameCount();
        return (long) Math.ceil(source.durationMillis() / 1000.0 * sampleFps);
    }

    private static VideoFile.Builder progressed(VideoFile.Builder file, VideoSource source, SampledFrame frame, long frames, long faces) {
        long duration = source.durationMillis();
        float progress = duration > 0 ? Math.min(1f, frame.mediaTimeMicros() / 1000f / duration) : 0;
        return file.setProgress(progress).setFramesProcessed(frames).setFacesDetected(faces).setUpdatedAt(Instant.now());
    }

    private static List<Cue> cues(Request request) throws IOException {
        if (request.subtitles() != null) {
            if (!Files.isRegularFile(request.subtitles())) throw new IOException("no such subtitles file: " + request.subtitles());
            return SubtitleReader.read(request.subtitles());
        }
        Optional<Path> sidecar = SubtitleReader.findSidecar(request.video());
        if (sidecar.isPresent()) return SubtitleReader.read(sidecar.get());
        if (!Files.isRegularFile(request.video())) return List.of(); // the video's own check names the problem
        try {
            return SubtitleReader.read(request.video());
        } catch (IOException unreadable) {
            return List.of(); // opening the video reports what is wrong with it
        }
    }

    private static Chunk chunk(String fileId, int index, Cue cue, double fps, ChunkOrigin origin) {
        return Chunk.newBuilder().setChunkId(fileId + ":" + index).setFileId(fileId).setIndex(index)
                .setStartMs(cue.startMillis()).setEndMs(cue.endMillis())
                .setStartFrame(Math.round(cue.startMillis() * fps / 1000)).setEndFrame(Math.round(cue.endMillis() * fps / 1000))
                .setText(cue.text()).setOrigin(origin).build();
    }
}
