package io.facestream.api.index;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.ErrorKind;
import io.facestream.api.RouteSpec.FormField;
import io.facestream.api.Routes;
import io.facestream.api.Scope;
import io.facestream.api.Uploads;
import io.facestream.api.cameras.CameraInput;
import io.facestream.api.index.IndexBodies.VideoAccepted;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/files}, beyond seed 000: a video uploaded (multipart field {@code file}) is streamed to disk under
 * {@link Settings#dir}, probed, and replayed in this API process through {@link VideoReplays} (the replay
 * {@code facestream replay FILE} runs), answered 202 with its {@code file_uuid} at once; its progress then shows at
 * {@code GET /api/v1/files}. At most {@link Settings#maxReplays} uploads are read or replayed at once (503 with
 * Retry-After beyond, refused before the body is read); each upload's directory is removed once its replay ends, and
 * whatever a stopped process left there is removed when the next one starts.
 */
public final class VideoUploadModule implements ApiModule, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VideoUploadModule.class);
    static final String PATH = IndexModule.PREFIX + "/files";
    static final String FIELD = "file";
    static final String CAMERA_FIELD = "camera_id";
    /** Seconds a client is told to wait for a replay slot: replays take seconds to minutes. */
    static final String RETRY_AFTER_SECONDS = "30";
    static final int MAX_NAME = 100;
    /** How long a shutdown waits for interrupted replays to record that they stopped. */
    static final int STOP_WAIT_SECONDS = 10;
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._ -]");

    /**
     * @param dir        where uploads are written, one directory per upload (removed once replayed)
     * @param maxBytes   the largest video accepted (413 beyond, checked while it streams)
     * @param maxReplays uploads read or replayed at once by this process
     * @param minFreeBytes disk the uploads leave free on their directory's file system (the broker's log and the views
     *                     often share it): an upload that would leave less is refused (507) before its body is read
     */
    public record Settings(Path dir, long maxBytes, int maxReplays, long minFreeBytes) {
        public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024 * 1024;
        public static final int DEFAULT_MAX_REPLAYS = 2;
        public static final long DEFAULT_MIN_FREE_BYTES = 1024L * 1024 * 1024;

        public Settings {
            if (dir == null || maxBytes <= 0 || maxReplays <= 0 || minFreeBytes < 0) {
                throw new IllegalArgumentException("a video upload needs a directory, a positive size limit and replay count, "
                        + "and a free-disk reserve that is not negative");
            }
        }

        public Settings(Path dir, long maxBytes, int maxReplays) {
            this(dir, maxBytes, maxReplays, DEFAULT_MIN_FREE_BYTES);
        }
    }

    private final VideoReplays replays;
    private final Settings settings;
    private final Semaphore slots;
    private final ExecutorService runner;
    /** Bytes the uploads being received may still write (declared lengths, else the limit), for the free-disk check. */
    private final AtomicLong receiving = new AtomicLong();

    /** @param replays the replay the app wires in; null where this process runs none (every upload is then a 503 saying so) */
    public VideoUploadModule(VideoReplays replays, Settings settings) {
        this.replays = replays;
        this.settings = settings;
        this.slots = new Semaphore(settings.maxReplays());
        this.runner = Executors.newFixedThreadPool(settings.maxReplays(), Thread.ofPlatform().name("upload-replay-", 0).daemon().factory());
        if (replays != null) removeLeftovers(settings.dir());
    }

    /** A module for a process without replays: the route is documented and answers 503 with why. */
    public static VideoUploadModule disabled() {
        return new VideoUploadModule(null, new Settings(Path.of(System.getProperty("java.io.tmpdir")), Settings.DEFAULT_MAX_BYTES, 1));
    }

    @Override
    public void register(Routes routes) {
        routes.post(PATH, ctx -> upload(ctx, routes.uploads()))
                .scope(Scope.ADMIN)
                .bodyLimit(settings.maxBytes() + Uploads.FORM_FIELDS_BYTES)
                .summary("Upload a video and replay it (beyond seed 000)").tags("identity index")
                .description("Streams the video to the server's disk, checks that FFmpeg decodes it (containers "
                        + "mp4/mov/m4v, mkv/webm, avi, MPEG-TS/PS, flv, wmv/asf), then replays it in this API process "
                        + "as `facestream replay FILE` does, and answers 202 with its `file_uuid` at once: its status and "
                        + "progress are then at GET /api/v1/files. The client's file name is kept only as a display name "
                        + "(letters, digits, '.', '_', '-' and spaces; no path). At most " + settings.maxReplays()
                        + " uploads are read or replayed at once (api.upload.video.max.replays): beyond, 503 with "
                        + "Retry-After, before the body is read. The video is removed from the server once replayed; if "
                        + "the process stops mid-replay the file reads `failed` (a clean stop) or `stale` (killed), and the "
                        + "upload must be sent again. Needs an "
                        + "admin key (it starts work on the server).")
                .multipart("The video", FormField.file(FIELD, true, "The video, at most " + settings.maxBytes() + " bytes"),
                        FormField.text(CAMERA_FIELD, false, "Replay as this camera (alerts name it): 1-64 letters, digits, '.', '_', '-'"))
                .responds(202, "Accepted: replaying", VideoAccepted.class)
                .responds(400, "Not a multipart form, no file in field `file` or several, an empty file, or a bad camera_id")
                .responds(403, "The key is not an admin key")
                .responds(413, "Over api.upload.video.max.bytes (nothing is kept)")
                .responds(415, "Not a video FFmpeg decodes (nothing is kept)")
                .responds(507, "Not enough free disk: the upload would leave less than api.upload.video.min.free.bytes (before the body is read)")
                .responds(503, "Too many uploads at once (Retry-After), or this process runs no replays");
    }

    private void upload(Context ctx, Uploads uploads) {
        if (replays == null) throw ApiException.unavailable("This API process runs no replays: video upload is unavailable here.");
        if (!slots.tryAcquire()) {
            ctx.header("Retry-After", RETRY_AFTER_SECONDS);
            throw ApiException.unavailable("Already " + settings.maxReplays() + " uploaded videos being received or replayed "
                    + "(api.upload.video.max.replays); try again once one has finished.");
        }
        String fileId = UUID.randomUUID().toString();
        Path dir = settings.dir().resolve(fileId);
        boolean replaying = false;
        long size = ctx.contentLength() > 0 ? Math.min(ctx.contentLength(), settings.maxBytes()) : settings.maxBytes();
        long reserved = receiving.addAndGet(size);
        try {
            Uploads.StreamedFile video;
            try {
                ensureFreeDisk(reserved);
                video = uploads.streamToDisk(ctx, FIELD, dir, VideoUploadModule::storedName, settings.maxBytes());
            } finally {
                receiving.addAndGet(-size);
            }
            String camera = cameraId(video.fields().get(CAMERA_FIELD));
            try {
                replays.probe(video.file());
            } catch (VideoReplays.NotAVideo e) {
                throw new ApiException(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Not a video: " + e.getMessage());
            }
            runner.execute(() -> replay(video.file(), fileId, camera, dir));
            replaying = true;
            log.info("replaying uploaded video {} ({} bytes) as file {}", video.file().getFileName(), video.bytes(), fileId);
            ctx.status(202).json(new VideoAccepted(true, fileId, video.file().getFileName().toString(), camera, video.bytes(),
                    "processing", "Replay started: its progress is at GET " + PATH + "."));
        } catch (RejectedExecutionException e) {
            throw ApiException.unavailable("The API is stopping; upload the video again later.");
        } finally {
            if (!replaying) {
                Uploads.deleteTree(dir);
                slots.release();
            }
        }
    }

    /** Refuses the upload (507, before its body is read) when the uploads being received would leave under the reserve. */
    private void ensureFreeDisk(long receivingBytes) {
        long free;
        try {
            Files.createDirectories(settings.dir());
            free = Files.getFileStore(settings.dir()).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + settings.dir(), e);
        }
        if (free - receivingBytes < settings.minFreeBytes()) {
            throw new ApiException(ErrorKind.INSUFFICIENT_STORAGE, String.format("Not enough free disk for this upload: %,d MiB "
                    + "free where uploads are written, %,d MiB being received (this one's declared length, else the limit) and %,d MiB "
                    + "kept free for the pipeline (api.upload.video.min.free.bytes).", free >> 20, receivingBytes >> 20,
                    settings.minFreeBytes() >> 20));
        }
    }

    private void replay(Path video, String fileId, String camera, Path dir) {
        try {
            replays.replay(video, fileId, camera);
        } catch (Exception e) {
            // the replay's own record says FAILED (or nothing was registered); this is for the operator's log
            log.warn("replay of uploaded file {} failed: {}", fileId, e.toString());
        } finally {
            Uploads.deleteTree(dir);
            slots.release();
        }
    }

    private static String cameraId(String value) {
        if (value == null || value.isBlank()) return null;
        String id = value.strip();
        if (!CameraInput.ID.matcher(id).matches()) {
            throw ApiException.validation(CAMERA_FIELD + ": 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
        return id;
    }

    /**
     * The client's file name as a display name and the stored file's name: its last path segment only, characters
     * outside letters, digits, '.', '_', '-' and space replaced, no leading dot or dash, at most {@value #MAX_NAME}
     * characters (the extension kept); "upload" when nothing is left.
     */
    static String storedName(String submitted) {
        String name = submitted == null ? "" : submitted;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        name = UNSAFE.matcher(name).replaceAll("_").strip().replaceFirst("^[.\\- ]+", "");
        if (name.length() > MAX_NAME) {
            int dot = name.lastIndexOf('.');
            String extension = dot > 0 && name.length() - dot <= 10 ? name.substring(dot) : "";
            name = name.substring(0, MAX_NAME - extension.length()) + extension;
        }
        return name.isEmpty() ? "upload" : name;
    }

    /** Uploads a stopped process left (their replays read stale): removed, so the disk holds only running ones. */
    private static void removeLeftovers(Path dir) {
        try {
            Files.createDirectories(dir);
            try (var children = Files.list(dir)) {
                children.forEach(child -> {
                    log.info("removing {}, an upload whose replay a stopped process did not finish", child);
                    Uploads.deleteTree(child);
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the upload directory " + dir, e);
        }
    }

    /**
     * Interrupts the replays still running, and waits a little for each to record that it stopped (its file then
     * reads failed, with why) while the process can still publish.
     */
    @Override
    public void close() {
        runner.shutdownNow();
        try {
            if (!runner.awaitTermination(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("uploaded videos' replays still running after {} s of shutdown: their files will read stale", STOP_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
