package io.facestream.models;

/** An axis-aligned box in source-image pixels, corners (x1, y1) top-left and (x2, y2) bottom-right. */
public record FaceBox(float x1, float y1, float x2, float y2) {
    public float width() {
        return x2 - x1;
    }

    public float height() {
        return y2 - y1;
    }

    public float area() {
        return Math.max(0, width()) * Math.max(0, height());
    }

    public float centerX() {
        return (x1 + x2) / 2;
    }

    public float centerY() {
        return (y1 + y2) / 2;
    }

    /** Intersection over union, 0 for disjoint boxes. */
    public float iou(FaceBox other) {
        float iw = Math.min(x2, other.x2) - Math.max(x1, other.x1);
        float ih = Math.min(y2, other.y2) - Math.max(y1, other.y1);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        float inter = iw * ih;
        return inter / (area() + other.area() - inter);
    }

    public FaceBox translate(float dx, float dy) {
        return new FaceBox(x1 + dx, y1 + dy, x2 + dx, y2 + dy);
    }
}
