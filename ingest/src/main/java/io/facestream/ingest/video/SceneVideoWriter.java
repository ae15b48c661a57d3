package io.facestream.ingest.video;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a video of pictures (faces, in practice) moving and scaling over a plain
 * background, entering and leaving at given frames: the material of the ingest tests,
 * the benchmarks and the demo, made with FFmpeg rather than shipped.
 */
public final class SceneVideoWriter {
    static {
        FfmpegLogging.init();
    }

    /** Bits per pixel per frame: high enough that compression never blurs a face away. */
    private static final double BITS_PER_PIXEL = 0.5;

    /**
     * A picture on screen from {@code firstFrame} to {@code lastFrame} (inclusive), its
     * centre moving linearly from (x0,y0) to (x1,y1) and its width from w0 to w1 pixels.
     */
    public record Sprite(BufferedImage image, int firstFrame, int lastFrame,
                         double x0, double y0, double x1, double y1, double w0, double w1) {
        boolean visibleAt(int frame) {
            return frame >= firstFrame && frame <= lastFrame;
        }

        double progress(int frame) {
            return lastFrame == firstFrame ? 0 : (double) (frame - firstFrame) / (lastFrame - firstFrame);
        }
    }

    /** A background gradient from {@code firstFrame} on (until the next backdrop): a new backdrop is a scene cut. */
    public record Backdrop(int firstFrame, Color from, Color to) {
    }

    /** The backdrop of every video that has no cut. */
    public static final Backdrop PLAIN = new Backdrop(0, new Color(70, 80, 90), new Color(150, 140, 120));

    /**
     * @param out    the video file; the container follows the extension (mp4, mkv, avi, mov, webm)
     * @param frames number of frames to write
     */
    public static void write(Path out, int width, int height, double fps, int frames, List<Sprite> sprites) throws IOException {
        write(out, width, height, fps, frames, sprites, List.of(PLAIN));
    }

    /** @param backdrops in order of their first frames, the first at frame 0 */
    public static void write(Path out, int width, int height, double fps, int frames, List<Sprite> sprites,
                             List<Backdrop> backdrops) throws IOException {
        String name = out.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toFile(), width, height, 0);
             Java2DFrameConverter converter = new Java2DFrameConverter()) {
            recorder.setFormat(ext.equals("mkv") ? "matroska" : ext);
            // The LGPL FFmpeg build has no x264: MPEG-4 part 2 (VP8 for webm) decodes everywhere.
            recorder.setVideoCodec(ext.equals("webm") ? avcodec.AV_CODEC_ID_VP8 : avcodec.AV_CODEC_ID_MPEG4);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(fps);
            // A generous bitrate, so detection sees the faces a person sees (MPEG-4 takes no crf).
            recorder.setVideoBitrate((int) (BITS_PER_PIXEL * width * height * fps));
            recorder.setGopSize((int) Math.max(1, Math.round(fps)));
            recorder.start();
            BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            for (int f = 0; f < frames; f++) {
                draw(canvas, f, sprites, backdropAt(backdrops, f));
                recorder.record(converter.convert(canvas));
            }
            recorder.stop();
        }
    }

    private static Backdrop backdropAt(List<Backdrop> backdrops, int frame) {
        Backdrop current = backdrops.getFirst();
        for (Backdrop b : backdrops) if (b.firstFrame() <= frame) current = b;
        return current;
    }

    private static void draw(BufferedImage canvas, int frame, List<Sprite> sprites, Backdrop backdrop) {
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setPaint(new GradientPaint(0, 0, backdrop.from(), canvas.getWidth(), canvas.getHeight(), backdrop.to()));
            g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
            for (Sprite s : sprites) {
                if (!s.visibleAt(frame)) continue;
                double t = s.progress(frame);
                double w = s.w0() + (s.w1() - s.w0()) * t;
                double h = w * s.image().getHeight() / s.image().getWidth();
                double cx = s.x0() + (s.x1() - s.x0()) * t, cy = s.y0() + (s.y1() - s.y0()) * t;
                g.drawImage(s.image(), (int) Math.round(cx - w / 2), (int) Math.round(cy - h / 2), (int) Math.round(w), (int) Math.round(h), null);
            }
        } finally {
            g.dispose();
        }
    }

    private SceneVideoWriter() {
    }
}
