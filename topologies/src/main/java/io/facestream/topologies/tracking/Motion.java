package io.facestream.topologies.tracking;

import org.apache.commons.math3.filter.DefaultMeasurementModel;
import org.apache.commons.math3.filter.DefaultProcessModel;
import org.apache.commons.math3.filter.KalmanFilter;

/**
 * A track's motion: a constant-velocity Kalman filter over the box centre and size
 * (state cx, cy, w, h and their velocities per second), as SORT and ByteTrack model it.
 * Kept as plain arrays so it can live in a state store; the filter is rebuilt from them
 * for each step (Commons Math's KalmanFilter holds no other state).
 *
 * @param state      cx, cy, w, h, vcx, vcy, vw, vh
 * @param covariance 8x8 error covariance
 * @param atMillis   event time the state refers to
 */
public record Motion(double[] state, double[][] covariance, long atMillis) {
    private static final int N = 8;
    private static final double[][] H = new double[4][N];
    /** No control input; Commons Math wants a matrix all the same. */
    private static final double[][] NO_CONTROL = new double[N][1];

    static {
        for (int i = 0; i < 4; i++) H[i][i] = 1;
    }

    /** A new track's motion, at rest, unsure about its velocity. */
    public static Motion start(Box box, long atMillis) {
        double size = Math.max(box.width(), box.height());
        double[][] p = new double[N][N];
        for (int i = 0; i < 4; i++) p[i][i] = sq(0.1 * size);
        for (int i = 4; i < N; i++) p[i][i] = sq(1.0 * size); // a face may move a body length a second
        return new Motion(new double[]{box.centerX(), box.centerY(), box.width(), box.height(), 0, 0, 0, 0}, p, atMillis);
    }

    /** Where the box is expected at {@code millis}. */
    public Box predict(long millis) {
        KalmanFilter filter = filter(millis);
        filter.predict();
        double[] s = filter.getStateEstimation();
        return Box.fromCenter(s[0], s[1], s[2], s[3]);
    }

    /** The motion after observing {@code box} at {@code millis}. */
    public Motion update(Box box, long millis) {
        KalmanFilter filter = filter(millis);
        filter.predict();
        filter.correct(new double[]{box.centerX(), box.centerY(), box.width(), box.height()});
        return new Motion(filter.getStateEstimation(), filter.getErrorCovariance(), millis);
    }

    private KalmanFilter filter(long millis) {
        double dt = Math.max(0, (millis - atMillis) / 1000.0);
        double size = Math.max(state[2], state[3]);
        double[][] a = new double[N][N];
        double[][] q = new double[N][N];
        for (int i = 0; i < N; i++) a[i][i] = 1;
        for (int i = 0; i < 4; i++) {
            a[i][i + 4] = dt;
            q[i][i] = sq(0.05 * size) * Math.max(dt, 1e-3);
            q[i + 4][i + 4] = sq(0.5 * size) * Math.max(dt, 1e-3);
        }
        double[][] r = new double[4][4];
        for (int i = 0; i < 4; i++) r[i][i] = sq(0.05 * size); // detector jitter: ~5 % of the face size
        return new KalmanFilter(new DefaultProcessModel(a, NO_CONTROL, q, state, covariance), new DefaultMeasurementModel(H, r));
    }

    private static double sq(double v) {
        return v * v;
    }
}
