package io.facestream.topologies.identity;

import io.facestream.vectors.EmbeddedVectorStore;
import io.facestream.vectors.VectorPoint;
import io.facestream.vectors.VectorStore;
import io.facestream.vectors.VectorStoreException;
import io.facestream.vectors.bench.SyntheticFaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Identity resolution's vector-store writer, on the embedded store: in order, all applied when awaited, a vector the
 * store would refuse refused at once, a failed write reported and nothing after it applied.
 */
class VectorWritesTest {
    private final Random random = new Random(3);

    @TempDir
    Path dir;

    @Test
    void writesAreAppliedInOrderAndAllOfThemOnceAwaited() {
        try (VectorStore store = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir));
             VectorWrites writes = new VectorWrites(store)) {
            store.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
            for (int i = 0; i < 2 * VectorWrites.MAX_PENDING; i++) writes.upsert(VectorStore.FACES, List.of(point("f" + i)));
            writes.upsert(VectorStore.FACES, List.of(point("gone")));
            writes.delete(VectorStore.FACES, List.of("gone")); // after the upsert of the same id, whatever the writer's pace
            writes.awaitWritten();
            assertThat(store.count(VectorStore.FACES)).isEqualTo(2L * VectorWrites.MAX_PENDING);
            assertThat(store.get(VectorStore.FACES, "gone")).isEmpty();
        }
    }

    @Test
    void aVectorTheStoreWouldRefuseIsRefusedAtOnceAndTheWriterGoesOn() {
        try (VectorStore store = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir));
             VectorWrites writes = new VectorWrites(store)) {
            store.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
            assertThatThrownBy(() -> writes.upsert(VectorStore.FACES, List.of(new VectorPoint("short", new float[7], Map.of()))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension");
            assertThatThrownBy(() -> writes.upsert(VectorStore.FACES, List.of(new VectorPoint("zero", new float[VectorStore.DEFAULT_DIMENSION], Map.of()))))
                    .isInstanceOf(IllegalArgumentException.class);
            writes.upsert(VectorStore.FACES, List.of(point("next")));
            writes.awaitWritten();
            assertThat(store.get(VectorStore.FACES, "next")).isPresent();
            assertThat(store.get(VectorStore.FACES, "short")).isEmpty();
        }
    }

    @Test
    void aFailedWriteFailsTheNextCallAndTheWritesAfterItAreNotApplied() {
        try (VectorStore store = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir));
             VectorWrites writes = new VectorWrites(new FailingOn("broken", store))) {
            store.ensureCollection(VectorStore.FACES, VectorStore.DEFAULT_DIMENSION);
            writes.upsert(VectorStore.FACES, List.of(point("before")));
            writes.upsert(VectorStore.FACES, List.of(point("broken")));
            writes.upsert(VectorStore.FACES, List.of(point("after")));
            assertThatThrownBy(writes::awaitWritten).isInstanceOf(VectorStoreException.class)
                    .hasMessageContaining("a write to the vector store failed").hasRootCauseInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> writes.upsert(VectorStore.FACES, List.of(point("later")))).isInstanceOf(VectorStoreException.class);
            assertThat(store.get(VectorStore.FACES, "before")).isPresent();
            assertThat(store.get(VectorStore.FACES, "after")).as("not applied after a failure: the task starts again from its commit").isEmpty();
        }
    }

    /** The embedded store, whose upsert of one id fails as a disk would. */
    private record FailingOn(String id, VectorStore store) implements VectorStore {
        @Override
        public void upsert(String collection, java.util.Collection<VectorPoint> points) {
            if (points.stream().anyMatch(p -> p.id().equals(id))) {
                throw new VectorStoreException("writing " + id, new java.io.IOException("No space left on device"));
            }
            store.upsert(collection, points);
        }

        @Override
        public void ensureCollection(String collection, int dimension) {
            store.ensureCollection(collection, dimension);
        }

        @Override
        public java.util.Optional<VectorPoint> get(String collection, String pointId) {
            return store.get(collection, pointId);
        }

        @Override
        public void delete(String collection, java.util.Collection<String> ids) {
            store.delete(collection, ids);
        }

        @Override
        public void deleteWhere(String collection, io.facestream.vectors.VectorFilter filter) {
            store.deleteWhere(collection, filter);
        }

        @Override
        public List<io.facestream.vectors.ScoredPoint> search(String collection, io.facestream.vectors.Search search) {
            return store.search(collection, search);
        }

        @Override
        public long count(String collection, io.facestream.vectors.VectorFilter filter) {
            return store.count(collection, filter);
        }

        @Override
        public List<VectorPoint> scroll(String collection, io.facestream.vectors.VectorFilter filter, int limit, boolean withVectors) {
            return store.scroll(collection, filter, limit, withVectors);
        }

        @Override
        public void close() {
            // the test closes the store itself
        }
    }

    private VectorPoint point(String id) {
        return new VectorPoint(id, SyntheticFaces.randomUnit(random, VectorStore.DEFAULT_DIMENSION), Map.of());
    }
}
