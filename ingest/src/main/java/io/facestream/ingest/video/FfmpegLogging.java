package io.facestream.ingest.video;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegLogCallback;

/**
 * Routes FFmpeg's messages (errors only) through JavaCV's callback into SLF4J, once per
 * JVM, so they obey the logging configuration instead of printing to stderr themselves
 * (where they would also slip past a command's one-line error, and could echo a camera URL).
 */
public final class FfmpegLogging {
    static {
        // Read when JavaCPP creates FFmpegLogCallback's logger: set before the class loads.
        System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        FFmpegLogCallback.set();
    }

    /** Loading this class is the whole effect; call before the first FFmpeg use. */
    public static void init() {
    }

    private FfmpegLogging() {
    }
}
