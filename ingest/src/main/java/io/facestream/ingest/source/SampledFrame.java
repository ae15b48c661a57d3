package io.facestream.ingest.source;

/**
 * One decoded frame handed on by the sampler.
 *
 * @param frameNumber     index of the frame among all decoded video frames of the source, from 0
 * @param mediaTimeMicros the frame's presentation time in the stream
 * @param timestampMillis event time: capture wall-clock for live sources, base time + media time for files
 * @param width           width of {@code rgb}
 * @param height          height of {@code rgb}
 * @param rgb             packed 8-bit RGB, row after row, {@code width * 3} bytes a row
 * @param sourceWidth     the decoded width before any down-scaling
 * @param sourceHeight    the decoded height before any down-scaling
 */
public record SampledFrame(long frameNumber, long mediaTimeMicros, long timestampMillis,
                           int width, int height, byte[] rgb, int sourceWidth, int sourceHeight) {
}
