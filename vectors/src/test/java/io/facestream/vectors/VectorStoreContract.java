package io.facestream.vectors;

import static io.facestream.vectors.TestVectors.cosine;
import static io.facestream.vectors.TestVectors.exactTopK;
import static io.facestream.vectors.bench.SyntheticFaces.near;
import static io.facestream.vectors.bench.SyntheticFaces.randomUnit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import io.facestream.vectors.bench.SyntheticFaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
  * What every {@link VectorStore} must do; one subclass per implementation. Each test works in its
  * own collections, so a shared server (Qdrant) needs no cleaning between tests.
  */
abstract class VectorStoreContract {

    static final int DIM = VectorStore.DEFAULT_DIMENSION;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** A store over the same data every time it is called within one test (reopen = call again). */
    protected abstract VectorStore open();

    protected VectorStore store;
    protected String faces;
    protected String gallery;
    private final Random random = new Random(42);

    @BeforeEach
    void openStore() {
        store = open();
        int n = SEQUENCE.incrementAndGet();
        faces = VectorStore.FACES + "_" + n;
        gallery = VectorStore.GALLERY + "_" + n;
        store.ensureCollection(faces, DIM);
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    @Test
    void upsertThenGetReturnsTheNormalisedVectorAndTypedPayload() {
        float[] raw = randomUnit(random, DIM);
        for (int i = 0; i < DIM; i++) raw[i] *= 3;
        var payload = new LinkedHashMap<String, Object>();
        payload.put("source_id", "cam1");
        payload.put("timestamp", 1_700_000_000_123L);
        payload.put("frame", 123); // an Integer reads back as a Long
        payload.put("quality", 0.87);
        payload.put("primary", true);
        store.upsert(faces, new VectorPoint("cam1:000123:0", raw, payload));

        VectorPoint got = store.get(faces, "cam1:000123:0").orElseThrow();

        assertThat(got.id()).isEqualTo("cam1:000123:0");
        assertThat(got.payload()).isEqualTo(Map.of("source_id", "cam1", "timestamp", 1_700_000_000_123L, "frame", 123L,
                "quality", 0.87, "primary", true));
        assertThat(got.vector()).hasSize(DIM);
        for (int i = 0; i < DIM; i++) assertThat(got.vector()[i]).isCloseTo(raw[i] / 3, within(1e-5f));
    }

    @Test
    void upsertWithAnExistingIdReplacesVectorAndWholePayload() {
        store.upsert(faces, new VectorPoint("f1", randomUnit(random, DIM), Map.of("identity_id", "a", "track_id", "t1")));
        float[] replacement = randomUnit(random, DIM);
        store.upsert(faces, new VectorPoint("f1", replacement, Map.of("identity_id", "b")));

        VectorPoint got = store.get(faces, "f1").orElseThrow();
        assertThat(got.payload()).isEqualTo(Map.of("identity_id", "b"));
        assertThat(cosine(got.vector(), replacement)).isCloseTo(1.0, within(1e-5));
        assertThat(store.count(faces)).isEqualTo(1);

        store.upsert(faces, List.of(new VectorPoint("f2", randomUnit(random, DIM), Map.of("identity_id", "first")),
                new VectorPoint("f2", randomUnit(random, DIM), Map.of("identity_id", "last"))));
        assertThat(store.get(faces, "f2").orElseThrow().payload()).containsEntry("identity_id", "last");
        assertThat(store.count(faces)).isEqualTo(2);
    }

    @Test
    void getOfAnUnknownIdIsEmpty() {
        store.upsert(faces, new VectorPoint("f1", randomUnit(random, DIM)));
        assertThat(store.get(faces, "f2")).isEmpty();
    }

    @Test
    void searchRanksByCosineSimilarityAndReportsItAsTheScore() {
        List<float[]> centres = new ArrayList<>();
        var stored = new HashMap<String, float[]>();
        for (int identity = 0; identity < 5; identity++) {
            centres.add(randomUnit(random, DIM));
            for (int face = 0; face < 20; face++) {
                String id = "id" + identity + ":face" + face;
                stored.put(id, near(centres.get(identity), 0.8, random));
                store.upsert(faces, new VectorPoint(id, stored.get(id), Map.of("identity_id", "id" + identity)));
            }
        }
        float[] query = near(centres.get(2), 0.8, random);

        List<ScoredPoint> top20 = store.search(faces, new Search(query, 20));

        assertThat(top20).hasSize(20).allSatisfy(hit -> {
            assertThat(hit.payload()).containsEntry("identity_id", "id2");
            assertThat(hit.score()).isCloseTo(cosine(query, stored.get(hit.id())), within(1e-4));
            assertThat(hit.vector()).isNull();
        });
        assertThat(top20).extracting(ScoredPoint::score).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(top20.stream().map(ScoredPoint::id).toList()).isEqualTo(exactTopK(stored, query, 20));
        assertThat(store.search(faces, new Search(query, 5)).stream().map(ScoredPoint::id).toList())
                .isEqualTo(top20.subList(0, 5).stream().map(ScoredPoint::id).toList());

        assertThat(store.search(faces, new Search(query, 100))).hasSize(100);
        // Same-identity faces sit near cosine 0.6, strangers near 0: a threshold keeps only the former.
        List<ScoredPoint> confident = store.search(faces, new Search(query, 100).minScore(0.3));
        assertThat(confident).hasSize(20).allSatisfy(hit -> assertThat(hit.score()).isGreaterThanOrEqualTo(0.3));

        ScoredPoint withVector = store.search(faces, new Search(query, 1).withVectors()).getFirst();
        assertThat(cosine(withVector.vector(), stored.get(withVector.id()))).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void exactSearchEqualsBruteForce() {
        var stored = upsertRandom(faces, 3_000);
        for (int q = 0; q < 10; q++) {
            float[] query = randomUnit(random, DIM);
            List<String> ids = store.search(faces, new Search(query, 10).exact()).stream().map(ScoredPoint::id).toList();
            assertThat(ids).isEqualTo(exactTopK(stored, query, 10));
        }
    }

    @Test
    void timeRangeFilterKeepsPointsWithinInclusiveBounds() {
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 10; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM), Map.of("timestamp", t0 + i * 1000L)));
        }
        store.upsert(faces, new VectorPoint("untimed", randomUnit(random, DIM), Map.of("source_id", "cam1")));

        var range = VectorFilter.all().timeRange(t0 + 2000, t0 + 5000);
        assertThat(searchIds(faces, range)).containsExactlyInAnyOrder("f2", "f3", "f4", "f5");
        assertThat(store.count(faces, range)).isEqualTo(4);
        assertThat(scrollIds(faces, range)).containsExactlyInAnyOrder("f2", "f3", "f4", "f5");
        assertThat(searchIds(faces, VectorFilter.all().timeRange(t0 + 8000, null))).containsExactlyInAnyOrder("f8", "f9");
        assertThat(searchIds(faces, VectorFilter.all().timeRange(null, t0))).containsExactly("f0");
    }

    @Test
    void sourceFilterMatchesOneOrSeveralSourcesAndCombinesWithTime() {
        long t0 = 1_700_000_000_000L;
        String[] sources = {"cam1", "cam2", "file1"};
        for (int i = 0; i < 9; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM),
                    Map.of("source_id", sources[i % 3], "timestamp", t0 + i)));
        }

        assertThat(searchIds(faces, VectorFilter.all().sourceIn("cam1"))).containsExactlyInAnyOrder("f0", "f3", "f6");
        assertThat(searchIds(faces, VectorFilter.all().sourceIn("cam1", "file1")))
                .containsExactlyInAnyOrder("f0", "f2", "f3", "f5", "f6", "f8");
        assertThat(searchIds(faces, VectorFilter.all().sourceIn("cam1", "file1").timeRange(t0 + 2, t0 + 6)))
                .containsExactlyInAnyOrder("f2", "f3", "f5", "f6");
        assertThat(searchIds(faces, VectorFilter.all().sourceIn("cam9"))).isEmpty();
    }

    @Test
    void keywordFilterMatchesAnyStringPayloadField() {
        for (int i = 0; i < 12; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM),
                    Map.of("identity_id", "id-" + (i % 3), "source_id", i < 6 ? "cam1" : "cam2", "kind", "face")));
        }

        assertThat(searchIds(faces, VectorFilter.all().whereEquals("identity_id", "id-1")))
                .containsExactlyInAnyOrder("f1", "f4", "f7", "f10");
        assertThat(searchIds(faces, VectorFilter.all().whereEquals("identity_id", "id-1").sourceIn("cam2")))
                .containsExactlyInAnyOrder("f7", "f10");
        assertThat(searchIds(faces, VectorFilter.all().whereIn("identity_id", List.of("id-0", "id-2")).whereEquals("kind", "face")))
                .hasSize(8);
        assertThat(searchIds(faces, VectorFilter.all().whereEquals("person_id", "p1"))).isEmpty();
    }

    @Test
    void deleteByIdRemovesOnlyThosePointsAndIgnoresUnknownIds() {
        var stored = upsertRandom(faces, 10);
        store.delete(faces, List.of("p3", "p7", "never-stored"));

        assertThat(store.count(faces)).isEqualTo(8);
        assertThat(store.get(faces, "p3")).isEmpty();
        assertThat(store.get(faces, "p4")).isPresent();
        assertThat(store.search(faces, new Search(stored.get("p3"), 10)))
                .extracting(ScoredPoint::id).doesNotContain("p3", "p7").hasSize(8);
    }

    @Test
    void deleteWhereRemovesEveryPointTheFilterMatches() {
        store.ensureCollection(gallery, DIM);
        for (int i = 0; i < 9; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM), Map.of("identity_id", "id-" + (i % 3))));
            store.upsert(gallery, new VectorPoint("g" + i, randomUnit(random, DIM), Map.of("person_id", "person-" + (i % 2))));
        }

        store.deleteWhere(faces, VectorFilter.all().whereEquals("identity_id", "id-1"));
        store.deleteWhere(gallery, VectorFilter.all().whereEquals("person_id", "person-0"));

        assertThat(store.count(faces, VectorFilter.all().whereEquals("identity_id", "id-1"))).isZero();
        assertThat(store.count(faces)).isEqualTo(6);
        assertThat(scrollIds(gallery, VectorFilter.all())).containsExactlyInAnyOrder("g1", "g3", "g5", "g7");

        store.deleteWhere(faces, VectorFilter.all());
        assertThat(store.count(faces)).isZero();
    }

    @Test
    void countCountsPerCollectionAndPerFilter() {
        store.ensureCollection(gallery, DIM);
        assertThat(store.count(faces)).isZero();
        for (int i = 0; i < 7; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM), Map.of("source_id", i < 5 ? "cam1" : "cam2")));
        }
        store.upsert(gallery, new VectorPoint("g", randomUnit(random, DIM)));

        assertThat(store.count(faces)).isEqualTo(7);
        assertThat(store.count(gallery)).isEqualTo(1);
        assertThat(store.count(faces, VectorFilter.all().sourceIn("cam2"))).isEqualTo(2);
    }

    @Test
    void scrollListsMatchingPointsUpToTheLimit() {
        for (int i = 0; i < 40; i++) {
            store.upsert(faces, new VectorPoint("f" + i, randomUnit(random, DIM), Map.of("identity_id", i < 30 ? "a" : "b")));
        }
        var identityA = VectorFilter.all().whereEquals("identity_id", "a");

        List<VectorPoint> all = store.scroll(faces, identityA, 100, false);
        assertThat(all).hasSize(30).allSatisfy(p -> {
            assertThat(p.payload()).containsEntry("identity_id", "a");
            assertThat(p.vector()).isNull();
        });
        List<VectorPoint> some = store.scroll(faces, identityA, 7, true);
        assertThat(some).hasSize(7).allSatisfy(p -> assertThat(p.vector()).hasSize(DIM));
        assertThat(some).extracting(VectorPoint::id).doesNotHaveDuplicates();
        assertThat(store.scroll(faces, identityA, 7, false)).extracting(VectorPoint::id)
                .as("stable order between calls").isEqualTo(some.stream().map(VectorPoint::id).toList());
    }

    @Test
    void pointsSurviveClosingAndReopeningTheStore() {
        var stored = upsertRandom(faces, 50);
        store.close();

        store = open();
        assertThat(store.count(faces)).isEqualTo(50);
        assertThat(store.get(faces, "p17")).isPresent();
        assertThat(store.search(faces, new Search(stored.get("p17"), 1)).getFirst().id()).isEqualTo("p17");
        store.ensureCollection(faces, DIM);
        store.upsert(faces, new VectorPoint("after-reopen", randomUnit(random, DIM)));
        assertThat(store.count(faces)).isEqualTo(51);
    }

    @Test
    void wrongDimensionsAndDirectionlessVectorsAreRejectedClearly() {
        assertThatThrownBy(() -> store.upsert(faces, new VectorPoint("f", new float[128])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension " + DIM).hasMessageContaining("128");
        assertThatThrownBy(() -> store.search(faces, new Search(randomUnit(random, 128), 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension " + DIM);
        assertThatThrownBy(() -> store.ensureCollection(faces, 256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension " + DIM);
        assertThatThrownBy(() -> store.upsert(faces, new VectorPoint("zero", new float[DIM])))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.count(faces)).isZero();
    }

    @Test
    void anUnknownCollectionIsAClearError() {
        String missing = "never_created_" + SEQUENCE.incrementAndGet();
        float[] v = randomUnit(random, DIM);
        List<Runnable> operations = List.of(
                () -> store.upsert(missing, new VectorPoint("f", v)),
                () -> store.get(missing, "f"),
                () -> store.search(missing, new Search(v, 3)),
                () -> store.count(missing),
                () -> store.scroll(missing, VectorFilter.all(), 10, false),
                () -> store.delete(missing, List.of("f")),
                () -> store.deleteWhere(missing, VectorFilter.all().sourceIn("cam1")));
        for (Runnable operation : operations) {
            assertThatThrownBy(operation::run).isInstanceOf(UnknownCollectionException.class).hasMessageContaining(missing);
        }
    }

    @Test
    void concurrentWritersEachReadTheirOwnWrites() throws Exception {
        var pool = Executors.newFixedThreadPool(4);
        try {
            var tasks = new ArrayList<Callable<Integer>>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                tasks.add(() -> {
                    var r = new Random(thread);
                    for (int i = 0; i < 50; i++) {
                        String id = "t" + thread + ":" + i;
                        store.upsert(faces, new VectorPoint(id, randomUnit(r, DIM), Map.of("source_id", "cam" + thread)));
                        assertThat(store.get(faces, id)).as("read-your-write of " + id).isPresent();
                    }
                    return 50;
                });
            }
            for (Future<Integer> done : pool.invokeAll(tasks)) assertThat(done.get()).isEqualTo(50);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.count(faces)).isEqualTo(200);
        assertThat(store.count(faces, VectorFilter.all().sourceIn("cam3"))).isEqualTo(50);
    }

    /** The approximate index against exact scoring on 20 000 face-like 512-d vectors (SyntheticFaces). */
    @Test
    void approximateSearchRecallAt10IsAtLeast095() {
        var synthetic = new SyntheticFaces(42, DIM);
        var stored = new HashMap<String, float[]>();
        for (int batch = 0; batch < 20; batch++) {
            var points = new ArrayList<VectorPoint>();
            for (int i = 0; i < 1_000; i++) {
                SyntheticFaces.Face face = synthetic.next();
                String id = "f" + stored.size();
                stored.put(id, face.vector());
                points.add(new VectorPoint(id, face.vector(), Map.of("identity_id", "id" + face.identity())));
            }
            store.upsert(faces, points);
        }
        double recall = 0, narrowRecall = 0;
        int queries = 50;
        for (int q = 0; q < queries; q++) {
            float[] query = synthetic.query(random);
            List<String> exact = store.search(faces, new Search(query, 10).exact()).stream().map(ScoredPoint::id).toList();
            List<String> ann = store.search(faces, new Search(query, 10)).stream().map(ScoredPoint::id).toList();
            assertThat(exact).isEqualTo(exactTopK(stored, query, 10));
            recall += TestVectors.recall(exact, ann);
            // a narrow walk (40 candidates, as cluster assignment asks of the identities' centroids) for the top 5
            List<String> narrow = store.search(faces, new Search(query, 5).candidates(40)).stream().map(ScoredPoint::id).toList();
            narrowRecall += TestVectors.recall(exact.subList(0, 5), narrow);
        }
        recall /= queries;
        narrowRecall /= queries;
        System.out.printf("%s: ANN recall@10 vs exact, %d face-like %d-d vectors, %d face queries: %.3f; recall@5 walking 40 candidates: %.3f%n",
                getClass().getSimpleName(), stored.size(), DIM, queries, recall, narrowRecall);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
        assertThat(narrowRecall).isGreaterThanOrEqualTo(0.95);
    }

    protected Map<String, float[]> upsertRandom(String collection, int n) {
        var stored = new LinkedHashMap<String, float[]>();
        var batch = new ArrayList<VectorPoint>();
        for (int i = 0; i < n; i++) {
            float[] v = randomUnit(random, DIM);
            stored.put("p" + i, v);
            batch.add(new VectorPoint("p" + i, v, Map.of("source_id", "cam" + (i % 4))));
            if (batch.size() == 1_000 || i == n - 1) {
                store.upsert(collection, batch);
                batch.clear();
            }
        }
        return stored;
    }

    private List<String> searchIds(String collection, VectorFilter filter) {
        return store.search(collection, new Search(randomUnit(random, DIM), 100).filter(filter)).stream().map(ScoredPoint::id).toList();
    }

    private List<String> scrollIds(String collection, VectorFilter filter) {
        return store.scroll(collection, filter, 100, false).stream().map(VectorPoint::id).toList();
    }
}
