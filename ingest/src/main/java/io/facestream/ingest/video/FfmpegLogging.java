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
 * masked: FFmpeg quotes the URL it failed to open, credentials included.
 */
public final class FfmpegLogging {
    /** JavaCV's callback's logger name, which the logging configuration already names. */
    private static final Logger LOG = LoggerFactory.getLogger("org.bytedeco.javacv.FFmpegLogCallback");
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

    /** An FFmpeg message as it is logged: credentials masked, without its trailing newline. */
    static String masked(String message) {
        return CameraUrls.mask(message == null ? "" : message.strip());
    }

    private static final class MaskingCallback extends LogCallback {
        @Override
        public void call(int level, BytePointer message) {
            if (level <= avutil.AV_LOG_ERROR) {
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
