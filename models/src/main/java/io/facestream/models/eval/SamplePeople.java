package io.facestream.models.eval;

import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_core.flip;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.FaceBox;
import io.facestream.models.image.ImageCodec;
import io.facestream.models.image.InvalidImageException;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * The labelled faces this project can ship without committing a photo: the faces of the six group photos
 * pinned by sha256 in {@code photos.json} (fetched through the model store). No npm package we found ships
 * several photos per person, so each person's "photos" are six shots made from their one: two framings, a
 * mirror, darker and brighter exposures and a small turn; such genuine pairs are easier than two real photos
 * of a person. The photos come from one photographer's set and repeat some people: labelled by looking at
 * them, one woman is in sample1 and sample3 (her two photos give real cross-photo genuine pairs), and two
 * more faces look like faces of other photos without certainty, so they are left out rather than counted
 * as different people. Every other face is its own person. Prefer your own folder of labelled photos
 * ({@code facestream calibrate DIR}) wherever you have one.
 */
public final class SamplePeople {
    /** Bumped when the shots change, so that a folder made by an older version is made again. */
    private static final String VERSION = "2";
    /** A face by its photo and its detector box's centre there, in the photo's pixels (as the shipped detector finds it). */
    private record Place(String photo, int x, int y) {}
    /** Faces judged by eye to be one person: the first's shots go into the second's folder. */
    private static final Map<Place, Place> SAME_PERSON = Map.of(new Place("sample3", 1189, 348), new Place("sample1", 1569, 325));
    /** Faces that look like a face of another photo (sample1 at 931,538; sample4 at 757,191) without certainty. */
    private static final List<Place> LEFT_OUT = List.of(new Place("sample4", 344, 321), new Place("sample6", 1266, 445));

    private SamplePeople() {}

    /** The folder (one sub-folder per face), made under {@code dir} unless it is there already. */
    public static Path materialise(FaceAnalyzer analyzer, Path dir) {
        Path done = dir.resolve(".complete-v" + VERSION);
        if (Files.exists(done)) {
            return dir;
        }
        try {
            Files.createDirectories(dir);
            clear(dir);
            ModelCatalog photos = ModelCatalog.photos();
            Map<String, Path> files = new TreeMap<>(ModelStore.fromEnvironment().resolveAll(photos.fileRefs()));
            for (Map.Entry<String, Path> photo : files.entrySet()) {
                try (Mat rgb = ImageCodec.decodeRgbMat(Files.readAllBytes(photo.getValue()), ImageCodec.DEFAULT_MAX_PIXELS)) {
                    List<DetectedFace> faces = analyzer.analyzeRgb(rgb);
                    for (DetectedFace face : faces) {
                        Place place = new Place(photo.getKey(), Math.round(face.box().centerX()), Math.round(face.box().centerY()));
                        float size = Math.max(face.box().width(), face.box().height());
                        if (LEFT_OUT.stream().anyMatch(p -> near(p, place, size))) {
                            continue;
                        }
                        Place person = SAME_PERSON.entrySet().stream().filter(e -> near(e.getKey(), place, size))
                                .map(Map.Entry::getValue).findFirst().orElse(place);
                        Path folder = dir.resolve(person.photo() + "-at-" + person.x() + "-" + person.y());
                        Files.createDirectories(folder);
                        writeShots(rgb, face.box(), folder, photo.getKey() + "-");
                    }
                }
            }
            Files.writeString(done, "made from " + files.keySet() + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample people under " + dir + ": " + e.getMessage(), e);
        } catch (InvalidImageException e) {
            throw new IllegalStateException("a pinned sample photo does not decode: " + e.getMessage(), e);
        }
    }

    /** Removes what an older or interrupted run made here: its person folders and completion markers. */
    private static void clear(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.filter(e -> e.getFileName().toString().matches("sample\\d.*|\\.complete-v.*")).toList()) {
                try (Stream<Path> tree = Files.walk(entry)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    /** The same face, within a quarter of its size: labels survive small changes of the detector's boxes. */
    private static boolean near(Place labelled, Place found, float size) {
        return labelled.photo().equals(found.photo()) && Math.hypot(labelled.x() - found.x(), labelled.y() - found.y()) < size / 4;
    }

    private static void writeShots(Mat photo, FaceBox box, Path person, String prefix) throws IOException {
        float size = Math.max(box.width(), box.height());
        try (Mat wide = cut(photo, box.centerX(), box.centerY(), 2.0f * size);
                Mat close = cut(photo, box.centerX() + 0.15f * size, box.centerY() + 0.1f * size, 1.5f * size);
                Mat mirrored = new Mat(); Mat darker = new Mat(); Mat brighter = new Mat();
                Mat turned = Degradation.TURNED.apply(wide, size, 0)) {
            flip(wide, mirrored, 1);
            wide.convertTo(darker, -1, 0.65, 0);
            wide.convertTo(brighter, -1, 1.25, 15);
            write(person.resolve(prefix + "1-wide.jpg"), wide);
            write(person.resolve(prefix + "2-close.jpg"), close);
            write(person.resolve(prefix + "3-mirrored.jpg"), mirrored);
            write(person.resolve(prefix + "4-darker.jpg"), darker);
            write(person.resolve(prefix + "5-brighter.jpg"), brighter);
            write(person.resolve(prefix + "6-turned.jpg"), turned);
        }
    }

    /** A square of {@code side} around (cx, cy), the photo's edge pixels repeated where it leaves the photo. */
    private static Mat cut(Mat photo, float cx, float cy, float side) {
        int s = Math.round(side);
        int pad = s;
        try (Mat padded = new Mat(); Scalar unused = new Scalar(0, 0, 0, 0)) {
            copyMakeBorder(photo, padded, pad, pad, pad, pad, BORDER_REPLICATE, unused);
            int x = Math.round(cx - side / 2) + pad, y = Math.round(cy - side / 2) + pad;
            try (Rect rect = new Rect(x, y, s, s); Mat view = new Mat(padded, rect)) {
                return view.clone();
            }
        }
    }

    private static void write(Path file, Mat rgb) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, ImageCodec.encodeJpeg(rgb, 95));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
