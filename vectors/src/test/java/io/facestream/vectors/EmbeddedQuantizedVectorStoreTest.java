package io.facestream.vectors;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole contract again on the embedded store with int8 scalar quantisation: scores must still be exact cosines
 * (the candidates are rescored on float32) and recall@10 on face-like data at least 0.95.
 */
class EmbeddedQuantizedVectorStoreTest extends VectorStoreContract {

    @TempDir Path dir;

    @Override
    protected VectorStore open() {
        return new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir).withQuantized(true));
    }
}
