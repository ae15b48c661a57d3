package io.facestream.ingest.recording;

import org.bytedeco.javacv.FFmpegFrameGrabber;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cuts a clip out of a camera's segment buffer without re-encoding: the segments overlapping the wanted span,
 * concatenated byte for byte (MPEG-TS allows it) and remuxed into an MP4 with FFmpeg's stream copy
 * ({@code -c copy}, moov atom first so a player can start before the end). A clip covers whole segments, so it
 * starts at or before the wanted start (at a keyframe) and ends at or after the wanted end. The thumbnail is one
 * frame from the clip's middle (the only decoding, of a few frames).
 */
public final class ClipCutter {
    /** The clip's MP4 and thumbnail JPEG, and the span it really covers. */
    public record Clip(byte[] mp4, byte[] thumbnailJpeg, long startMillis, long endMillis, double durationSeconds) {
    }

    private final Path work;

    /** @param work a directory for the intermediate files */
    public ClipCutter(Path work) throws IOException {
        this.work = Files.createDirectories(work);
    }

    /**
     * The segments of {@code segmentDir} that overlap {@code [fromMillis, toMillis]}: each segment runs until the next
     * one begins; the newest, still being written, is left out.
     */
    static List<SegmentBuffer.Segment> covering(List<SegmentBuffer.Segment> all, long fromMillis, long toMillis) {
        List<SegmentBuffer.Segment> out = new ArrayList<>();
        for (int i = 0; i + 1 < all.size(); i++) {
            long start = all.get(i).startMillis(), end = all.get(i + 1).startMillis();
            if (end > fromMillis && start <= toMillis) out.add(all.get(i));
        }
        return out;
    }

    /** True once a segment that began after {@code toMillis} exists: everything up to it is on disk. */
    public static boolean covered(Path segmentDir, long toMillis) throws IOException {
        List<SegmentBuffer.Segment> all = SegmentBuffer.segments(segmentDir);
        return !all.isEmpty() && all.getLast().startMillis() > toMillis;
    }

    /** The clip of {@code [fromMillis, toMillis]}, or empty when the buffer holds none of it. */
    public Optional<Clip> cut(Path segmentDir, long fromMillis, long toMillis, String name) throws IOException {
        List<SegmentBuffer.Segment> all = SegmentBuffer.segments(segmentDir);
        List<SegmentBuffer.Segment> parts = covering(all, fromMillis, toMillis);
        if (parts.isEmpty()) return Optional.empty();
        Path joined = work.resolve(name + ".ts"), mp4 = work.resolve(name + ".mp4"), jpeg = work.resolve(name + ".jpg");
        try {
            // copy the parts first: the buffer's sweep may remove one while ffmpeg reads it
            try (var out = Files.newOutputStream(joined)) {
                for (SegmentBuffer.Segment s : parts) Files.copy(s.path(), out);
            }
            Ffmpeg.run(List.of("-y", "-i", joined.toString(), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
                    "-movflags", "+faststart", "-f", "mp4", mp4.toString()), 120);
            double duration = durationSeconds(mp4);
            Ffmpeg.run(List.of("-y", "-ss", String.format(java.util.Locale.ROOT, "%.3f", duration / 2), "-i", mp4.toString(),
                    "-frames:v", "1", "-vf", "scale='min(640,iw)':-2", "-q:v", "4", "-f", "image2", jpeg.toString()), 60);
            long start = parts.getFirst().startMillis();
            return Optional.of(new Clip(Files.readAllBytes(mp4), Files.exists(jpeg) ? Files.readAllBytes(jpeg) : null,
                    start, start + Math.round(duration * 1000), duration));
        } finally {
            Files.deleteIfExists(joined);
            Files.deleteIfExists(mp4);
            Files.deleteIfExists(jpeg);
        }
    }

    /** The container's duration, as FFmpeg reads it. */
    static double durationSeconds(Path mp4) throws IOException {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile())) {
            g.start();
            return g.getLengthInTime() / 1e6;
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new IOException("cannot read the clip just cut: " + e.getMessage(), e);
        }
    }
}
