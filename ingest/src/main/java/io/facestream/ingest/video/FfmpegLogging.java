package io.facestream.ingest.video;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegLogCallback;

/**
 * Routes FFmpeg's messages (errors only) through JavaCV's callback into SLF4J, once per
 * JVM, so they obey the logging configuration instead of printing to stderr themselves
 * (where they would also slip past a command's one-line error, and could echo a camera URL).
 */
public final class FfmpegLogging {
    /** FFmpeg's errors so far on each thread: FFmpeg calls its log callback on the thread that decodes. */
    private static final ThreadLocal<long[]> ERRORS = ThreadLocal.withInitial(() -> new long[1]);
    /** Held here: FFmpeg keeps only a native pointer to the callback. */
    private static final FFmpegLogCallback CALLBACK;

    static {
        // Read when JavaCPP creates FFmpegLogCallback's logger: set before the class loads.
        System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        CALLBACK = new FFmpegLogCallback() {
            @Override
            public void call(int level, BytePointer msg) {
                if (level <= avutil.AV_LOG_ERROR) ERRORS.get()[0]++;
                super.call(level, msg);
            }
        };
        avutil.setLogCallback(CALLBACK);
    }

    /** Loading this class is the whole effect; call before the first FFmpeg use. */
    public static void init() {
    }

    /**
     * Errors FFmpeg reported on the calling thread so far (a decoder's corrupt packets, a demuxer's broken file):
     * read before and after a call that decodes, the difference is that call's. Decoding runs on the caller's
     * thread as long as the codec's own threads are off ({@code threads=1}, as {@code VideoSource} sets them).
     */
    public static long errorsOnThisThread() {
        return ERRORS.get()[0];
    }

    private FfmpegLogging() {
    }
}
