package io.facestream.ingest.video;

import io.facestream.schemas.camera.CameraUrls;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes FFmpeg's messages (errors only) into SLF4J, once per JVM, so they obey the logging configuration instead
 * of printing to stderr themselves (where they would also slip past a command's one-line error), with camera URLs
 * masked: FFmpeg quotes the URL it failed to open, credentials included. It also counts each thread's errors, so a
 * replay can tell a damaged file from a whole one.
 */
public final class FfmpegLogging {
    /** JavaCV's callback's logger name, which the logging configuration already names. */
    private static final Logger LOG = LoggerFactory.getLogger("org.bytedeco.javacv.FFmpegLogCallback");
    /** FFmpeg's errors so far on each thread: FFmpeg calls its log callback on the thread that decodes. */
    private static final ThreadLocal<long[]> ERRORS = ThreadLocal.withInitial(() -> new long[1]);
    /** Held for the JVM's life: FFmpeg calls it from native code. */
    private static final LogCallback CALLBACK = new MaskingCallback();

    static {
        // JavaCPP's own messages (its loader) through SLF4J as well
        System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
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

    /** An FFmpeg message as it is logged: credentials masked, without its trailing newline. */
    static String masked(String message) {
        return CameraUrls.mask(message == null ? "" : message.strip());
    }

    private static final class MaskingCallback extends LogCallback {
        @Override
        public void call(int level, BytePointer message) {
            if (level <= avutil.AV_LOG_ERROR) {
                ERRORS.get()[0]++;
                if (LOG.isErrorEnabled()) LOG.error(masked(message.getString()));
            } else if (level <= avutil.AV_LOG_WARNING) {
                if (LOG.isWarnEnabled()) LOG.warn(masked(message.getString()));
            } else if (level <= avutil.AV_LOG_INFO) {
                if (LOG.isInfoEnabled()) LOG.info(masked(message.getString()));
            } else if (LOG.isDebugEnabled()) {
                LOG.debug(masked(message.getString()));
            }
        }
    }

    private FfmpegLogging() {
    }
}
