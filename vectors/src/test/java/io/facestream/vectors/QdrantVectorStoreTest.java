package io.facestream.vectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.qdrant.QdrantContainer;

/**
  * The contract against a real Qdrant in a container. Where no Docker engine answers, every test
  * here is reported skipped with that reason (never passed).
  */
class QdrantVectorStoreTest extends VectorStoreContract {

    /** The server release matching the client (io.qdrant:client 1.18.x). */
    static final String IMAGE = "qdrant/qdrant:v1.18.2";

    private static QdrantContainer qdrant;

    @BeforeAll
    static void startQdrant() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            qdrant = new QdrantContainer(IMAGE);
            qdrant.start();
        }
    }

    @AfterAll
    static void stopQdrant() {
        if (qdrant != null) qdrant.stop();
    }

    @Override
    protected VectorStore open() {
        // Assumed per test (not once per class) so that each test is reported as skipped, with the reason.
        Assumptions.assumeTrue(qdrant != null, "Qdrant contract tests skipped: no Docker engine");
        return new QdrantVectorStore(QdrantVectorStore.Config.of(qdrant.getHost(), qdrant.getGrpcPort()));
    }
}
