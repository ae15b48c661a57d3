package io.facestream.api.backend;

import io.facestream.api.HealthCheck;
import io.facestream.topologies.views.View;
import io.facestream.topologies.views.Views;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

import java.util.Collection;
import java.util.List;

/**
 * Ready means a query will be answered: the pipeline is RUNNING, every view the API reads has a holder,
 * and this instance's part of each is queryable (not restoring). {@code /health/ready} and the
 * standalone's "ready" line both ask this check.
 */
public final class Readiness {
    private Readiness() {
    }

    public static HealthCheck.Result check(KafkaStreams streams, ViewRouter views) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) return HealthCheck.Result.down("the pipeline is " + state);
        for (View<?> each : Views.all()) {
            String view = each.name();
            // alone (no application.server), every view is local; scaled out, Kafka Streams' metadata names the holders
            boolean heldHere = views.self() == null;
            if (!heldHere) {
                // Kafka Streams names the instances with a standby copy too: only an active copy answers fresh
                Collection<StreamsMetadata> holders = streams.streamsMetadataForStore(view).stream()
                        .filter(h -> h.stateStoreNames().contains(view)).toList();
                if (holders.isEmpty()) return HealthCheck.Result.down("no instance holds the " + view + " view yet");
                heldHere = holders.stream().anyMatch(h -> h.hostInfo().equals(views.self()));
            }
            if (!heldHere) continue;
            try {
                // throws while a task of this instance restores or migrates
                views.local(view).approximateNumEntries();
            } catch (InvalidStateStoreException e) {
                return HealthCheck.Result.down("the " + view + " view is not queryable yet (restoring or migrating)");
            }
        }
        return HealthCheck.Result.up();
    }
}
