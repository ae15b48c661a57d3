package io.facestream.api.backend;

import io.facestream.api.ApiException;
import io.facestream.ingest.blob.BlobStore;
import io.facestream.models.FaceAnalyzer;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.views.CatalogQueries;
import io.facestream.vectors.VectorStore;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What the endpoints read and write, in one place: the pipeline's views (interactive queries on this
 * instance's Kafka Streams), the gallery, the vector store, the face models, the blob store, and
 * {@link Writes} for commands. Endpoints never reach into a topology's processors, only its named views.
 *
 * @param writeTimeout  how long a create or update waits for its own view to show the change before a 503
 * @param mqttConnected whether this process's MQTT publisher holds a connection to its broker (false without one)
 */
public record Backend(KafkaStreams streams, Views views, Gallery gallery, VectorStore vectors, FaceAnalyzer analyzer, BlobStore blobs,
                      Writes writes, Duration writeTimeout, BooleanSupplier mqttConnected) {

    /** A backend with no MQTT publisher in its process. */
    public Backend(KafkaStreams streams, Views views, Gallery gallery, VectorStore vectors, FaceAnalyzer analyzer, BlobStore blobs,
                   Writes writes, Duration writeTimeout) {
        this(streams, views, gallery, vectors, analyzer, blobs, writes, writeTimeout, () -> false);
    }

    /** A view, whichever instance holds it; while the pipeline rebalances or restores, a 503 that says so. */
    public <V> ReadOnlyKeyValueStore<String, V> view(String name) {
        try {
            return views.store(name);
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("The pipeline is starting or rebalancing; try again in a moment.");
        }
    }

    public CatalogQueries catalog() {
        return new CatalogQueries(this::view, CatalogQueries.DEFAULT_STALENESS, Clock.systemUTC());
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
