package io.facestream.ingest.subtitles;

import io.facestream.ingest.video.FfmpegLogging;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVSubtitle;
import org.bytedeco.ffmpeg.avcodec.AVSubtitleRect;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.*;

/**
 * Reads text subtitles with FFmpeg's own demuxers and decoders: a sidecar SRT or WebVTT
 * file, or the first text subtitle stream inside a video. FFmpeg decodes every text
 * format (SubRip, WebVTT, mov_text, ASS) to ASS events; we keep their plain text.
 * Bitmap subtitles (DVD, PGS) carry no text and are skipped.
 */
public final class SubtitleReader {
    static {
        FfmpegLogging.init();
    }

    private static final List<String> SIDECAR_EXTENSIONS = List.of(".srt", ".vtt", ".webvtt");
    private static final Pattern ASS_OVERRIDE = Pattern.compile("\\{[^}]*}");

    private SubtitleReader() {
    }

    /** A sidecar next to the video with the same base name (clip.mp4 → clip.srt / clip.vtt), if any. */
    public static Optional<Path> findSidecar(Path video) {
        String name = video.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        for (String ext : SIDECAR_EXTENSIONS) {
            Path candidate = video.resolveSibling(base + ext);
            if (Files.isRegularFile(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /**
     * The cues of the first text subtitle stream of {@code file} (a subtitle file, or a video
     * with an embedded stream), in time order; empty when it has none.
     *
     * @throws IOException when FFmpeg cannot open or parse the file
     */
    public static List<Cue> read(Path file) throws IOException {
        AVFormatContext format = new AVFormatContext(null);
        check(avformat_open_input(format, file.toString(), null, null), "cannot open " + file);
        AVCodecContext decoder = null;
        AVPacket packet = av_packet_alloc();
        try {
            check(avformat_find_stream_info(format, (PointerPointer<?>) null), "cannot read the streams of " + file);
            int index = av_find_best_stream(format, AVMEDIA_TYPE_SUBTITLE, -1, -1, (AVCodec) null, 0);
            if (index < 0) return List.of();
            AVStream stream = format.streams(index);
            AVCodec codec = avcodec_find_decoder(stream.codecpar().codec_id());
            if (codec == null) return List.of();
            decoder = avcodec_alloc_context3(codec);
            check(avcodec_parameters_to_context(decoder, stream.codecpar()), "cannot set up the subtitle decoder for " + file);
            decoder.pkt_timebase(stream.time_base());
            check(avcodec_open2(decoder, codec, (AVDictionary) null), "cannot open the subtitle decoder for " + file);

            AVRational millis = av_make_q(1, 1000);
            List<Cue> cues = new ArrayList<>();
            AVSubtitle subtitle = new AVSubtitle();
            int[] gotSubtitle = new int[1];
            while (av_read_frame(format, packet) >= 0) {
                try {
                    if (packet.stream_index() != index) continue;
                    if (avcodec_decode_subtitle2(decoder, subtitle, gotSubtitle, packet) < 0 || gotSubtitle[0] == 0) continue;
                    try {
                        String text = text(subtitle);
                        if (text.isEmpty()) continue;
                        long start = av_rescale_q(packet.pts(), stream.time_base(), millis);
                        long end = start + (packet.duration() > 0
                                ? av_rescale_q(packet.duration(), stream.time_base(), millis)
                                : subtitle.end_display_time());
                        cues.add(new Cue(start, end, text));
                    } finally {
                        avsubtitle_free(subtitle);
                    }
                } finally {
                    av_packet_unref(packet);
                }
            }
            cues.sort(java.util.Comparator.comparingLong(Cue::startMillis));
            return cues;
        } finally {
            av_packet_free(packet);
            if (decoder != null) avcodec_free_context(decoder);
            avformat_close_input(format);
        }
    }

    private static String text(AVSubtitle subtitle) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < subtitle.num_rects(); i++) {
            AVSubtitleRect rect = subtitle.rects(i);
            String part = switch (rect.type()) {
                case SUBTITLE_ASS -> assText(rect.ass().getString(StandardCharsets.UTF_8));
                case SUBTITLE_TEXT -> rect.text().getString(StandardCharsets.UTF_8);
                default -> "";
            };
            if (!part.isBlank()) text.append(text.isEmpty() ? "" : "\n").append(part.strip());
        }
        return text.toString();
    }

    /** The Text field of an ASS event (the ninth, after ReadOrder..Effect), without override tags. */
    static String assText(String event) {
        int at = 0;
        for (int commas = 0; commas < 8 && at >= 0; commas++) at = event.indexOf(',', at) + 1;
        String text = at > 0 ? event.substring(at) : event;
        return ASS_OVERRIDE.matcher(text).replaceAll("").replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ");
    }

    private static void check(int rc, String what) throws IOException {
        if (rc < 0) {
            BytePointer message = new BytePointer(256);
            av_strerror(rc, message, 256);
            throw new IOException(what + ": " + message.getString());
        }
    }
}
