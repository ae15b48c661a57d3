package io.facestream.api;

import io.facestream.api.UploadException.Reason;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.ImageFormat;
import io.facestream.models.image.InvalidImageException;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads uploaded images, the same way for every endpoint. Checks, cheapest first, each failing with an
 * {@link UploadException} whose reason picks the status: size against {@link UploadLimits} (Jetty's
 * multipart limits stop a large part while it streams; this re-checks the bytes read), an empty file, the
 * format from the magic number (the file name and Content-Type are the client's word and are ignored), the
 * pixel count from the header alone (a decompression bomb is refused before any pixel is allocated), and
 * the file's structure ({@link ImageCodec#checkStructure}, the models' one check: a truncated upload is refused
 * rather than decoded grey-padded). Decoding happens later, in the shared pool ({@link UploadedImage#withPixels}).
 */
public final class Uploads {
    static final String BODY_FIELD = "body";

    private final UploadLimits limits;
    private final AnalysisPool pool;

    Uploads(UploadLimits limits, AnalysisPool pool) {
        this.limits = limits;
        this.pool = pool;
    }

    public UploadLimits limits() {
        return limits;
    }

    /** The one image in multipart field {@code field}; refused when absent or when several were sent. */
    public UploadedImage image(Context ctx, String field) {
        return images(ctx, field, 1, 1).getFirst();
    }

    /** The image in {@code field} if the form has one. */
    public Optional<UploadedImage> optionalImage(Context ctx, String field) {
        List<UploadedImage> images = images(ctx, field, 0, 1);
        return images.isEmpty() ? Optional.empty() : Optional.of(images.getFirst());
    }

    /** Between {@code min} and {@code max} images in field {@code field} (seed 001's POI: 1-5 {@code images}). */
    public List<UploadedImage> images(Context ctx, String field, int min, int max) {
        List<UploadedFile> files = multipartFiles(ctx, field);
        if (files.size() < min || files.size() > max) {
            String wanted = min == max ? String.valueOf(min) : min + " to " + max;
            throw new UploadException(Reason.MISSING_FILE, "Expected " + wanted + (max == 1 ? " image" : " images")
                    + " (JPEG or PNG) in multipart field '" + field + "', got " + files.size() + ".");
        }
        List<UploadedImage> images = new ArrayList<>(files.size());
        for (UploadedFile file : files) {
            byte[] bytes;
            if (file.size() > limits.maxFileBytes()) {
                throw tooLarge(field, file.size());
            }
            try (InputStream in = file.content()) {
                bytes = readAtMost(in, field);
            } catch (IOException e) {
                throw new UploadException(Reason.TRUNCATED, "The upload in field '" + field + "' was cut off.");
            }
            images.add(check(field, file.filename(), bytes));
        }
        return images;
    }

    /** The request body itself as an image (a raw upload, {@code Content-Type} ignored). */
    public UploadedImage body(Context ctx) {
        if (ctx.contentLength() > limits.maxFileBytes()) {
            throw tooLarge(BODY_FIELD, ctx.contentLength());
        }
        try (InputStream in = ctx.req().getInputStream()) {
            return check(BODY_FIELD, null, readAtMost(in, BODY_FIELD));
        } catch (IOException e) {
            if (causedBy(e, java.util.concurrent.TimeoutException.class)) {
                throw new ApiException(ErrorKind.REQUEST_TIMEOUT, "The request body arrived too slowly.");
            }
            throw new UploadException(Reason.TRUNCATED, "The request body was cut off.");
        }
    }

    /** Room in a streamed upload's request for its text fields and the multipart framing, beyond the file. */
    public static final long FORM_FIELDS_BYTES = 64 * 1024;
    /** Longest text field value a streamed upload reads. */
    private static final int MAX_TEXT_FIELD = 1024;
    /** Jetty's request attribute for a multipart configuration; Javalin leaves one a route has set. */
    private static final String MULTIPART_CONFIG = "org.eclipse.jetty.multipartConfig";

    /**
     * A file streamed to disk: {@code file} is where it lies (in the directory given), {@code submittedName} the
     * client's own name for it (never used as a path), {@code fields} the form's text fields.
     */
    public record StreamedFile(Path file, long bytes, String submittedName, Map<String, String> fields) {}

    /**
     * The one file in multipart field {@code field}, streamed into the empty directory {@code dir} by Jetty's
     * multipart parser (written as it arrives, never whole in memory) and moved to {@code dir/<naming(the client's
     * name)>} (naming must return one plain file name); at most
     * {@code maxBytes} (413 beyond, checked while it streams). On any failure {@code dir} is removed with whatever
     * was written into it. The request's total size is bounded before this by the route's body limit
     * ({@link Route#bodyLimit}).
     */
    public StreamedFile streamToDisk(Context ctx, String field, Path dir, java.util.function.UnaryOperator<String> naming, long maxBytes) {
        if (!ctx.isMultipartFormData()) {
            throw new UploadException(Reason.MISSING_FILE, "Expected a multipart/form-data request with a file in field '" + field + "'.");
        }
        try {
            Files.createDirectories(dir);
            ctx.attribute(MULTIPART_CONFIG, new MultipartConfigElement(dir.toString(), maxBytes, maxBytes + FORM_FIELDS_BYTES, 0));
            Collection<Part> parts;
            try {
                parts = ctx.req().getParts();
            } catch (Exception e) { // Jetty's parse failures, some wrapped unchecked
                formFailed(ctx, e);
                if (mentionsSizeLimit(e)) throw tooLarge(field, -1, maxBytes);
                if (causedBy(e, java.util.concurrent.TimeoutException.class)) {
                    throw new ApiException(ErrorKind.REQUEST_TIMEOUT, "The request body arrived too slowly.");
                }
                throw new UploadException(Reason.CORRUPT, "The multipart form could not be read (cut off or malformed).");
            }
            Part file = null;
            Map<String, String> fields = new LinkedHashMap<>();
            int files = 0;
            for (Part part : parts) {
                if (part.getSubmittedFileName() != null) {
                    files++;
                    if (part.getName().equals(field)) file = part;
                } else {
                    try (InputStream in = part.getInputStream()) {
                        byte[] value = in.readNBytes(MAX_TEXT_FIELD + 1);
                        if (value.length > MAX_TEXT_FIELD) {
                            throw new ApiException(ErrorKind.FIELD_TOO_LONG, "Field '" + part.getName() + "': at most " + MAX_TEXT_FIELD + " bytes.");
                        }
                        fields.put(part.getName(), new String(value, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            if (file == null || files != 1) {
                throw new UploadException(Reason.MISSING_FILE, "Expected one file in multipart field '" + field + "', got "
                        + (file == null ? "none" : files + " files") + ".");
            }
            if (file.getSize() > maxBytes) throw tooLarge(field, file.getSize(), maxBytes);
            if (file.getSize() == 0) throw new UploadException(Reason.EMPTY, "The upload in field '" + field + "' is empty.");
            String storedName = naming.apply(file.getSubmittedFileName());
            Path stored = dir.normalize().resolve(storedName).normalize();
            if (!dir.normalize().equals(stored.getParent())) throw new IllegalArgumentException("a stored name is one file name: " + storedName);
            file.write(stored.toString()); // Jetty moves the part's file here
            for (Part part : parts) {
                if (part != file) part.delete();
            }
            return new StreamedFile(stored, Files.size(stored), file.getSubmittedFileName(), fields);
        } catch (IOException e) {
            deleteTree(dir);
            throw new UncheckedIOException("cannot store the upload under " + dir, e);
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** Removes a directory and everything in it; what cannot be removed is left (a later sweep tries again). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // left for the next sweep
                }
            });
        } catch (IOException ignored) {
            // left for the next sweep
        }
    }

    /** Checks bytes that arrived another way (a WebSocket frame). */
    public UploadedImage check(String field, String filename, byte[] bytes) {
        if (bytes.length > limits.maxFileBytes()) {
            throw tooLarge(field, bytes.length);
        }
        if (bytes.length == 0) {
            throw new UploadException(Reason.EMPTY, "The upload in field '" + field + "' is empty.");
        }
        ImageFormat format = ImageFormat.sniff(bytes);
        if (format == null) {
            String other = ImageFormat.otherImageFormat(bytes);
            throw new UploadException(Reason.UNSUPPORTED_TYPE, other == null
                    ? "Invalid image format. Supported: JPEG, PNG"
                    : "Unsupported image type " + other + " (use JPEG or PNG).");
        }
        ImageCodec.Dimensions size;
        try {
            size = ImageCodec.readDimensions(bytes);
        } catch (InvalidImageException e) {
            throw rejection(e, field);
        }
        if (size.width() <= 0 || size.height() <= 0) {
            throw new UploadException(Reason.CORRUPT, "The image in field '" + field + "' has no pixels.");
        }
        if (size.pixels() > limits.maxPixels()) {
            throw new UploadException(Reason.TOO_MANY_PIXELS, "Image resolution too large: " + size.width() + "x"
                    + size.height() + " is over the limit of " + megapixels(limits.maxPixels()) + " megapixels.");
        }
        try {
            ImageCodec.checkStructure(bytes);
        } catch (InvalidImageException e) {
            throw switch (e.reason()) {
                case TRUNCATED -> new UploadException(Reason.TRUNCATED, "The " + format + " image in field '" + field
                        + "' is truncated (it ends before its end marker).");
                default -> new UploadException(Reason.CORRUPT,
                        "The " + format + " image in field '" + field + "' is corrupt.");
            };
        }
        return new UploadedImage(field, filename, format, size.width(), size.height(), bytes, pool);
    }

    /** The upload failure for a decoder's complaint. */
    static UploadException rejection(InvalidImageException e, String field) {
        return switch (e.reason()) {
            case EMPTY -> new UploadException(Reason.EMPTY, "The upload in field '" + field + "' is empty.");
            case UNSUPPORTED_FORMAT -> new UploadException(Reason.UNSUPPORTED_TYPE,
                    "Invalid image format. Supported: JPEG, PNG");
            case TOO_LARGE -> new UploadException(Reason.TOO_MANY_PIXELS,
                    "Image resolution too large for field '" + field + "'.");
            case TRUNCATED -> new UploadException(Reason.TRUNCATED,
                    "The image in field '" + field + "' is truncated.");
            case CORRUPT -> new UploadException(Reason.CORRUPT,
                    "The image in field '" + field + "' could not be decoded.");
        };
    }

    private List<UploadedFile> multipartFiles(Context ctx, String field) {
        if (!ctx.isMultipartFormData()) {
            throw new UploadException(Reason.MISSING_FILE,
                    "Expected a multipart/form-data request with an image in field '" + field + "'.");
        }
        // a declared size over maxRequestBytes never gets here: the server's SizeLimitHandler answers it 413
        try {
            return ctx.uploadedFiles(field);
        } catch (Exception e) { // Javalin rethrows Jetty's ServletException unchecked
            // Jetty stops parsing at its multipart limits (set from the same UploadLimits) and says so
            // with an exception of its own; anything else here is a malformed or cut-off form.
            formFailed(ctx, e);
            if (mentionsSizeLimit(e)) throw tooLarge(field, -1);
            if (causedBy(e, java.util.concurrent.TimeoutException.class)) {
                // Jetty's MinimumDataRateHandler: the body trickled in under the configured minimum rate
                throw new ApiException(ErrorKind.REQUEST_TIMEOUT, "The request body arrived too slowly.");
            }
            throw new UploadException(Reason.CORRUPT, "The multipart form could not be read.");
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * After Jetty's multipart parser gave up on a form: Jetty closes such a connection after the answer whatever is
     * left of the body, so the answer says so ({@link ApiServer#closesAfterAnswer}); otherwise a client would send its
     * next request on a connection about to close, and lose it. A form cut at a size limit is drained first.
     */
    private static void formFailed(Context ctx, Exception e) {
        ApiServer.closesAfterAnswer(ctx);
        if (mentionsSizeLimit(e)) drainBriefly(ctx);
    }

    /** What a refused upload may still send that is read and dropped, so that the client reads its 413. */
    public static final long DRAIN_BYTES = 16L << 20;
    /** How long a refused upload's rest is read and dropped, at most. */
    public static final java.time.Duration DRAIN_TIME = java.time.Duration.ofSeconds(2);

    /**
     * Reads and drops the rest of a body cut at its limit, for at most {@link #DRAIN_BYTES} and {@link #DRAIN_TIME}:
     * closing a connection with unread bytes resets it, and a client still sending would lose the answer with it.
     */
    private static void drainBriefly(Context ctx) {
        try {
            drop(ctx.req().getInputStream(), DRAIN_BYTES, DRAIN_TIME);
        } catch (IOException | RuntimeException e) {
            // the connection is closed after the answer anyway
        }
    }

    /**
     * Reads and drops what {@code body} still holds, at most {@code maxBytes} of it and for {@code maxTime} (checked
     * between reads; each read is bounded by the server's idle timeout, as a route's own reads are).
     *
     * @return whether the body's end was reached
     */
    static boolean drop(InputStream body, long maxBytes, java.time.Duration maxTime) throws IOException {
        long deadline = System.nanoTime() + maxTime.toNanos();
        long left = maxBytes;
        byte[] sink = new byte[64 << 10];
        while (System.nanoTime() < deadline) {
            int n = body.read(sink, 0, (int) Math.min(sink.length, left + 1)); // one more: is there more than allowed
            if (n < 0) return true;
            left -= n;
            if (left < 0) return false;
        }
        return false;
    }

    private static boolean mentionsSizeLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (message.contains("exceeded") || message.contains("too large") || message.contains("413")) {
                return true;
            }
        }
        return false;
    }

    private byte[] readAtMost(InputStream in, String field) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxFileBytes() + 1));
        if (bytes.length > limits.maxFileBytes()) {
            throw tooLarge(field, -1);
        }
        return bytes;
    }

    private UploadException tooLarge(String field, long size) {
        return tooLarge(field, size, limits.maxFileBytes());
    }

    private static UploadException tooLarge(String field, long size, long limit) {
        return new UploadException(Reason.TOO_LARGE, "File too large: the upload in field '" + field + "'"
                + (size > 0 ? " is " + size + " bytes," : " is") + " over the limit of " + mebibytes(limit)
                + " MiB.");
    }

    private static String mebibytes(long bytes) {
        double mib = bytes / (1024.0 * 1024.0);
        return mib == Math.rint(mib) ? String.valueOf((long) mib) : String.format(java.util.Locale.ROOT, "%.1f", mib);
    }

    private static String megapixels(long pixels) {
        double mp = pixels / 1_000_000.0;
        return mp == Math.rint(mp) ? String.valueOf((long) mp) : String.format(java.util.Locale.ROOT, "%.1f", mp);
    }
}
