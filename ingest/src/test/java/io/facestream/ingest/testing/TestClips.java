package io.facestream.ingest.testing;

import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/** Small generated videos for tests that need frames but no faces. */
public final class TestClips {

    public static BufferedImage square(Color color) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        return img;
    }

    /** 30 fps, a red 64x64 square centred at (width/4, height/4) for the whole clip. */
    public static Path redSquare(Path dir, String name, int width, int height, int frames) throws Exception {
        Path file = dir.resolve(name);
        SceneVideoWriter.write(file, width, height, 30, frames,
                List.of(new Sprite(square(Color.RED), 0, frames - 1, width / 4.0, height / 4.0, width / 4.0, height / 4.0, 64, 64)));
        return file;
    }

    private TestClips() {
    }
}
