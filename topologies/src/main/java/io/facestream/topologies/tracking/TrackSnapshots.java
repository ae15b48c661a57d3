package io.facestream.topologies.tracking;

import io.facestream.schemas.avro.state.TrackObservation;
import io.facestream.schemas.avro.state.TrackSnapshot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way to write and read the numbers of a live track's snapshot ({@link TrackSnapshot}, in the tracker's store,
 * written on every frame): the box and Kalman filter ({@code box_motion_f64}) and the recent faces
 * ({@code recent_numbers}, with their ids beside) as little-endian bytes, not arrays of boxed doubles and one record per
 * face. Records written before keep them in the old fields, which stay in the schema (written empty) so the new schema
 * reads old records (BACKWARD): the bytes win, the old fields are the fallback.
 */
final class TrackSnapshots {
    /** Box (4), Kalman state (8), covariance (8 x 8). */
    static final int BOX_MOTION_VALUES = 4 + 8 + 64;
    /** Frame and time (int64), box (4) and quality (float64). */
    static final int RECENT_FACE_BYTES = 7 * Long.BYTES;

    /** One face of a track's recent past. */
    record Face(String cropId, long frame, long time, Box box, double quality, String frameRef) {
    }

    /** What the numbers of one snapshot say. */
    record Numbers(Box box, Motion motion, List<Face> recent) {
    }

    static ByteBuffer boxAndMotion(Box box, Motion motion) {
        ByteBuffer out = ByteBuffer.allocate(BOX_MOTION_VALUES * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.putDouble(box.x()).putDouble(box.y()).putDouble(box.width()).putDouble(box.height());
        for (double v : motion.state()) out.putDouble(v);
        for (double[] row : motion.covariance()) for (double v : row) out.putDouble(v);
        return out.flip();
    }

    /** The recent faces' numbers; their ids go beside them ({@link #cropIds}, {@link #frameRefs}). */
    static ByteBuffer recentNumbers(List<Face> recent) {
        ByteBuffer out = ByteBuffer.allocate(recent.size() * RECENT_FACE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Face f : recent) {
            out.putLong(f.frame()).putLong(f.time()).putDouble(f.box().x()).putDouble(f.box().y()).putDouble(f.box().width())
                    .putDouble(f.box().height()).putDouble(f.quality());
        }
        return out.flip();
    }

    static List<String> cropIds(List<Face> recent) {
        List<String> out = new ArrayList<>(recent.size());
        for (Face f : recent) out.add(f.cropId());
        return out;
    }

    static List<String> frameRefs(List<Face> recent) {
        List<String> out = new ArrayList<>(recent.size());
        for (Face f : recent) out.add(f.frameRef());
        return out;
    }

    /**
     * The numbers of {@code s}, from its bytes or, in a record written before them, its old fields.
     *
     * @param maxRecent the most faces a track remembers: a record claiming more is refused as corrupt
     * @throws IllegalArgumentException when the bytes are not what their fields say (a corrupt or foreign record)
     */
    static Numbers read(TrackSnapshot s, int maxRecent) {
        Box box;
        double[] state = new double[8];
        double[][] covariance = new double[8][8];
        ByteBuffer packed = s.getBoxMotionF64();
        if (packed != null && packed.hasRemaining()) {
            if (packed.remaining() != BOX_MOTION_VALUES * Double.BYTES) {
                throw new IllegalArgumentException("track " + s.getId() + ": box_motion_f64 of " + packed.remaining() + " bytes, not "
                        + BOX_MOTION_VALUES * Double.BYTES);
            }
            ByteBuffer b = packed.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            box = new Box(b.getDouble(), b.getDouble(), b.getDouble(), b.getDouble());
            for (int i = 0; i < 8; i++) state[i] = b.getDouble();
            for (int i = 0; i < 64; i++) covariance[i / 8][i % 8] = b.getDouble();
        } else {
            List<Double> oldBox = s.getBox(), oldState = s.getMotionState(), oldCovariance = s.getMotionCovariance();
            if (oldBox.size() != 4 || oldState.size() != 8 || oldCovariance.size() != 64) {
                throw new IllegalArgumentException("track " + s.getId() + ": neither box_motion_f64 nor the arrays before it");
            }
            box = new Box(oldBox.get(0), oldBox.get(1), oldBox.get(2), oldBox.get(3));
            for (int i = 0; i < 8; i++) state[i] = oldState.get(i);
            for (int i = 0; i < 64; i++) covariance[i / 8][i % 8] = oldCovariance.get(i);
        }
        return new Numbers(box, new Motion(state, covariance, s.getMotionAt()), recent(s, maxRecent));
    }

    private static List<Face> recent(TrackSnapshot s, int maxRecent) {
        ByteBuffer numbers = s.getRecentNumbers();
        List<Face> out = new ArrayList<>();
        if (numbers != null && numbers.hasRemaining()) {
            int n = numbers.remaining() / RECENT_FACE_BYTES;
            if (numbers.remaining() % RECENT_FACE_BYTES != 0 || n > maxRecent || s.getRecentCropIds().size() != n
                    || s.getRecentFrameRefs().size() != n) {
                throw new IllegalArgumentException("track " + s.getId() + ": recent_numbers of " + numbers.remaining() + " bytes for "
                        + s.getRecentCropIds().size() + " crop ids and " + s.getRecentFrameRefs().size() + " frame refs");
            }
            ByteBuffer b = numbers.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                long frame = b.getLong(), time = b.getLong();
                Box box = new Box(b.getDouble(), b.getDouble(), b.getDouble(), b.getDouble());
                out.add(new Face(s.getRecentCropIds().get(i), frame, time, box, b.getDouble(), s.getRecentFrameRefs().get(i)));
            }
            return out;
        }
        if (s.getRecent().size() > maxRecent) throw new IllegalArgumentException("track " + s.getId() + ": " + s.getRecent().size() + " recent faces");
        for (TrackObservation o : s.getRecent()) {
            List<Double> b = o.getBox();
            if (b.size() != 4) throw new IllegalArgumentException("track " + s.getId() + ": a recent face's box of " + b.size() + " values");
            out.add(new Face(o.getCropId(), o.getFrame(), o.getTime(), new Box(b.get(0), b.get(1), b.get(2), b.get(3)), o.getQuality(),
                    o.getFrameRef()));
        }
        return out;
    }

    private TrackSnapshots() {
    }
}
