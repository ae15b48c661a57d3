package io.facestream.models.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Photos of known people for calibration and evaluation: a folder with one sub-folder per person, named after
 * them, holding that person's photos (JPEG or PNG). Other files are ignored.
 */
public final class LabelledFaces {
    /** Bounds on what one run reads: it embeds every photo and compares every pair. */
    public static final int MAX_PHOTOS = 5_000;
    public static final long MAX_PHOTO_BYTES = 32L << 20;

    /** One photo and whose it is. */
    public record Photo(String person, Path path) {}

    private LabelledFaces() {}

    /** The photos under {@code dir}, people and files in name order; fails with a reason a user can act on. */
    public static List<Photo> scan(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a folder (expected one sub-folder of photos per person)");
        }
        List<Photo> photos = new ArrayList<>();
        int peopleWithTwo = 0, people = 0;
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                List<Path> files;
                try (Stream<Path> entries = Files.list(folder)) {
                    files = entries.filter(Files::isRegularFile).filter(LabelledFaces::isImage).sorted().toList();
                }
                if (files.isEmpty()) {
                    continue;
                }
                people++;
                peopleWithTwo += files.size() >= 2 ? 1 : 0;
                for (Path file : files) {
                    if (Files.size(file) > MAX_PHOTO_BYTES) {
                        throw new IllegalArgumentException(file + " is over " + (MAX_PHOTO_BYTES >> 20) + " MiB");
                    }
                    photos.add(new Photo(folder.getFileName().toString(), file));
                }
                if (photos.size() > MAX_PHOTOS) {
                    throw new IllegalArgumentException(dir + " holds over " + MAX_PHOTOS + " photos; use a sample of them");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        if (people < 2 || peopleWithTwo < 1) {
            throw new IllegalArgumentException(dir + " needs photos of at least two people, and two photos of at least one of "
                    + "them, one sub-folder per person (found " + people + " people, " + peopleWithTwo + " with two photos or more)");
        }
        return photos;
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }
}
