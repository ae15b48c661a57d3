package io.facestream.vectors;

import static io.facestream.vectors.TestVectors.exactTopK;
import static io.facestream.vectors.bench.SyntheticFaces.randomUnit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedVectorStoreTest extends VectorStoreContract {

    @TempDir Path dir;

    @Override
    protected VectorStore open() {
        return new EmbeddedVectorStore(dir);
    }

    @Test
    void everyWriteIsCommittedToDiskBeforeUpsertReturns() throws Exception {
        store.upsert(faces, new VectorPoint("f1", randomUnit(new Random(1), DIM)));
        assertThat(committedDocs(faces)).isEqualTo(1);
    }

    @Test
    void periodicCommitShowsWritesAtOnceAndMakesThemDurableWithinTheInterval() throws Exception {
        store.close();
        store = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir).withCommitInterval(Duration.ofMillis(200)));
        store.upsert(faces, new VectorPoint("f1", randomUnit(new Random(1), DIM)));

        assertThat(store.get(faces, "f1")).as("visible before any commit").isPresent();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (committedDocs(faces) == 0 && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(committedDocs(faces)).isEqualTo(1);
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        try (var second = new EmbeddedVectorStore(dir)) {
            assertThatThrownBy(() -> second.count(faces)).isInstanceOf(VectorStoreException.class).hasMessageContaining(faces);
        }
    }

    /**
      * With only 10 HNSW candidates the graph misses neighbours; below exactSearchBelow the store
      * scores every point instead, so the same searches come back exact.
      */
    @Test
    void collectionsBelowTheExactThresholdAreSearchedExactly() {
        var random = new Random(7);
        var narrow = EmbeddedVectorStore.Config.defaults(dir.resolve("narrow")).withAnnCandidates(10);
        try (var exactBelow = new EmbeddedVectorStore(narrow.withExactSearchBelow(10_000));
                  var alwaysAnn = new EmbeddedVectorStore(narrow.withDirectory(dir.resolve("ann")).withExactSearchBelow(0))) {
            exactBelow.ensureCollection(faces, DIM);
            alwaysAnn.ensureCollection(faces, DIM);
            var stored = new LinkedHashMap<String, float[]>();
            var batch = new ArrayList<VectorPoint>();
            for (int i = 0; i < 5_000; i++) {
                stored.put("p" + i, randomUnit(random, DIM));
                batch.add(new VectorPoint("p" + i, stored.get("p" + i)));
            }
            exactBelow.upsert(faces, batch);
            alwaysAnn.upsert(faces, batch);

            double annRecall = 0;
            for (int q = 0; q < 20; q++) {
                float[] query = randomUnit(random, DIM);
                List<String> expected = exactTopK(stored, query, 10);
                assertThat(ids(exactBelow.search(faces, new Search(query, 10)))).isEqualTo(expected);
                annRecall += TestVectors.recall(expected, ids(alwaysAnn.search(faces, new Search(query, 10))));
            }
            assertThat(annRecall / 20).as("a 10-candidate graph search is not exact, so the comparison means something").isLessThan(1.0);
        }
    }

    @Test
    void aBatchIsWrittenWholeOrNotAtAllAndPayloadKeysKeepOneType() {
        var random = new Random(1);
        store.upsert(faces, new VectorPoint("f1", randomUnit(random, DIM), Map.of("track_id", "t1")));
        var batch = List.of(new VectorPoint("f1", randomUnit(random, DIM), Map.of("track_id", "t9")),
                new VectorPoint("f2", randomUnit(random, DIM), Map.of("track_id", "t2")),
                new VectorPoint("f3", randomUnit(random, DIM), Map.of("track_id", 7L)));

        assertThatThrownBy(() -> store.upsert(faces, batch)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.count(faces)).isEqualTo(1);
        assertThat(store.get(faces, "f1").orElseThrow().payload()).containsEntry("track_id", "t1");
    }

    /** A write committed on its own is a segment; a merge policy with 10 per tier merges 25 of them, one with 30 keeps them. */
    @Test
    void segmentsPerTierDecidesHowManySegmentsStayUnmerged() throws Exception {
        assertThat(segmentsAfterWrites(dir.resolve("tier10"), 10, 25)).isLessThan(25);
        assertThat(segmentsAfterWrites(dir.resolve("tier30"), 30, 25)).isEqualTo(25);
    }

    @Test
    void graphSettingsOutsideLucenesLimitsAreRefused() {
        assertThatThrownBy(() -> new EmbeddedVectorStore.Graph(1, 100, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmbeddedVectorStore.Graph(16, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmbeddedVectorStore.Graph(16, 3201, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmbeddedVectorStore.Graph(16, 100, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmbeddedVectorStore.Graph(16, 100, 1001)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Fifteen commits of 400 points are fifteen segments (30 per tier merges none); merged down to one, every point is
     * still there with its payload, and exact searches (the same scores over any segmentation) answer as before.
     */
    @Test
    void forceMergeKeepsEveryPointAndAnswersTheSameSearches() {
        var graph = new EmbeddedVectorStore.Graph(16, 100, 30);
        var random = new Random(11);
        try (var s = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("merge")).withGraph(graph))) {
            s.ensureCollection("c", DIM);
            var stored = new LinkedHashMap<String, float[]>();
            for (int batch = 0; batch < 15; batch++) {
                var points = new ArrayList<VectorPoint>();
                for (int i = 0; i < 400; i++) {
                    String id = "p" + batch + "-" + i;
                    stored.put(id, randomUnit(random, DIM));
                    points.add(new VectorPoint(id, stored.get(id), Map.of("batch", (long) batch)));
                }
                s.upsert("c", points);
            }
            s.delete("c", List.of("p0-0"));
            stored.remove("p0-0");
            assertThat(s.segments("c")).isEqualTo(15);
            var queries = new ArrayList<float[]>();
            var before = new ArrayList<List<String>>();
            for (int q = 0; q < 10; q++) {
                queries.add(randomUnit(random, DIM));
                before.add(ids(s.search("c", new Search(queries.get(q), 10).exact())));
            }

            s.forceMerge("c", 1);

            assertThat(s.segments("c")).isEqualTo(1);
            assertThat(s.count("c")).isEqualTo(stored.size());
            assertThat(s.get("c", "p0-0")).as("a deleted point stays deleted").isEmpty();
            assertThat(s.get("c", "p14-399").orElseThrow().payload()).containsEntry("batch", 14L);
            for (int q = 0; q < 10; q++) {
                assertThat(ids(s.search("c", new Search(queries.get(q), 10).exact()))).isEqualTo(before.get(q))
                        .isEqualTo(exactTopK(stored, queries.get(q), 10));
            }
        }
    }

    @Test
    void forceMergeToNoSegmentsOrOfAnUnknownCollectionIsRefused() {
        store.upsert(faces, new VectorPoint("f1", randomUnit(new Random(1), DIM)));
        assertThatThrownBy(() -> ((EmbeddedVectorStore) store).forceMerge(faces, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSegments");
        assertThatThrownBy(() -> ((EmbeddedVectorStore) store).forceMerge("no_such", 1)).isInstanceOf(UnknownCollectionException.class);
        assertThat(store.count(faces)).isEqualTo(1);
    }

    /**
     * A store whose pool walks the segments at once finds what one walking them in turn finds (the graph search over
     * twelve segments, against the exact top 10), for many searches at a time: more than the pool's queue holds, so
     * the searching threads walk what does not fit. (Not the same lists: segments walked at once share the best score
     * so far at other moments, so the walks may differ by a point.)
     */
    @Test
    void searchThreadsFindWhatASearchOnOneThreadFinds() throws Exception {
        var graph = new EmbeddedVectorStore.Graph(16, 100, 30);
        var config = EmbeddedVectorStore.Config.defaults(dir.resolve("threads")).withGraph(graph).withExactSearchBelow(0).withAnnCandidates(50)
                .withSearchThreads(0);
        var random = new Random(5);
        var stored = new LinkedHashMap<String, float[]>();
        try (var s = new EmbeddedVectorStore(config)) {
            s.ensureCollection("c", DIM);
            for (int batch = 0; batch < 12; batch++) {
                var points = new ArrayList<VectorPoint>();
                for (int i = 0; i < 300; i++) {
                    stored.put("p" + batch + "-" + i, randomUnit(random, DIM));
                    points.add(new VectorPoint("p" + batch + "-" + i, stored.get("p" + batch + "-" + i)));
                }
                s.upsert("c", points);
            }
        }
        var queries = new ArrayList<float[]>();
        for (int q = 0; q < 200; q++) queries.add(randomUnit(random, DIM));
        double sequential = 0, threaded = 0;
        try (var s = new EmbeddedVectorStore(config)) {
            assertThat(s.segments("c")).isEqualTo(12);
            for (float[] q : queries) sequential += TestVectors.recall(exactTopK(stored, q, 10), ids(s.search("c", new Search(q, 10))));
        }
        try (var s = new EmbeddedVectorStore(config.withSearchThreads(1));
                var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var answers = new ArrayList<java.util.concurrent.Future<List<String>>>();
            for (float[] q : queries) answers.add(pool.submit(() -> ids(s.search("c", new Search(q, 10)))));
            for (int q = 0; q < queries.size(); q++) threaded += TestVectors.recall(exactTopK(stored, queries.get(q), 10), answers.get(q).get());
            assertThat(Thread.getAllStackTraces().keySet()).as("the store's pool walked segments")
                    .anyMatch(t -> t.getName().startsWith("vector-search-"));
        }
        sequential /= queries.size();
        threaded /= queries.size();
        assertThat(sequential).as("twelve segments walked in turn").isGreaterThan(0.9);
        assertThat(threaded).as("twelve segments walked at once, against %.3f in turn", sequential).isGreaterThan(sequential - 0.02);
    }

    @Test
    void searchThreadsOutsideTheirBoundsAreRefused() {
        var config = EmbeddedVectorStore.Config.defaults(dir);
        assertThatThrownBy(() -> config.withSearchThreads(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("searchThreads");
        assertThatThrownBy(() -> config.withSearchThreads(EmbeddedVectorStore.Config.MAX_SEARCH_THREADS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static int segmentsAfterWrites(Path where, double segmentsPerTier, int writes) throws Exception {
        var graph = new EmbeddedVectorStore.Graph(16, 100, segmentsPerTier);
        try (var s = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(where).withGraph(graph))) {
            s.ensureCollection("c", DIM);
            var random = new Random(3);
            for (int i = 0; i < writes; i++) s.upsert("c", new VectorPoint("p" + i, randomUnit(random, DIM)));
        } // closing waits for the merges under way
        try (var directory = FSDirectory.open(where.resolve("c")); var reader = DirectoryReader.open(directory)) {
            assertThat(reader.numDocs()).isEqualTo(writes);
            return reader.leaves().size();
        }
    }

    private long committedDocs(String collection) throws Exception {
        try (var directory = FSDirectory.open(dir.resolve(collection)); var reader = DirectoryReader.open(directory)) {
            return reader.numDocs();
        }
    }

    private static List<String> ids(List<ScoredPoint> hits) {
        return hits.stream().map(ScoredPoint::id).toList();
    }
}
