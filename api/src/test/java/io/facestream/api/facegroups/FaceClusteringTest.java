package io.facestream.api.facegroups;

import static org.assertj.core.api.Assertions.assertThat;

import io.facestream.schemas.avro.BoundingBox;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.SourceKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tiled union-find grouping against the definition: connected components of "cosine at least the threshold". */
class FaceClusteringTest {
    private static final int DIM = 512;

    @Test
    void groupsAreTheComponentsOfTheSimilarityGraphAcrossTiles() {
        Random random = new Random(7);
        // 300 faces (several tiles) of 40 people, each face its person's centre plus noise, in shuffled order
        List<Face> faces = new ArrayList<>(facesOfPeople(random, 40, 300));
        faces.add(face("no-embedding", new float[0]));
        for (double threshold : new double[] {0.3, 0.5, 0.55}) {
            List<List<Face>> groups = new FaceClustering().cluster(faces, threshold);
            assertThat(asSets(groups)).as("threshold " + threshold).isEqualTo(asSets(components(faces, threshold)));
            assertThat(groups.stream().mapToInt(List::size).sum()).isEqualTo(300);
            assertThat(groups.size()).as("threshold " + threshold).isGreaterThan(1).isLessThan(300);
        }
    }

    @Test
    void aFaceAlikeToNoOtherIsAGroupOfOneAndNoFacesNoGroups() {
        Random random = new Random(3);
        List<Face> faces = List.of(face("a", unit(gaussian(random))), face("b", unit(gaussian(random))));
        assertThat(new FaceClustering().cluster(faces, 0.5)).hasSize(2);
        assertThat(new FaceClustering().cluster(List.of(), 0.5)).isEmpty();
    }

    @Test
    void aSecondSampleReusesTheSimilaritiesOfTheFacesItSharesWithTheFirstAndGroupsAsAFreshMeasurementDoes() {
        Random random = new Random(11);
        List<float[]> centres = centres(random, 30);
        List<Face> first = faces(random, centres, "f", 200);
        var clustering = new FaceClustering();
        clustering.cluster(first, 0.5);
        assertThat(clustering.lastMeasured()).isEqualTo(200L * 199 / 2);

        // the slider: the same sample at another threshold measures nothing
        assertThat(asSets(clustering.cluster(first, 0.4))).isEqualTo(asSets(components(first, 0.4)));
        assertThat(clustering.lastMeasured()).isZero();

        // a live pipeline: 20 newest faces in front, the 20 oldest gone, one kept id with another vector, order changed
        List<Face> second = new ArrayList<>();
        second.addAll(faces(random, centres, "n", 20));
        for (int i = 0; i < 180; i++) second.add(first.get(179 - i));
        second.set(50, face(second.get(50).getFaceId(), personFace(centres.get(0), random)));
        clustering.cluster(second, 0.5);
        assertThat(clustering.lastMeasured()).as("pairs with one of the 21 new vectors").isEqualTo(200L * 199 / 2 - 179L * 178 / 2);
        for (double threshold : new double[] {0.3, 0.5, 0.55}) {
            assertThat(asSets(clustering.cluster(second, threshold))).as("threshold " + threshold)
                    .isEqualTo(asSets(components(second, threshold)))
                    .isEqualTo(asSets(new FaceClustering().cluster(second, threshold)));
        }
        clustering.cluster(second.subList(0, 199), 0.5);
        assertThat(clustering.lastMeasured()).as("a subset of the last sample").isZero();
    }

    private static List<Face> facesOfPeople(Random random, int people, int faces) {
        return faces(random, centres(random, people), "f", faces);
    }

    private static List<float[]> centres(Random random, int people) {
        List<float[]> centres = new ArrayList<>();
        for (int p = 0; p < people; p++) centres.add(unit(gaussian(random)));
        return centres;
    }

    /** {@code count} faces named {@code prefix + i}, each of a person picked at random. */
    private static List<Face> faces(Random random, List<float[]> centres, String prefix, int count) {
        List<Face> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(face(prefix + i, personFace(centres.get(random.nextInt(centres.size())), random)));
        return out;
    }

    /** The person's centre plus noise: cosine about 0.55 between two faces of one person. */
    private static float[] personFace(float[] centre, Random random) {
        float[] noise = gaussian(random);
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) v[d] = centre[d] + 0.04f * noise[d];
        return unit(v);
    }

    /** Breadth-first search over every pair: the definition, quadratic and plain. */
    private static List<List<Face>> components(List<Face> faces, double threshold) {
        List<Face> embedded = faces.stream().filter(f -> !f.getEmbedding().isEmpty()).toList();
        boolean[] seen = new boolean[embedded.size()];
        List<List<Face>> out = new ArrayList<>();
        for (int s = 0; s < embedded.size(); s++) {
            if (seen[s]) continue;
            List<Face> group = new ArrayList<>();
            ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(s));
            seen[s] = true;
            while (!queue.isEmpty()) {
                int i = queue.poll();
                group.add(embedded.get(i));
                for (int j = 0; j < embedded.size(); j++) {
                    if (!seen[j] && cosine(embedded.get(i), embedded.get(j)) >= threshold) {
                        seen[j] = true;
                        queue.add(j);
                    }
                }
            }
            out.add(group);
        }
        return out;
    }

    private static double cosine(Face a, Face b) {
        double s = 0;
        for (int d = 0; d < DIM; d++) s += (double) a.getEmbedding().get(d) * b.getEmbedding().get(d);
        return s;
    }

    private static Set<Set<String>> asSets(List<List<Face>> groups) {
        Set<Set<String>> out = new HashSet<>();
        for (List<Face> g : groups) {
            Set<String> ids = new HashSet<>();
            g.forEach(f -> ids.add(f.getFaceId()));
            out.add(ids);
        }
        return out;
    }

    private static float[] gaussian(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) v[d] = (float) random.nextGaussian();
        return v;
    }

    private static float[] unit(float[] v) {
        double n = 0;
        for (float x : v) n += x * x;
        float[] out = new float[v.length];
        for (int d = 0; d < v.length; d++) out[d] = (float) (v[d] / Math.sqrt(n));
        return out;
    }

    private static Face face(String id, float[] embedding) {
        List<Float> values = new ArrayList<>(embedding.length);
        for (float x : embedding) values.add(x);
        return Face.newBuilder().setFaceId(id).setSourceId("cam-1").setSourceKind(SourceKind.CAMERA).setFrameNumber(1)
                .setTimestamp(Instant.EPOCH).setBbox(new BoundingBox(1f, 2f, 3f, 4f)).setDetectionScore(0.9f).setQuality(0.8f)
                .setSimilarity(0.7f).setModelId("m").setEmbedding(values).setCropJpeg(ByteBuffer.wrap(new byte[] {1})).build();
    }
}
