package io.facestream.api.backend;

import io.facestream.api.ApiException;
import io.facestream.blobs.BlobStore;
import io.facestream.models.FaceAnalyzer;
import io.facestream.topologies.gallery.Enrolment;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.models.MatchThresholds;
import io.facestream.topologies.views.ViewQueries;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the endpoints read and write, in one place: the pipeline's views through the views contract
 * ({@link ViewQueries}, routed by {@link ViewRouter} to the instance holding a key), the read-only gallery and
 * the thresholds its matches are judged by, the vector store, the face models and enrolment, the blob store,
 * and {@link Writes} for commands. Endpoints reach the pipeline only through these: never a processor, a store
 * name or a key layout.
 *
 * @param thresholds    the pipeline's match thresholds, which the API's own matches (search, live) apply too
 * @param writeTimeout  how long a create or update waits for its own view to show the change before a 503
 * @param mqttConnected whether this process's MQTT publisher holds a connection to its broker (false without one)
 */
public record Backend(KafkaStreams streams, ViewRouter router, Gallery gallery, MatchThresholds thresholds, VectorStore vectors,
                      FaceAnalyzer analyzer, BlobStore blobs, Writes writes, Duration writeTimeout, BooleanSupplier mqttConnected) {

    /** A backend with no MQTT publisher in its process. */
    public Backend(KafkaStreams streams, ViewRouter router, Gallery gallery, MatchThresholds thresholds, VectorStore vectors,
                   FaceAnalyzer analyzer, BlobStore blobs, Writes writes, Duration writeTimeout) {
        this(streams, router, gallery, thresholds, vectors, analyzer, blobs, writes, writeTimeout, () -> false);
    }

    /** Queries over the views, whichever instance holds them; while the pipeline rebalances or restores, a 503 that says so. */
    public ViewQueries queries() {
        return queries(ViewQueries.DEFAULT_STALENESS);
    }

    /** {@link #queries()} where a camera whose latest heartbeat is older than {@code staleness} reads OFFLINE. */
    public ViewQueries queries(Duration staleness) {
        return new ViewQueries(this::store, staleness, Clock.systemUTC());
    }

    public Enrolment enrolment() {
        return new Enrolment(analyzer);
    }

    private ReadOnlyKeyValueStore<String, ?> store(String name) {
        try {
            return router.store(name);
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("The pipeline is starting or rebalancing; try again in a moment.");
        }
    }

    /**
     * Waits until {@code visible} holds (a write has reached its view), so a client that writes then reads
     * sees what it wrote; a 503 when the pipeline does not catch up within the write timeout.
     */
    public void awaitVisible(BooleanSupplier visible, String what) {
        awaitVisible(visible, what, writeTimeout);
    }

    /** {@link #awaitVisible(BooleanSupplier, String)} with a timeout of its own. */
    public void awaitVisible(BooleanSupplier visible, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (visible.getAsBoolean()) return;
            } catch (ApiException | InvalidStateStoreException e) {
                // the view is not queryable yet (the pipeline is starting or rebalancing): keep waiting until the deadline
            }
            if (System.nanoTime() > deadline) {
                throw ApiException.unavailable(what + " was accepted but the pipeline has not applied it within "
                        + timeout.toMillis() + " ms; it will appear once the pipeline catches up.");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("interrupted while waiting for " + what);
            }
        }
    }
}
