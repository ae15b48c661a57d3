package io.facestream.topologies.views;

import io.facestream.schemas.avro.VideoFile;

/**
 * A recorded file with its replay state and what was seen in it.
 *
 * @param file    the latest replay record of the file
 * @param summary its sightings so far ({@link FileSummary#EMPTY} before the first)
 */
public record FileView(VideoFile file, FileSummary summary) {

    public String fileId() {
        return file.getFileId();
    }
}
