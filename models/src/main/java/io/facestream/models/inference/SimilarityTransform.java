package io.facestream.models.inference;

import io.facestream.models.Point;
import java.util.List;

/**
 * Least-squares 2-D similarity (rotation, uniform scale, translation) mapping source points onto
 * reference points: Umeyama's estimate restricted to proper rotations, which in 2-D has the closed form
 * {@code z = sum(conj(a_i) * b_i) / sum(|a_i|^2)} over centred points taken as complex numbers.
 * Hand-written because OpenCV's estimateAffinePartial2D is a robust (RANSAC/LMEDS) estimator whose result
 * depends on its inlier threshold, and five landmarks need plain least squares, not outlier rejection.
 */
public final class SimilarityTransform {
    /** ArcFace's five reference points for a 112x112 crop: eyes, nose tip, mouth corners. */
    public static final List<Point> ARCFACE_112 = List.of(
            new Point(38.2946f, 51.6963f), new Point(73.5318f, 51.5014f), new Point(56.0252f, 71.7366f),
            new Point(41.5493f, 92.3655f), new Point(70.7299f, 92.2041f));

    private SimilarityTransform() {}

    /**
     * @param matrix   2x3 row-major affine matrix {a, -b, tx, b, a, ty}
     * @param rmsError root-mean-square distance between mapped source and reference points, reference units
     */
    public record Fit(double[] matrix, double rmsError) {
        public double scale() {
            return Math.hypot(matrix[0], matrix[3]);
        }
    }

    public static Fit estimate(List<Point> source, List<Point> reference) {
        int n = source.size();
        if (n < 2 || n != reference.size()) {
            throw new IllegalArgumentException("need at least 2 matching point pairs, got " + n + " and " + reference.size());
        }
        double sx = 0, sy = 0, rx = 0, ry = 0;
        for (int i = 0; i < n; i++) {
            sx += source.get(i).x();
            sy += source.get(i).y();
            rx += reference.get(i).x();
            ry += reference.get(i).y();
        }
        sx /= n;
        sy /= n;
        rx /= n;
        ry /= n;
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < n; i++) {
            double ax = source.get(i).x() - sx, ay = source.get(i).y() - sy;
            double bx = reference.get(i).x() - rx, by = reference.get(i).y() - ry;
            dot += ax * bx + ay * by;
            cross += ax * by - ay * bx;
            norm += ax * ax + ay * ay;
        }
        if (norm == 0) {
            throw new IllegalArgumentException("source points all coincide");
        }
        double a = dot / norm, b = cross / norm;
        double tx = rx - (a * sx - b * sy), ty = ry - (b * sx + a * sy);
        double[] m = {a, -b, tx, b, a, ty};
        double squared = 0;
        for (int i = 0; i < n; i++) {
            Point p = source.get(i), q = reference.get(i);
            double mx = m[0] * p.x() + m[1] * p.y() + m[2] - q.x();
            double my = m[3] * p.x() + m[4] * p.y() + m[5] - q.y();
            squared += mx * mx + my * my;
        }
        return new Fit(m, Math.sqrt(squared / n));
    }
}
