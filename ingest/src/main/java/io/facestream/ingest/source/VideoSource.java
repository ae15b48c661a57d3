package io.facestream.ingest.source;

import io.facestream.ingest.video.FfmpegLogging;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A file or stream decoded by FFmpeg (through JavaCV), sampled to the spec's rate, scaled
 * to its resolution cap, and stamped in event time. Not thread-safe: one reader a source.
 */
public final class VideoSource implements AutoCloseable {
    static {
        FfmpegLogging.init();
    }

    private final SourceSpec spec;
    private final FFmpegFrameGrabber grabber;
    private final FrameSampler sampler;
    private final long baseTimeMillis;
    private final int sourceWidth;
    private final int sourceHeight;
    private long decodedFrames;
    private long decodeErrors;

    private VideoSource(SourceSpec spec, FFmpegFrameGrabber grabber, long baseTimeMillis) {
        this.spec = spec;
        this.grabber = grabber;
        this.sampler = new FrameSampler(spec.sampleFps());
        this.baseTimeMillis = baseTimeMillis;
        this.sourceWidth = grabber.getImageWidth();
        this.sourceHeight = grabber.getImageHeight();
    }

    /**
     * Opens the source.
     *
     * @param baseTimeMillis for files, the event time of media time 0 (live sources ignore it)
     */
    public static VideoSource open(SourceSpec spec, long baseTimeMillis) throws VideoSourceException {
        if (spec.kind() == SourceSpec.Kind.FILE) {
            Path path = Path.of(spec.url().startsWith("file:") ? spec.url().substring("file:".length()) : spec.url());
            if (!Files.isRegularFile(path))
                throw new VideoSourceException(VideoSourceException.Reason.NOT_FOUND, "no such file: " + path, null);
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(spec.kind() == SourceSpec.Kind.FILE && spec.url().startsWith("file:")
                ? spec.url().substring("file:".length()) : spec.url());
        String timeoutMicros = String.valueOf(spec.readTimeout().toNanos() / 1000);
        // rw_timeout bounds every read of any protocol; "timeout" is RTSP's socket timeout.
        grabber.setOption("rw_timeout", timeoutMicros);
        if (spec.kind() == SourceSpec.Kind.RTSP) {
            grabber.setOption("rtsp_transport", spec.rtspTransport());
            grabber.setOption("timeout", timeoutMicros);
        }
        if (spec.kind() == SourceSpec.Kind.HTTP) grabber.setOption("reconnect", "0");
        grabber.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        // One decoder thread a source: several workers share the cores (and detection needs them more).
        grabber.setVideoOption("threads", "1");
        try {
            grabber.start();
        } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
            closeQuietly(grabber);
            throw failure(spec, "cannot open", e);
        }
        if (grabber.getVideoStream() < 0 || grabber.getImageWidth() <= 0 || grabber.getImageHeight() <= 0) {
            closeQuietly(grabber);
            throw new VideoSourceException(VideoSourceException.Reason.NOT_VIDEO,
                    spec.redactedUrl() + " holds no video stream", null);
        }
        VideoSource source = new VideoSource(spec, grabber, baseTimeMillis);
        capSize(grabber, spec);
        return source;
    }

    /**
     * Demuxers an uploaded file may be opened with: the video containers {@code facestream replay} takes. Playlists
     * and lists (hls, concat, image2...) are left out: they make FFmpeg open other files or URLs the file names.
     */
    public static final String UPLOAD_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf";

    /**
     * Checks that a file someone uploaded is a video FFmpeg decodes, before it is replayed: opened with the
     * {@link #UPLOAD_FORMATS} demuxers and the file protocol only (nothing it names is fetched), holding a video
     * stream, and its first picture decoded. A replay of the same bytes then picks the same demuxer.
     *
     * @throws VideoSourceException NOT_VIDEO when it is not such a video, with FFmpeg's reason
     */
    public static void probeUpload(Path file) throws VideoSourceException {
        SourceSpec spec = SourceSpec.of(file.toString());
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        grabber.setOption("protocol_whitelist", "file");
        grabber.setOption("format_whitelist", UPLOAD_FORMATS);
        grabber.setVideoOption("threads", "1");
        try {
            grabber.start();
            if (grabber.getVideoStream() < 0 || grabber.getImageWidth() <= 0 || grabber.getImageHeight() <= 0) {
                throw new VideoSourceException(VideoSourceException.Reason.NOT_VIDEO, "it holds no video stream", null);
            }
            Frame first = grabber.grabImage();
            if (first == null || first.image == null) {
                throw new VideoSourceException(VideoSourceException.Reason.NOT_VIDEO, "no picture of it could be decoded", null);
            }
        } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
            VideoSourceException failure = failure(spec, "cannot open", e);
            throw new VideoSourceException(VideoSourceException.Reason.NOT_VIDEO, "FFmpeg finds no video in it (containers it "
                    + "reads: " + String.join(", ", UPLOAD_FORMATS.split(",")) + ")", failure);
        } finally {
            closeQuietly(grabber);
        }
    }

    /** Sets the output size so the frame fits the caps, keeping its aspect; converted once, in FFmpeg. */
    private static void capSize(FFmpegFrameGrabber grabber, SourceSpec spec) {
        int w = grabber.getImageWidth(), h = grabber.getImageHeight();
        double scale = 1;
        if (spec.maxWidth() > 0 && w > spec.maxWidth()) scale = Math.min(scale, (double) spec.maxWidth() / w);
        if (spec.maxHeight() > 0 && h > spec.maxHeight()) scale = Math.min(scale, (double) spec.maxHeight() / h);
        if (scale < 1) {
            grabber.setImageWidth(Math.max(2, (int) Math.round(w * scale)));
            grabber.setImageHeight(Math.max(2, (int) Math.round(h * scale)));
        }
    }

    /** The next sampled frame, or empty at the end of a file (or of a stream that closed). */
    public Optional<SampledFrame> next() throws VideoSourceException {
        while (true) {
            Frame frame;
            long errorsBefore = FfmpegLogging.errorsOnThisThread();
            try {
                frame = grabber.grabImage();
            } catch (FFmpegFrameGrabber.Exception | RuntimeException e) {
                throw failure(spec, "cannot read", e);
            } finally {
                decodeErrors += FfmpegLogging.errorsOnThisThread() - errorsBefore;
            }
            if (frame == null) return Optional.empty();
            if (frame.image == null) continue;
            long frameNumber = decodedFrames++;
            long mediaMicros = frame.timestamp;
            if (!sampler.keep(mediaMicros)) continue;
            long eventMillis = spec.live() ? System.currentTimeMillis() : baseTimeMillis + mediaMicros / 1000;
            return Optional.of(new SampledFrame(frameNumber, mediaMicros, eventMillis,
                    frame.imageWidth, frame.imageHeight, packedRgb(frame), sourceWidth, sourceHeight));
        }
    }

    /** Copies the grabber's reused buffer into a tight array (FFmpeg pads rows to its alignment). */
    private static byte[] packedRgb(Frame frame) {
        ByteBuffer buffer = (ByteBuffer) frame.image[0];
        int rowBytes = frame.imageWidth * 3;
        byte[] rgb = new byte[rowBytes * frame.imageHeight];
        for (int y = 0; y < frame.imageHeight; y++) buffer.get(y * frame.imageStride, rgb, y * rowBytes, rowBytes);
        return rgb;
    }

    public SourceSpec spec() {
        return spec;
    }

    /** Frames per second the container declares (0 when it declares none, e.g. some live streams). */
    public double frameRate() {
        return grabber.getVideoFrameRate();
    }

    /** Duration in milliseconds the container declares, or 0 for a live stream. */
    public long durationMillis() {
        return Math.max(0, grabber.getLengthInTime() / 1000);
    }

    /** Errors FFmpeg reported while reading frames so far (corrupt packets the decoder skipped or concealed). */
    public long decodeErrors() {
        return decodeErrors;
    }

    /** Frames decoded so far, sampled or not. */
    public long decodedFrames() {
        return decodedFrames;
    }

    /** Frame count the container declares (an estimate for some formats), or 0. */
    public long frameCount() {
        return Math.max(0, grabber.getLengthInVideoFrames());
    }

    private static VideoSourceException failure(SourceSpec spec, String what, Exception e) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName()
                // JavaCV appends hints for its own developers, not for ours.
                : e.getMessage().replace(" (Has setFormat() been called?)", "")
                        .replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", "");
        String lower = detail.toLowerCase(Locale.ROOT);
        VideoSourceException.Reason reason;
        if (lower.contains("timed out") || lower.contains("timeout") || lower.contains("error -110")) {
            reason = VideoSourceException.Reason.TIMEOUT;
        } else if (spec.live()) {
            reason = VideoSourceException.Reason.UNREACHABLE;
        } else {
            reason = VideoSourceException.Reason.UNREADABLE;
        }
        // FFmpeg's messages can echo the URL; never let a camera password through.
        return new VideoSourceException(reason, what + " " + spec.redactedUrl() + ": " + SourceSpec.redact(detail), e);
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.release();
        } catch (Exception ignored) {
            // already failing; the original error is what matters
        }
    }

    @Override
    public void close() {
        closeQuietly(grabber);
    }
}
