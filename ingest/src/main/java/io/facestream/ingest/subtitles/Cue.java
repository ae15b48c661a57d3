package io.facestream.ingest.subtitles;

/** One timed sentence of a file: shown from {@code startMillis} to {@code endMillis} of media time. */
public record Cue(long startMillis, long endMillis, String text) {
}
