package io.facestream.topologies.identity;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.eval.SamplePeople;
import io.facestream.models.store.ModelStore;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import io.facestream.topologies.gallery.Matching;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IdentityIndex#nearest} against a brute-force scan ({@link Matching#toIdentity} over every identity) on real
 * embeddings: the shipped models' embeddings of the labelled sample people (six shots of each face of the pinned
 * group photos, {@link SamplePeople}), while identities are added, written again many times (the first pass's slots
 * laid out anew), replaced and removed.
 */
class IdentityIndexRealFacesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Each person's embeddings, one per shot, in the folder's order. */
    private static final Map<String, List<float[]>> people = new LinkedHashMap<>();
    private static double identityThreshold;

    @BeforeAll
    static void embed() throws Exception {
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            identityThreshold = analyzer.thresholds().identity();
            people.putAll(samplePeople(analyzer));
        }
        assertThat(people).as("labelled sample people with at least two shots embedded").hasSizeGreaterThanOrEqualTo(15);
    }

    /** The models' embeddings of the labelled sample people with two shots or more, by person, in the folders' order. */
    static Map<String, List<float[]>> samplePeople(FaceAnalyzer analyzer) throws Exception {
        Map<String, List<float[]>> people = new LinkedHashMap<>();
        Path dir = SamplePeople.materialise(analyzer, ModelStore.fromEnvironment().cacheDir().resolve("sample-people"));
        List<Path> folders;
        try (Stream<Path> list = Files.list(dir)) {
            folders = list.filter(Files::isDirectory).sorted().toList();
        }
        for (Path folder : folders) {
            List<Path> shots;
            try (Stream<Path> list = Files.list(folder)) {
                shots = list.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
            }
            List<float[]> embeddings = new ArrayList<>();
            for (Path shot : shots) {
                analyzer.analyzeStill(Files.readAllBytes(shot)).stream()
                        .max(Comparator.comparingDouble((DetectedFace f) -> f.box().area()))
                        .ifPresent(face -> embeddings.add(analyzer.embed(face.aligned())));
            }
            if (embeddings.size() >= 2) people.put(folder.getFileName().toString(), embeddings);
        }
        return people;
    }

    @Test
    void theIndexChoosesWhatAFullScanChoosesOnRealFaces() {
        IdentityIndex index = new IdentityIndex();
        Map<String, Identity> live = new LinkedHashMap<>();
        List<String> names = List.copyOf(people.keySet());
        for (int p = 0; p < names.size(); p++) {
            Identity identity = identity(p, 1 + p % 3, p % 5 == 0 ? people.get(names.get((p + 1) % names.size())).get(0) : null);
            live.put(identity.getIdentityId(), identity);
            index.put(identity);
        }
        int matched = compare(index, live, "first puts");
        assertThat(matched).as("a shot of a person finds their identity above the identity threshold").isGreaterThan(names.size());

        for (int round = 0; round < 60; round++) { // 60 x ~20 puts: more than 1 024, so the slots are laid out anew
            for (Identity identity : live.values()) index.put(identity);
        }
        compare(index, live, "after the slots were laid out again");

        for (int p = 0; p < names.size(); p += 4) { // remove every fourth: the last identity moves into each gap
            index.remove("id-" + p);
            live.remove("id-" + p);
        }
        compare(index, live, "after removals");

        for (int p = 0; p < names.size(); p += 3) { // replace: more exemplars, a moved centroid; re-add the removed
            Identity identity = identity(p, 3, null);
            live.put(identity.getIdentityId(), identity);
            index.put(identity);
        }
        Identity inactive = Identity.newBuilder(live.get("id-1")).setStatus(IdentityStatus.INACTIVE).build();
        index.put(inactive);
        live.remove("id-1");
        compare(index, live, "after replacements and an identity switched off");
    }

    /** Every shot of every person as a query, at the identity threshold, just either side of its own identity's similarity, and unbounded. */
    private static int compare(IdentityIndex index, Map<String, Identity> live, String stage) {
        int matched = 0;
        List<Identity> identities = List.copyOf(live.values());
        for (List<float[]> shots : people.values()) {
            for (float[] query : shots) {
                double[] scores = identities.stream().mapToDouble(identity -> Matching.toIdentity(identity, query, StoredEmbeddings::of)).toArray();
                double top = java.util.Arrays.stream(scores).max().orElse(Matching.NO_MATCH);
                for (double atLeast : new double[]{identityThreshold, top - 1e-7, top + 1e-7, Matching.NO_MATCH}) {
                    boolean found = IdentityIndexTest.assertNearestIsAFullScans(index, identities, scores, query, atLeast, stage + ",");
                    if (found && atLeast == identityThreshold) matched++;
                }
            }
        }
        return matched;
    }

    /** Person {@code p}'s identity from their first {@code shots} shots, with a rejected face when given (a veto for queries nearer it). */
    private static Identity identity(int p, int shots, float[] rejected) {
        List<float[]> faces = people.get(List.copyOf(people.keySet()).get(p));
        List<Exemplar> exemplars = new ArrayList<>();
        for (int k = 0; k < Math.min(shots, faces.size()); k++) exemplars.add(StoredEmbeddings.exemplar("f-" + p + "-" + k, faces.get(k), 0.5f));
        Identity.Builder builder = Identity.newBuilder().setIdentityId("id-" + p).setStatus(IdentityStatus.ACTIVE).setSource("auto")
                .setExemplars(exemplars).setFaceCount(exemplars.size()).setSightingCount(1)
                .setFirstSeen(T0).setLastSeen(T0).setCreatedAt(T0).setUpdatedAt(T0);
        if (rejected != null) builder.setRejected(List.of(StoredEmbeddings.exemplar("r-" + p, rejected, 0.5f)));
        return StoredEmbeddings.withCentroid(builder, IdentityResolver.centroid(exemplars, StoredEmbeddings::of)).build();
    }
}
