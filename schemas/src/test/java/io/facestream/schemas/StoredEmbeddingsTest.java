package io.facestream.schemas;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackAppearance;
import io.facestream.schemas.avro.state.TrackResolution;
import io.facestream.schemas.registry.RegistryFixture;
import io.facestream.schemas.registry.TestRegistry;
import io.facestream.schemas.serde.AvroSerde;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The internal records that moved their embeddings to float32 bytes (Identity with its Exemplars, Face, TrackResolution
 * through Exemplar, the embedding stage's TrackAppearance and its FaceEmbedding, with ResolutionInput, the hop that now
 * carries the crop) still read what the versions before wrote: the schemas of those versions are kept as test resources
 * (as the build before the change generated them), checked against the new ones by the registry's BACKWARD rule, and
 * records written with them are read through the serde.
 */
class StoredEmbeddingsTest {
    private static final String OLD = "/schemas-before-f32/";
    @RegisterExtension
    static final TestRegistry REGISTRY = new TestRegistry();

    private static Schema old(String name) throws Exception {
        try (InputStream in = StoredEmbeddingsTest.class.getResourceAsStream(OLD + name + ".avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void theRegistryAcceptsTheNewSchemasAfterTheOldOnes() throws Exception {
        Map<String, Schema> now = Map.of("Identity", Identity.getClassSchema(), "Face", Face.getClassSchema(),
                "TrackResolution", TrackResolution.getClassSchema(), "TrackAppearance", TrackAppearance.getClassSchema(),
                "FaceEmbedding", FaceEmbedding.getClassSchema(), "ResolutionInput", ResolutionInput.getClassSchema());
        for (var e : now.entrySet()) {
            String subject = "f32-" + e.getKey() + "-" + UUID.randomUUID() + "-value";
            REGISTRY.client().register(subject, old(e.getKey()));
            assertThat(REGISTRY.client().isCompatible(subject, e.getValue())).as(e.getKey()).isTrue();
            assertThat(REGISTRY.client().register(subject, e.getValue())).as(e.getKey()).isPositive();
        }
        // the check bites: the same new Identity with centroid_f32 lacking its default cannot read old records
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : Identity.getClassSchema().getFields()) {
            fields.add(f.name().equals("centroid_f32") ? new Schema.Field(f.name(), f.schema(), f.doc()) : new Schema.Field(f, f.schema()));
        }
        Schema noDefault = Schema.createRecord("Identity", null, "io.facestream.schemas.avro", false, fields);
        String subject = "f32-no-default-" + UUID.randomUUID() + "-value";
        REGISTRY.client().register(subject, old("Identity"));
        assertThat(REGISTRY.client().isCompatible(subject, noDefault)).isFalse();
    }

    @Test
    void anIdentityWrittenWithTheOldSchemaReadsItsCentroidAndExemplars() throws Exception {
        Schema old = old("Identity");
        float[] centroid = vector(1);
        float[] exemplar = vector(2);
        Schema exemplarSchema = old.getField("exemplars").schema().getElementType();
        GenericRecord e = new GenericRecordBuilder(exemplarSchema).set("face_id", "f-1").set("embedding", list(exemplar)).set("quality", 0.8f).build();
        GenericRecord identity = new GenericRecordBuilder(old).set("identity_id", "id-1")
                .set("status", new GenericData.EnumSymbol(old.getField("status").schema(), "ACTIVE")).set("source", "auto")
                .set("centroid", list(centroid)).set("exemplars", List.of(e)).set("rejected", List.of(e))
                .set("face_count", 1).set("sighting_count", 1).set("first_seen", 10L).set("last_seen", 20L)
                .set("created_at", 10L).set("updated_at", 20L).build();

        Identity read = AvroSerde.forValues(REGISTRY.client(), Identity.class).deserialize("t", written(old, identity));
        assertThat(read.getCentroidF32()).as("an old record has no bytes").isNull();
        assertThat(StoredEmbeddings.centroidOf(read)).containsExactly(centroid);
        assertThat(StoredEmbeddings.hasCentroid(read)).isTrue();
        assertThat(StoredEmbeddings.of(read.getExemplars().get(0))).containsExactly(exemplar);
        assertThat(StoredEmbeddings.of(read.getRejected().get(0))).containsExactly(exemplar);
        assertThat(StoredEmbeddings.dimension(read.getExemplars().get(0))).isEqualTo(exemplar.length);
        assertThat(read.getStatus()).isEqualTo(IdentityStatus.ACTIVE);
    }

    @Test
    void aFaceWrittenWithTheOldSchemaReadsItsEmbedding() throws Exception {
        Schema old = old("Face");
        float[] embedding = vector(3);
        Schema bbox = old.getField("bbox").schema();
        GenericRecord face = new GenericRecordBuilder(old).set("face_id", "cam:1:0").set("source_id", "cam")
                .set("source_kind", new GenericData.EnumSymbol(old.getField("source_kind").schema(), "CAMERA"))
                .set("frame_number", 1L).set("timestamp", 5L)
                .set("bbox", new GenericRecordBuilder(bbox).set("x", 1f).set("y", 2f).set("width", 30f).set("height", 40f).build())
                .set("detection_score", 0.9f).set("quality", 0.7f).set("similarity", 0.5f).set("model_id", "m")
                .set("embedding", list(embedding)).build();

        Face read = AvroSerde.forValues(REGISTRY.client(), Face.class).deserialize("t", written(old, face));
        assertThat(StoredEmbeddings.of(read)).containsExactly(embedding);
        assertThat(StoredEmbeddings.asList(read)).containsExactlyElementsOf(list(embedding));
        assertThat(StoredEmbeddings.exemplar(read).getEmbeddingF32()).as("an old face's exemplar is written in the new form").isNotNull();
        assertThat(StoredEmbeddings.of(StoredEmbeddings.exemplar(read))).containsExactly(embedding);
    }

    @Test
    void aTrackAppearanceWrittenWithTheOldSchemaReadsItsRecentFacesAndANewOneKeepsThemAsBytes() throws Exception {
        Schema old = old("TrackAppearance");
        float[] a = vector(5), b = vector(6);
        GenericRecord appearance = new GenericRecordBuilder(old).set("track_id", "cam:t1.0").set("recent", List.of(list(a), list(b)))
                .set("split_frame", null).build();

        AvroSerde<TrackAppearance> serde = AvroSerde.forValues(REGISTRY.client(), TrackAppearance.class);
        TrackAppearance read = serde.deserialize("t", written(old, appearance));
        assertThat(StoredEmbeddings.recentOf(read)).hasSize(2);
        assertThat(StoredEmbeddings.recentOf(read).get(0)).containsExactly(a);
        assertThat(StoredEmbeddings.recentOf(read).get(1)).containsExactly(b);

        TrackAppearance first = StoredEmbeddings.withRecent(TrackAppearance.newBuilder().setTrackId("cam:t1.0").setSplitFrame(null),
                null, a, 4).build();
        TrackAppearance now = StoredEmbeddings.withRecent(TrackAppearance.newBuilder().setTrackId("cam:t1.0").setSplitFrame(null),
                first, b, 4).build();
        TrackAppearance back = serde.deserialize("appearance", serde.serialize("appearance", now));
        assertThat(back.getRecent()).as("the old array is written empty").isEmpty();
        assertThat(StoredEmbeddings.recentOf(back).get(0)).containsExactly(a);
        assertThat(StoredEmbeddings.recentOf(back).get(1)).containsExactly(b);

        // a face appended to an old record: its arrays become bytes, the oldest beyond the bound dropped
        float[] c = vector(7);
        TrackAppearance appended = StoredEmbeddings.withRecent(TrackAppearance.newBuilder().setTrackId("cam:t1.0").setSplitFrame(null),
                read, c, 2).build();
        assertThat(appended.getRecent()).isEmpty();
        assertThat(StoredEmbeddings.recentOf(appended)).hasSize(2);
        assertThat(StoredEmbeddings.recentOf(appended).get(0)).containsExactly(b);
        assertThat(StoredEmbeddings.recentOf(appended).get(1)).containsExactly(c);
    }

    @Test
    void aFaceEmbeddingOnTheHopWrittenWithTheOldSchemaReadsItsEmbeddingAndCropAndANewOneCarriesThemOnce() throws Exception {
        Schema old = old("ResolutionInput");
        Schema oldEmbedding = old.getField("embedding").schema().getTypes().get(1);
        float[] v = vector(8);
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, (byte) 0xFF, (byte) 0xD9};
        GenericRecord embedding = new GenericRecordBuilder(oldEmbedding).set("crop_id", "cam:1:0").set("source_id", "cam")
                .set("track_id", "cam:t1.0").set("timestamp", 5L).set("model_id", "m").set("embedding", list(v)).set("quality", 0.7f)
                .set("crop_jpeg", ByteBuffer.wrap(jpeg)).build();
        GenericRecord input = new GenericRecordBuilder(old).set("event", null).set("embedding", embedding).build();

        AvroSerde<ResolutionInput> serde = AvroSerde.forValues(REGISTRY.client(), ResolutionInput.class);
        ResolutionInput read = serde.deserialize("t", written(old, input));
        assertThat(read.getCropJpeg()).as("an old record has its crop inside the embedding").isNull();
        assertThat(read.getEmbedding().getCropJpeg()).isEqualTo(ByteBuffer.wrap(jpeg));
        assertThat(StoredEmbeddings.of(read.getEmbedding())).containsExactly(v);
        assertThat(StoredEmbeddings.of(StoredEmbeddings.exemplar("cam:1:0", StoredEmbeddings.f32Of(read.getEmbedding()), 0.7f)))
                .as("an old record's array becomes bytes once").containsExactly(v);

        // as the embedding stage writes it now: float32 bytes, the old array empty, the crop beside the embedding only
        FaceEmbedding now = StoredEmbeddings.withEmbedding(FaceEmbedding.newBuilder().setCropId("cam:1:0").setSourceId("cam")
                .setTrackId("cam:t1.0").setTimestamp(Instant.ofEpochMilli(5)).setModelId("m").setQuality(0.7f), v).build();
        ResolutionInput back = serde.deserialize("hop", serde.serialize("hop",
                ResolutionInput.newBuilder().setEmbedding(now).setCropJpeg(ByteBuffer.wrap(jpeg)).build()));
        assertThat(back.getEmbedding().getEmbedding()).as("the old array is written empty").isEmpty();
        assertThat(back.getEmbedding().getCropJpeg()).isNull();
        assertThat(back.getCropJpeg()).isEqualTo(ByteBuffer.wrap(jpeg));
        assertThat(StoredEmbeddings.of(back.getEmbedding())).containsExactly(v);
        assertThat(StoredEmbeddings.f32Of(back.getEmbedding())).as("shared as it came, not encoded again")
                .isSameAs(back.getEmbedding().getEmbeddingF32());

        // and a reader still on the old FaceEmbedding schema (a consumer of face-embeddings) reads it: no vector, no crop
        AvroSerde<FaceEmbedding> embeddings = AvroSerde.forValues(REGISTRY.client(), FaceEmbedding.class);
        byte[] wire = embeddings.serialize("face-embeddings-" + UUID.randomUUID(), now);
        GenericRecord asOld = new GenericDatumReader<GenericRecord>(FaceEmbedding.getClassSchema(), old("FaceEmbedding"))
                .read(null, DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null)); // past magic byte and schema id
        assertThat((List<?>) asOld.get("embedding")).isEmpty();
        assertThat(asOld.get("crop_jpeg")).isNull();
        assertThat(asOld.get("crop_id").toString()).isEqualTo("cam:1:0");
    }

    @Test
    void newRecordsKeepEveryBitAndLeaveTheOldArraysEmpty() {
        float[] v = vector(4);
        v[0] = -0.0f;
        v[1] = Float.MIN_VALUE;
        v[2] = -1f;
        ByteBuffer f32 = StoredEmbeddings.encode(v);
        Face face = StoredEmbeddings.withEmbedding(Face.newBuilder().setFaceId("cam:1:0").setSourceId("cam").setSourceKind(SourceKind.CAMERA)
                .setFrameNumber(1).setTimestamp(Instant.ofEpochMilli(5)).setBbox(new BoundingBox(1f, 2f, 3f, 4f))
                .setDetectionScore(0.9f).setQuality(0.7f).setSimilarity(0.5f).setModelId("m"), f32).build();
        Identity identity = StoredEmbeddings.withCentroid(Identity.newBuilder().setIdentityId("id").setStatus(IdentityStatus.PENDING)
                .setSource("auto").setExemplars(List.of(StoredEmbeddings.exemplar(face))).setFaceCount(1).setSightingCount(1)
                .setFirstSeen(Instant.EPOCH).setLastSeen(Instant.EPOCH).setCreatedAt(Instant.EPOCH).setUpdatedAt(Instant.EPOCH), v).build();

        Face faceBack = AvroSerde.forValues(REGISTRY.client(), Face.class).deserialize("faces", AvroSerde.forValues(REGISTRY.client(), Face.class).serialize("faces", face));
        Identity identityBack = AvroSerde.forValues(REGISTRY.client(), Identity.class)
                .deserialize("identities", AvroSerde.forValues(REGISTRY.client(), Identity.class).serialize("identities", identity));
        for (float[] back : List.of(StoredEmbeddings.of(faceBack), StoredEmbeddings.centroidOf(identityBack),
                StoredEmbeddings.of(identityBack.getExemplars().get(0)))) {
            assertThat(back).hasSize(v.length);
            for (int i = 0; i < v.length; i++) assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(v[i]));
        }
        assertThat(faceBack.getEmbedding()).isEmpty();
        assertThat(identityBack.getCentroid()).isEmpty();
        assertThat(identityBack.getExemplars().get(0).getEmbedding()).isEmpty();
        assertThat(f32.position()).as("reading leaves the shared buffer as it was").isZero();
        assertThat(StoredEmbeddings.encode(new float[0])).as("no vector, no bytes").isNull();
        assertThat(StoredEmbeddings.hasCentroid(Identity.newBuilder(identityBack).setCentroidF32(null).build())).isFalse();
    }

    @Test
    void bytesThatAreNotFloat32ValuesAreRefused() {
        assertThatThrownBy(() -> StoredEmbeddings.decode(ByteBuffer.wrap(new byte[7]), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 bytes");
        assertThatThrownBy(() -> StoredEmbeddings.decode(ByteBuffer.allocate(4 * (StoredEmbeddings.MAX_DIMENSION + 1)), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredEmbeddings.encode(new float[StoredEmbeddings.MAX_DIMENSION + 1])).isInstanceOf(IllegalArgumentException.class);
    }

    /** The Confluent wire format of {@code record} under {@code schema}, registered as a version of its own subject. */
    private static byte[] written(Schema schema, GenericRecord record) throws Exception {
        return RegistryFixture.written(REGISTRY.client(), "old-" + UUID.randomUUID() + "-value", schema, record);
    }

    private static float[] vector(long seed) {
        Random random = new Random(seed);
        float[] v = new float[512];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    private static List<Float> list(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) out.add(x);
        return out;
    }
}
