package io.facestream.ingest.video;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegLogCallback;

/** Routes FFmpeg's console output through JavaCV's callback and keeps only errors, once per JVM. */
public final class FfmpegLogging {
    static {
        // FFmpeg's own chatter would bypass our logs (and could echo a camera URL).
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegLogCallback.set();
    }

    /** Loading this class is the whole effect; call before the first FFmpeg use. */
    public static void init() {
    }

    private FfmpegLogging() {
    }
}
