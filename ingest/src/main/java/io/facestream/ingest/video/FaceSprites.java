package io.facestream.ingest.video;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.store.ModelCatalog;
import io.facestream.models.store.ModelStore;

import javax.imageio.ImageIO;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Faces cut out of the group photos an npm package ships (pinned and checked by the
 * model store), to compose test and benchmark videos with real faces in them.
 */
public final class FaceSprites {

    /** The {@code count} largest faces of photo {@code photoId}, each with a margin around it. */
    public static List<BufferedImage> fromPhoto(FaceAnalyzer analyzer, String photoId, int count) throws Exception {
        Path photo = ModelStore.fromEnvironment().resolve(ModelCatalog.photos().fileRef(photoId));
        BufferedImage image = ImageIO.read(photo.toFile());
        List<DetectedFace> found = new ArrayList<>(analyzer.analyze(Files.readAllBytes(photo)));
        if (found.size() < count) throw new IllegalStateException(photoId + " has " + found.size() + " faces, not " + count);
        found.sort(Comparator.comparingDouble((DetectedFace f) -> f.box().area()).reversed());
        List<BufferedImage> sprites = new ArrayList<>();
        for (DetectedFace f : found.subList(0, count)) {
            float margin = 0.6f * f.box().width();
            int x = (int) Math.max(0, f.box().x1() - margin), y = (int) Math.max(0, f.box().y1() - margin);
            int w = (int) Math.min(image.getWidth() - x, f.box().width() + 2 * margin);
            int h = (int) Math.min(image.getHeight() - y, f.box().height() + 2 * margin);
            sprites.add(image.getSubimage(x, y, w, h));
        }
        return sprites;
    }

    /**
     * The picture shrunk to {@code width} pixels and blurred {@code passes} times by a 3x3 Gaussian (sigma about 0.85
     * each): a face far from the camera, out of focus.
     */
    public static BufferedImage smallAndSoft(BufferedImage image, int width, int passes) {
        int height = Math.round((float) image.getHeight() * width / image.getWidth());
        BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        var g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        float[] k = {1 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 4 / 16f, 2 / 16f, 1 / 16f, 2 / 16f, 1 / 16f};
        BufferedImage soft = small;
        for (int i = 0; i < passes; i++) soft = new ConvolveOp(new Kernel(3, 3, k), ConvolveOp.EDGE_NO_OP, null).filter(soft, null);
        return soft;
    }

    private FaceSprites() {
    }
}
