package io.facestream.api.index;

import java.nio.file.Path;

/**
 * What the video upload ({@link VideoUploadModule}) needs from the ingest role, which the API module does not
 * carry (no video stack here): the app implements it at wiring time with the replay {@code facestream replay FILE}
 * runs, so an uploaded video goes through the same code as one replayed from the command line.
 */
public interface VideoReplays {
    /**
     * Checks that an uploaded file is a video the replay decodes, before anything is registered.
     *
     * @throws NotAVideo when it is not, saying why in words a client may read (no server path)
     */
    void probe(Path video) throws NotAVideo;

    /**
     * Replays {@code video} under {@code fileId} (as camera {@code cameraId}, or none) to its end, blocking: its
     * record on the files topic carries its status and progress, which {@code GET /api/v1/files} shows.
     */
    void replay(Path video, String fileId, String cameraId) throws Exception;

    /** An upload that is not a video the replay decodes. */
    final class NotAVideo extends Exception {
        public NotAVideo(String message) {
            super(message);
        }
    }
}
