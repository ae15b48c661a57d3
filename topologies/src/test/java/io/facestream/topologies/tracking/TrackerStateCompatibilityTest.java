package io.facestream.topologies.tracking;

import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.state.TrackObservation;
import io.facestream.schemas.avro.state.TrackSnapshot;
import io.facestream.schemas.avro.state.TrackerState;
import io.facestream.topologies.tracking.Tracker.Detection;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tracker's state keeps its numbers as bytes ({@link TrackSnapshots}) and still reads what the build before wrote:
 * that schema is kept as a test resource (as the build before generated it), checked against the new one by Avro's
 * reader/writer rule (the registry's BACKWARD check), and a state written with it restores a tracker that goes on exactly
 * as the tracker that wrote it.
 */
class TrackerStateCompatibilityTest {
    private static final long T0 = 1_000_000;

    private static Schema before() throws Exception {
        try (InputStream in = TrackerStateCompatibilityTest.class.getResourceAsStream("/schemas-before-packed/TrackerState.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void theNewSchemaReadsTheOldOneAndTheCheckBites() throws Exception {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(TrackerState.getClassSchema(), before()).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        // the same new schema with box_motion_f64 lacking its default cannot read old records
        String withoutDefault = TrackerState.getClassSchema().toString()
                .replaceFirst("(\\{\"name\":\"box_motion_f64\",\"type\":\"bytes\",\"doc\":\"[^\"]*\"),\"default\":\"\"", "$1");
        Schema noDefault = new Schema.Parser().parse(withoutDefault);
        assertThat(noDefault.getField("tracks").schema().getElementType().getField("box_motion_f64").hasDefaultValue()).isFalse();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(noDefault, before()).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void aStateWrittenInTheOldFormRestoresATrackerThatGoesOnAsTheOneThatWroteIt() throws Exception {
        Tracker original = new Tracker("cam", TrackerSettings.defaults());
        feed(original, 0, 20);
        TrackerState now = state(original.snapshot());
        TrackerState asBefore = state(original.snapshot().stream().map(TrackerStateCompatibilityTest::asBefore).toList());

        TrackerState read = read(before(), writtenWithOldSchema(asBefore));
        assertThat(read.getTracks()).hasSize(2).allSatisfy(t -> {
            assertThat(t.getBoxMotionF64().hasRemaining()).as("an old record has no bytes").isFalse();
            assertThat(t.getRecentNumbers().hasRemaining()).isFalse();
            assertThat(t.getRecent()).isNotEmpty();
        });
        Tracker restored = Tracker.restore("cam", TrackerSettings.defaults(), read.getTracks());
        assertThat(restored.snapshot()).as("every number as it was, in the new form").isEqualTo(now.getTracks());

        // both go on alike, through a split that moves remembered faces (frame 12 on) to a new track
        List<String> a = feed(original, 20, 40), b = feed(restored, 20, 40);
        assertThat(b).isEqualTo(a).contains("ENDED cam:t0.0 0-11").anyMatch(e -> e.startsWith("STARTED cam:t12.0 12-"));
        assertThat(restored.snapshot()).isEqualTo(original.snapshot());
    }

    @Test
    void aNewStateKeepsEveryBitAndLeavesTheOldFieldsEmpty() throws Exception {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        feed(tracker, 0, 20);
        TrackerState state = state(tracker.snapshot());
        TrackerState back = read(TrackerState.getClassSchema(), written(state));
        assertThat(back).isEqualTo(state);
        assertThat(back.getTracks()).allSatisfy(t -> {
            assertThat(t.getBox()).isEmpty();
            assertThat(t.getMotionState()).isEmpty();
            assertThat(t.getMotionCovariance()).isEmpty();
            assertThat(t.getRecent()).isEmpty();
            assertThat(t.getBoxMotionF64().remaining()).isEqualTo(TrackSnapshots.BOX_MOTION_VALUES * Double.BYTES);
            assertThat(t.getRecentNumbers().remaining()).isEqualTo(t.getRecentCropIds().size() * TrackSnapshots.RECENT_FACE_BYTES);
        });
        TrackSnapshots.Numbers numbers = TrackSnapshots.read(back.getTracks().get(0), 256);
        Tracker.Track live = tracker.liveTracks().get(0);
        assertThat(numbers.box()).isEqualTo(live.box());
        assertThat(numbers.recent()).hasSize(20).first().satisfies(f -> assertThat(f.cropId()).isEqualTo("cam:0:0"));
        assertThat(numbers.recent().getLast().frameRef()).isEqualTo("frames/cam:19");
        assertThat(Tracker.restore("cam", TrackerSettings.defaults(), back.getTracks()).snapshot()).isEqualTo(tracker.snapshot());
    }

    @Test
    void numbersThatDoNotFitTheirFieldsAreRefused() {
        Tracker tracker = new Tracker("cam", TrackerSettings.defaults());
        feed(tracker, 0, 5);
        TrackSnapshot good = tracker.snapshot().get(0);
        TrackSnapshot shortMotion = TrackSnapshot.newBuilder(good).setBoxMotionF64(ByteBuffer.allocate(7)).build();
        assertThatThrownBy(() -> Tracker.restore("cam", TrackerSettings.defaults(), List.of(shortMotion)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 bytes");
        TrackSnapshot idsMissing = TrackSnapshot.newBuilder(good).setRecentCropIds(good.getRecentCropIds().subList(1, 5)).build();
        assertThatThrownBy(() -> Tracker.restore("cam", TrackerSettings.defaults(), List.of(idsMissing)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 crop ids");
        TrackSnapshot tooMany = TrackSnapshot.newBuilder(good).setRecentNumbers(ByteBuffer.allocate(257 * TrackSnapshots.RECENT_FACE_BYTES))
                .setRecentCropIds(java.util.Collections.nCopies(257, "cam:0:0")).setRecentFrameRefs(java.util.Collections.nCopies(257, null))
                .build();
        assertThatThrownBy(() -> Tracker.restore("cam", TrackerSettings.defaults(), List.of(tooMany))).isInstanceOf(IllegalArgumentException.class);
        TrackSnapshot neither = TrackSnapshot.newBuilder(good).setBoxMotionF64(ByteBuffer.allocate(0)).build();
        assertThatThrownBy(() -> Tracker.restore("cam", TrackerSettings.defaults(), List.of(neither)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither");
    }

    /**
     * Frames {@code from} to {@code to} (exclusive) at 10 fps: one face still at (100, 100), another walking right; the
     * still face is someone else's from frame 12 on (a split reported at frame 25). The events, as text.
     */
    private static List<String> feed(Tracker tracker, int from, int to) {
        List<String> events = new ArrayList<>();
        for (int f = from; f < to; f++) {
            long time = T0 + f * 100L;
            List<Detection> faces = List.of(
                    new Detection("cam:" + f + ":0", f, time, new Box(100, 100, 80, 80), 0.95, f < 12 ? 0.6 : 0.9, "frames/cam:" + f),
                    new Detection("cam:" + f + ":1", f, time, new Box(300 + 7.25 * f, 120 + 0.5 * f, 60, 64), 0.9, 0.5, "frames/cam:" + f));
            Map<String, Long> splits = f == 25 ? Map.of("cam:t0.0", 12L) : Map.of();
            tracker.onFrame(time, faces, false, splits).events().forEach(e -> events.add(e.type() + " " + e.track().id() + " "
                    + e.track().firstFrame() + "-" + e.track().lastFrame() + (e.type() == Tracker.EventType.UPDATED ? " " + e.track().box() : "")));
        }
        return events;
    }

    private static TrackerState state(List<TrackSnapshot> tracks) {
        return TrackerState.newBuilder().setSourceId("cam").setSourceKind(SourceKind.CAMERA).setCameraId("cam").setFileId(null)
                .setLastFrame(19).setLastTime(T0 + 1900).setTracks(tracks).build();
    }

    /** A track as the build before wrote it: every number in the boxed arrays, the faces as records. */
    private static TrackSnapshot asBefore(TrackSnapshot s) {
        TrackSnapshots.Numbers n = TrackSnapshots.read(s, 256);
        List<Double> covariance = new ArrayList<>();
        for (double[] row : n.motion().covariance()) for (double v : row) covariance.add(v);
        List<TrackObservation> recent = n.recent().stream().map(f -> new TrackObservation(f.cropId(), f.frame(), f.time(),
                List.of(f.box().x(), f.box().y(), f.box().width(), f.box().height()), f.quality(), f.frameRef())).toList();
        return TrackSnapshot.newBuilder(s).setBox(List.of(n.box().x(), n.box().y(), n.box().width(), n.box().height()))
                .setMotionState(java.util.Arrays.stream(n.motion().state()).boxed().toList()).setMotionCovariance(covariance)
                .setRecent(recent).setBoxMotionF64(ByteBuffer.allocate(0)).setRecentNumbers(ByteBuffer.allocate(0))
                .setRecentCropIds(List.of()).setRecentFrameRefs(List.of()).build();
    }

    /** {@code state} in the old schema's binary form: what the build before wrote into the store's changelog. */
    private static byte[] writtenWithOldSchema(TrackerState state) throws Exception {
        Schema old = before();
        GenericRecord asOld = new GenericDatumReader<GenericRecord>(TrackerState.getClassSchema(), old)
                .read(null, DecoderFactory.get().binaryDecoder(written(state), null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(old).write(asOld, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] written(TrackerState state) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(TrackerState.class).write(state, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** What the store's serde does with a record: Avro's resolution from the writer's schema (from the registry) to this one. */
    private static TrackerState read(Schema writer, byte[] bytes) throws Exception {
        return new SpecificDatumReader<TrackerState>(writer, TrackerState.getClassSchema()).read(null,
                DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
