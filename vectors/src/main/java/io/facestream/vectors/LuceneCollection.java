package io.facestream.vectors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field.Store;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ControlledRealTimeReopenThread;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortedSetSelector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.knn.KnnCollectorManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOFunction;
import org.apache.lucene.util.IOSupplier;
import org.apache.lucene.util.IOUtils;
import org.apache.lucene.util.VectorUtil;

/**
  * One collection of the embedded store: a Lucene index in its own directory. Each point is one
  * document: {@code _id} (keyword, the update term), {@code _vector} (HNSW, dot product on
  * normalised vectors, which is cosine), and one field per payload entry: strings as {@link
  * KeywordField} (stored, filterable), longs as {@link LongField} (stored, range-filterable), doubles
  * as stored doubles and booleans as stored ints (0/1, the only ints we write).
  */
final class LuceneCollection implements AutoCloseable {

    static final String ID = "_id";
    static final String VECTOR = "_vector";
    private static final String DIMENSION_KEY = "facestream.dimension";
    private static final double MAX_STALE_SECONDS = 1.0;

    final String name;
    final int dimension;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ControlledRealTimeReopenThread<IndexSearcher> reopener;
    /** Lucene's sequence number of the latest write; a read waits until its searcher includes it. */
    private final AtomicLong lastWrite = new AtomicLong(-1);
    private final boolean commitEveryWrite;
    /** Approximate scores come from int8 vectors: score the candidates again on float32. */
    private final boolean rescore;
    /** The store's pool that walks a large collection's segments at once (null: the searching thread walks them). */
    private final Executor searchExecutor;
    /** The default codec with the configured HNSW graph, on float32 vectors or Lucene's scalar-quantised (int8) ones. */
    private static Codec codec(EmbeddedVectorStore.Config config) {
        var graph = config.graph();
        KnnVectorsFormat format = config.quantized()
                ? new Lucene104HnswScalarQuantizedVectorsFormat(graph.connections(), graph.beamWidth())
                : new Lucene99HnswVectorsFormat(graph.connections(), graph.beamWidth());
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    private LuceneCollection(String name, Directory directory, IndexWriter writer, int dimension, boolean commitEveryWrite,
                             boolean rescore, Executor searchExecutor) throws IOException {
        this.name = name;
        this.rescore = rescore;
        this.directory = directory;
        this.writer = writer;
        this.dimension = dimension;
        this.commitEveryWrite = commitEveryWrite;
        this.searchExecutor = searchExecutor;
        this.searchers = new SearcherManager(writer, null);
        // Refreshing the reader after every write made a segment per face (and merges to match); writes now
        // only record their sequence number, a read waits for a refresh that includes the latest one, and
        // this thread refreshes at most every MAX_STALE_SECONDS meanwhile.
        this.reopener = new ControlledRealTimeReopenThread<>(writer, searchers, MAX_STALE_SECONDS, 0);
        reopener.setName("vector-refresh-" + name);
        reopener.setDaemon(true);
        reopener.start();
    }

    static boolean existsAt(Path path) {
        if (!Files.isDirectory(path)) return false; // FSDirectory.open would create it
        try (Directory dir = FSDirectory.open(path)) {
            return DirectoryReader.indexExists(dir);
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens the index at {@code path}, creating it with {@code dimension} where none exists (null: must exist). */
    static LuceneCollection open(String name, Path path, Integer dimension, EmbeddedVectorStore.Config config, Executor searchExecutor) {
        try {
            return openOrCreate(name, path, dimension, config, searchExecutor);
        } catch (IOException e) {
            throw new VectorStoreException("vector collection '" + name + "' at " + path + ": " + e, e);
        }
    }

    /** Lucene's default merge policy with the configured segments per tier, whose merged segments are never compound files. */
    private static TieredMergePolicy mergePolicy(EmbeddedVectorStore.Graph graph) {
        var policy = new TieredMergePolicy();
        policy.setNoCFSRatio(0.0); // by default it packs the smaller merged segments into one
        policy.setSegmentsPerTier(graph.segmentsPerTier());
        return policy;
    }

    private static LuceneCollection openOrCreate(String name, Path path, Integer dimension, EmbeddedVectorStore.Config config,
                                                 Executor searchExecutor) throws IOException {
        Directory dir = FSDirectory.open(path);
        try {
            boolean exists = DirectoryReader.indexExists(dir);
            var writerConfig = new IndexWriterConfig()
                    .setOpenMode(exists ? IndexWriterConfig.OpenMode.APPEND : IndexWriterConfig.OpenMode.CREATE)
                    .setRAMBufferSizeMB(config.ramBufferMb())
                    // a collection is a few large files per segment: packing them into one compound file costs a copy
                    // per flush and merge and hides which file (vectors, graph) takes the memory
                    .setUseCompoundFile(false)
                    .setMergePolicy(mergePolicy(config.graph()))
                    // a segment records its own format, so an index holds float32 and quantised segments side by side
                    .setCodec(codec(config));
            IndexWriter writer = new IndexWriter(dir, writerConfig);
            try {
                int dim;
                if (exists) {
                    String stored = null;
                    for (var entry : writer.getLiveCommitData()) if (entry.getKey().equals(DIMENSION_KEY)) stored = entry.getValue();
                    if (stored == null) throw new IOException("index at " + path + " is not a facestream vector collection (no dimension recorded)");
                    dim = Integer.parseInt(stored);
                } else {
                    // An empty collection has no vector field yet, so the dimension lives in the commit's user data.
                    dim = dimension;
                    writer.setLiveCommitData(Map.of(DIMENSION_KEY, Integer.toString(dim)).entrySet());
                    writer.commit();
                }
                return new LuceneCollection(name, dir, writer, dim, config.commitInterval().isZero(), config.quantized(), searchExecutor);
            } catch (IOException | RuntimeException e) {
                writer.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /** One atomic block: every old version deleted and every new one added, or nothing (last of an id wins). */
    void upsert(Collection<VectorPoint> points) {
        var byId = new LinkedHashMap<String, Document>();
        for (VectorPoint p : points) byId.put(p.id(), document(p));
        if (byId.isEmpty()) return;
        if (byId.size() == 1) {
            // one point (a face as identity resolution stores it): a term delete is a terms-dictionary lookup per segment
            // when applied, where a query delete builds and runs a query over every segment at each refresh
            var only = byId.entrySet().iterator().next();
            write(w -> w.updateDocument(new Term(ID, only.getKey()), only.getValue()));
            return;
        }
        Query previous = KeywordField.newSetQuery(ID, byId.keySet().stream().map(BytesRef::new).toList());
        write(w -> w.updateDocuments(previous, byId.values()));
    }

    void delete(Collection<String> ids) {
        Term[] terms = ids.stream().map(id -> new Term(ID, id)).toArray(Term[]::new);
        write(w -> w.deleteDocuments(terms));
    }

    void deleteWhere(VectorFilter filter) {
        write(w -> w.deleteDocuments(query(filter)));
    }

    Optional<VectorPoint> get(String id) {
        return read(s -> {
            TopDocs top = s.search(new TermQuery(new Term(ID, id)), 1);
            return top.scoreDocs.length == 0 ? Optional.empty() : Optional.of(point(s, top.scoreDocs[0].doc, true));
        });
    }

    long count(VectorFilter filter) {
        return read(s -> (long) s.count(query(filter)));
    }

    List<VectorPoint> scroll(VectorFilter filter, int limit, boolean withVectors) {
        return read(s -> {
            var byId = new Sort(KeywordField.newSortField(ID, false, SortedSetSelector.Type.MIN));
            return points(s, s.search(query(filter), limit, byId).scoreDocs, withVectors);
        });
    }

    /**
      * Exact where the whole collection has fewer than {@code exactBelow} points or the caller asks;
      * otherwise HNSW over {@code max(limit, candidates)} candidates (a wider beam for recall), from
      * which the best {@code limit} are kept. Lucene itself also falls back to exact scoring inside
      * a segment when a filter leaves few documents there.
      */
    List<ScoredPoint> search(Search search, int exactBelow, int candidates) {
        float[] unit = Vectors.normalised(name, dimension, search.vector());
        Query filter = search.filter().matchesAll() ? null : query(search.filter());
        int walk = search.candidates() > 0 ? search.candidates() : candidates;
        return read(reader -> {
            boolean small = reader.getIndexReader().numDocs() < exactBelow;
            // A KNN query walks each segment as a task of the searcher's executor (Lucene's TaskExecutor; the searching
            // thread takes tasks too). Only for large collections: a small one's segments cost less than handing them over,
            // and identity resolution searches its small collection for every face.
            IndexSearcher s = small || searchExecutor == null ? reader : new IndexSearcher(reader.getIndexReader(), searchExecutor);
            boolean exact = search.forceExact() || small;
            if (exact && rescore) return exactOnFloats(s, unit, filter, search);
            Query knn = exact
                    ? new ExactKnnFloatVectorQuery(VECTOR, unit, search.limit(), filter)
                    : new KnnFloatVectorQuery(VECTOR, unit, Math.max(search.limit(), walk), filter);
            if (rescore && !exact) {
                // every candidate of the int8 graph scored again on its float32 vector, the best limit kept
                var scored = new ArrayList<ScoreDoc>();
                for (ScoreDoc hit : s.search(knn, Math.max(search.limit(), walk)).scoreDocs) {
                    scored.add(new ScoreDoc(hit.doc, VectorUtil.dotProduct(unit, vector(s, hit.doc))));
                }
                scored.sort((a, b) -> Float.compare(b.score, a.score));
                return scoredPoints(s, scored.subList(0, Math.min(search.limit(), scored.size())), 1, search);
            }
            // Lucene scores DOT_PRODUCT as (1 + dot) / 2; on unit vectors dot is the cosine
            return scoredPoints(s, List.of(s.search(knn, search.limit()).scoreDocs), 2, search);
        });
    }

    /**
     * Brute force on the float32 vectors: Lucene's exact scorer would use the int8 copies of a quantised collection,
     * whose ranking is only approximate.
     */
    private List<ScoredPoint> exactOnFloats(IndexSearcher s, float[] unit, Query filter, Search search) throws IOException {
        var best = new java.util.PriorityQueue<ScoreDoc>((a, b) -> a.score != b.score ? Float.compare(a.score, b.score) : Integer.compare(b.doc, a.doc));
        var weight = filter == null ? null : s.createWeight(s.rewrite(filter), org.apache.lucene.search.ScoreMode.COMPLETE_NO_SCORES, 1f);
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
            if (values == null) continue;
            var live = leaf.reader().getLiveDocs();
            org.apache.lucene.search.DocIdSetIterator accepted = null;
            if (weight != null) {
                var scorer = weight.scorer(leaf);
                if (scorer == null) continue;
                accepted = scorer.iterator();
            }
            KnnVectorValues.DocIndexIterator it = values.iterator();
            for (int doc = it.nextDoc(); doc != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                if (live != null && !live.get(doc)) continue;
                if (accepted != null && (accepted.docID() > doc || (accepted.docID() < doc && accepted.advance(doc) != doc))) continue;
                float score = VectorUtil.dotProduct(unit, values.vectorValue(it.index()));
                if (best.size() < search.limit()) best.add(new ScoreDoc(leaf.docBase + doc, score));
                else if (score > best.peek().score) {
                    best.poll();
                    best.add(new ScoreDoc(leaf.docBase + doc, score));
                }
            }
        }
        var ranked = new ArrayList<>(best);
        ranked.sort((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.doc, b.doc));
        return scoredPoints(s, ranked, 1, search);
    }

    /**
     * The hits (best first) down to the search's minimum score, with their stored fields; {@code scale} 2 turns
     * Lucene's DOT_PRODUCT score into the cosine, 1 takes a score that is one.
     */
    private static List<ScoredPoint> scoredPoints(IndexSearcher s, List<ScoreDoc> ranked, int scale, Search search) throws IOException {
        List<ScoreDoc> kept = new ArrayList<>(ranked.size());
        for (ScoreDoc hit : ranked) {
            if (cosine(hit, scale) < search.minScore()) break;
            kept.add(hit);
        }
        List<VectorPoint> points = points(s, kept.toArray(ScoreDoc[]::new), search.includeVectors());
        var hits = new ArrayList<ScoredPoint>(kept.size());
        for (int i = 0; i < kept.size(); i++) {
            VectorPoint p = points.get(i);
            hits.add(new ScoredPoint(p.id(), cosine(kept.get(i), scale), p.vector(), p.payload()));
        }
        return hits;
    }

    private static double cosine(ScoreDoc hit, int scale) {
        return scale == 2 ? 2.0 * hit.score - 1.0 : hit.score;
    }

    /** Merges down to {@code maxSegments} (waiting for it), commits, and refreshes the searcher onto the merged segments. */
    void forceMerge(int maxSegments) {
        unchecked(() -> {
            writer.forceMerge(maxSegments, true);
            writer.commit();
            searchers.maybeRefreshBlocking();
            return null;
        });
    }

    int segments() {
        return read(s -> s.getIndexReader().leaves().size());
    }

    void commitIfChanged() {
        unchecked(() -> {
            if (writer.hasUncommittedChanges()) writer.commit();
            return null;
        });
    }

    /** Closing the writer commits what is pending (IndexWriterConfig's commitOnClose). */
    @Override
    public void close() {
        unchecked(() -> {
            IOUtils.close(reopener, searchers, writer, directory);
            return null;
        });
    }

    private Document document(VectorPoint p) {
        var doc = new Document();
        doc.add(new KeywordField(ID, p.id(), Store.YES));
        doc.add(new KnnFloatVectorField(VECTOR, Vectors.normalised(name, dimension, p.vector()), VectorSimilarityFunction.DOT_PRODUCT));
        p.payload().forEach((key, value) -> doc.add(switch (value) {
            case String s -> new KeywordField(key, s, Store.YES);
            case Long l -> new LongField(key, l, Store.YES);
            case Double d -> new StoredField(key, d);
            case Boolean b -> new StoredField(key, b ? 1 : 0);
            default -> throw new IllegalStateException("VectorPoint admitted payload type " + value.getClass());
        }));
        return doc;
    }

    private static Query query(VectorFilter filter) {
        if (filter.matchesAll()) return MatchAllDocsQuery.INSTANCE;
        var all = new BooleanQuery.Builder();
        if (filter.hasTimeRange()) {
            long from = filter.fromMillis() == null ? Long.MIN_VALUE : filter.fromMillis();
            long to = filter.toMillis() == null ? Long.MAX_VALUE : filter.toMillis();
            all.add(LongField.newRangeQuery(VectorFilter.TIMESTAMP, from, to), Occur.FILTER);
        }
        filter.keywords().forEach((field, values) ->
                all.add(KeywordField.newSetQuery(field, values.stream().map(BytesRef::new).toList()), Occur.FILTER));
        return all.build();
    }

    /** {@code change} returns the write's sequence number, as IndexWriter's updates and deletes do. */
    private void write(IOFunction<IndexWriter, Long> change) {
        unchecked(() -> {
            long sequence = change.apply(writer);
            if (commitEveryWrite) writer.commit();
            lastWrite.accumulateAndGet(sequence, Math::max);
            return null;
        });
    }

    /** Read-your-writes: every write that returned before this read is visible to it. */
    private <T> T read(IOFunction<IndexSearcher, T> query) {
        return unchecked(() -> {
            long written = lastWrite.get();
            if (written >= 0) {
                try {
                    reopener.waitForGeneration(written);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new VectorStoreException("vector collection '" + name + "': interrupted waiting for a refresh", e);
                }
            }
            IndexSearcher searcher = searchers.acquire();
            try {
                return query.apply(searcher);
            } finally {
                searchers.release(searcher);
            }
        });
    }

    private <T> T unchecked(IOSupplier<T> operation) {
        try {
            return operation.get();
        } catch (IOException e) {
            throw new VectorStoreException("vector collection '" + name + "': " + e, e);
        }
    }

    private static VectorPoint point(IndexSearcher searcher, int doc, boolean withVector) throws IOException {
        return points(searcher, new ScoreDoc[]{new ScoreDoc(doc, 0)}, withVector).getFirst();
    }

    /**
     * The points of these docs, in their order. One stored-fields reader visits them in doc order: it decodes a block's
     * header once for the docs that share it, where a reader per doc decoded it for each (most of a search's cost).
     */
    private static List<VectorPoint> points(IndexSearcher searcher, ScoreDoc[] hits, boolean withVector) throws IOException {
        Integer[] byDoc = new Integer[hits.length];
        for (int i = 0; i < hits.length; i++) byDoc[i] = i;
        java.util.Arrays.sort(byDoc, java.util.Comparator.comparingInt(i -> hits[i].doc));
        var stored = searcher.storedFields();
        VectorPoint[] out = new VectorPoint[hits.length];
        for (int i : byDoc) {
            var fields = new PointFields();
            stored.document(hits[i].doc, fields);
            out[i] = new VectorPoint(fields.id, withVector ? vector(searcher, hits[i].doc) : null, fields.payload);
        }
        return java.util.Arrays.asList(out);
    }

    private static float[] vector(IndexSearcher searcher, int doc) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
        KnnVectorValues.DocIndexIterator it = values.iterator();
        if (it.advance(doc - leaf.docBase) != doc - leaf.docBase) throw new IllegalStateException("point without a vector: doc " + doc);
        return values.vectorValue(it.index()).clone();
    }

    /** Reads a point's stored fields back into their payload types (see the class comment). */
    private static final class PointFields extends StoredFieldVisitor {
        String id;
        final Map<String, Object> payload = new LinkedHashMap<>();

        @Override
        public Status needsField(FieldInfo field) {
            return Status.YES;
        }

        @Override
        public void stringField(FieldInfo field, String value) {
            if (field.name.equals(ID)) id = value;
            else payload.put(field.name, value);
        }

        @Override
        public void longField(FieldInfo field, long value) {
            payload.put(field.name, value);
        }

        @Override
        public void doubleField(FieldInfo field, double value) {
            payload.put(field.name, value);
        }

        @Override
        public void intField(FieldInfo field, int value) {
            payload.put(field.name, value != 0);
        }
    }

    /**
      * Brute-force top-k over every (filtered, live) document, through Lucene's own exact scorer:
      * where {@link KnnFloatVectorQuery} would walk the HNSW graph, this scores every candidate.
      */
    private static final class ExactKnnFloatVectorQuery extends KnnFloatVectorQuery {
        ExactKnnFloatVectorQuery(String field, float[] target, int k, Query filter) {
            super(field, target, k, filter);
        }

        @Override
        protected TopDocs approximateSearch(LeafReaderContext context, AcceptDocs acceptDocs, int visitedLimit,
                KnnCollectorManager collectorManager) throws IOException {
            return exactSearch(context, acceptDocs.iterator(), null);
        }
    }
}
