package io.facestream.topologies.tracking;

/** An axis-aligned box in frame pixels: left, top, width, height. */
public record Box(double x, double y, double width, double height) {

    public double centerX() {
        return x + width / 2;
    }

    public double centerY() {
        return y + height / 2;
    }

    public static Box fromCenter(double cx, double cy, double w, double h) {
        return new Box(cx - w / 2, cy - h / 2, Math.max(0, w), Math.max(0, h));
    }

    /** Intersection over union, 0..1. */
    public double iou(Box o) {
        double ix = Math.max(0, Math.min(x + width, o.x + o.width) - Math.max(x, o.x));
        double iy = Math.max(0, Math.min(y + height, o.y + o.height) - Math.max(y, o.y));
        double inter = ix * iy;
        double union = width * height + o.width * o.height - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
