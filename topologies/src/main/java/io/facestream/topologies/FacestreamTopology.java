package io.facestream.topologies;

import io.facestream.models.InferenceMetrics;
import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.state.EmbedWork;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackAppearance;
import io.facestream.schemas.avro.state.TrackerState;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.alerts.AlertCounter;
import io.facestream.topologies.alerts.AlertProcessor;
import io.facestream.topologies.catalog.CatalogViews;
import io.facestream.topologies.embedding.Embedder;
import io.facestream.topologies.embedding.EmbeddingProcessor;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.gallery.GalleryUpdater;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.tracking.TrackingProcessor;
import io.facestream.topologies.views.View;
import io.facestream.topologies.views.Views;
import io.facestream.vectors.VectorStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole recognition pipeline as one Kafka Streams topology, in two sub-topologies so that an alert
 * costs a single exactly-once commit after its frame:
 * <ol>
 *   <li>per source (partitioned like the crops): frames + face crops → tracking → micro-batched embedding →
 *       {@code tracks}, {@code face-embeddings} and, from the embeddings, {@code poi-alerts};</li>
 *   <li>one partition: embeddings and track events (in the order the first produced them) + identity
 *       commands → identity resolution → {@code sightings}, with the identity, face and sighting views, and
 *       unknown-face alert candidates, which {@link CatalogViews} joins with the camera definitions: those of
 *       cameras with {@code unknown_face_alerts} go to {@code poi-alerts} as alerts of kind UNKNOWN.</li>
 * </ol>
 * Two global stores give every instance the people (the gallery) and the alert counts; {@link CatalogViews}
 * adds the cameras, files and recent-alerts views. Every view is named in the views contract ({@link Views}); each
 * processor declares its own stores ({@link ProcessorStores}).
 */
public final class FacestreamTopology {
    /** Name of the one-partition hop into identity resolution (Kafka Streams prefixes the application id). */
    public static final String RESOLUTION_TOPIC = "resolution";

    public static Topology build(PipelineSettings settings, AvroSerdes serdes, Embedder embedder, Gallery gallery,
                                 VectorStore vectors, InferenceMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> keys = Serdes.String();

        // Global stores are filled from their topic directly, so they carry no changelog of their own.
        builder.addGlobalStore(globalStore(Views.PEOPLE, serdes), Topics.PEOPLE,
                Consumed.with(keys, serdes.of(Person.class)), () -> new GalleryUpdater(gallery));
        builder.addGlobalStore(globalStore(Views.ALERT_COUNTS, serdes), Topics.POI_ALERTS,
                Consumed.with(keys, serdes.of(PoiAlert.class)), AlertCounter::new);

        KStream<String, SpecificRecord> crops = builder.stream(Topics.FACE_CROPS, Consumed.with(keys, serdes.of(FaceCrop.class)))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, SpecificRecord> frames = builder.stream(Topics.FRAMES, Consumed.with(keys, serdes.of(Frame.class)))
                .mapValues(v -> (SpecificRecord) v);
        // The embedding stage reports faces of another person on a track; the tracker splits the track there.
        StoreBuilder<KeyValueStore<String, Long>> splits = TrackingProcessor.splitsStore();
        KStream<String, ResolutionInput> tracked = crops.merge(frames)
                .process(TrackingProcessor.supplier(settings.tracker(), settings.maxPendingFrames(), settings.silentCamera(), serdes, splits))
                .process(EmbeddingProcessor.supplier(embedder, settings.embedBatchSize(), settings.embedMaxWait(), metrics,
                        settings.thresholds().search(), settings.tracker().minEmbedQuality(), serdes, splits));

        tracked.filter((k, v) -> v.getEvent() != null).mapValues(ResolutionInput::getEvent)
                .to(Topics.TRACKS, Produced.with(keys, serdes.of(TrackEvent.class)));
        KStream<String, FaceEmbedding> embeddings = tracked.filter((k, v) -> v.getEmbedding() != null).mapValues(ResolutionInput::getEmbedding);
        embeddings.to(Topics.FACE_EMBEDDINGS, Produced.with(keys, serdes.of(FaceEmbedding.class)));
        KStream<String, PoiAlert> alerts = embeddings.process(
                AlertProcessor.supplier(gallery, settings.thresholds().poi(), settings.alertCooldown(), settings.tracker().minEmbedQuality()));
        alerts.to(Topics.POI_ALERTS, Produced.with(keys, serdes.of(PoiAlert.class)));

        KStream<String, SpecificRecord> toResolve = tracked
                .repartition(Repartitioned.with(keys, serdes.of(ResolutionInput.class)).withName(RESOLUTION_TOPIC).withNumberOfPartitions(1))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, SpecificRecord> commands = builder.stream(Topics.IDENTITY_COMMANDS, Consumed.with(keys, serdes.of(IdentityCommand.class)))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, SpecificRecord> resolved = toResolve.merge(commands)
                .process(IdentityResolver.supplier(settings, gallery, vectors, serdes));
        resolved.filter((k, v) -> v instanceof Sighting).mapValues(v -> (Sighting) v)
                .to(Topics.SIGHTINGS, Produced.with(keys, serdes.of(Sighting.class)));
        KStream<String, PoiAlert> unknownCandidates = resolved.filter((k, v) -> v instanceof PoiAlert).mapValues(v -> (PoiAlert) v);

        KStream<String, PoiAlert> unknownAlerts = CatalogViews.addTo(builder, serdes, alerts, unknownCandidates);
        unknownAlerts.to(Topics.POI_ALERTS, Produced.with(keys, serdes.of(PoiAlert.class)));
        return builder.build();
    }

    /**
     * Registers every schema the path from a crop to an alert writes (its stores' changelogs, the hop into
     * identity resolution, the output topics), so the first alert after a deployment does not wait for a
     * dozen registrations.
     */
    public static void registerAlertPathSchemas(AvroSerdes serdes, String applicationId) {
        serdes.of(FaceCrop.class).register(Views.changelog(applicationId, TrackingProcessor.PENDING_CROPS));
        serdes.of(Frame.class).register(Views.changelog(applicationId, TrackingProcessor.PENDING_FRAMES));
        serdes.of(TrackerState.class).register(Views.changelog(applicationId, TrackingProcessor.STATE));
        serdes.of(EmbedWork.class).register(Views.changelog(applicationId, EmbeddingProcessor.QUEUE));
        serdes.of(TrackAppearance.class).register(Views.changelog(applicationId, EmbeddingProcessor.APPEARANCE));
        serdes.of(ResolutionInput.class).register(applicationId + "-" + RESOLUTION_TOPIC + "-repartition");
        serdes.of(TrackEvent.class).register(Topics.TRACKS);
        serdes.of(FaceEmbedding.class).register(Topics.FACE_EMBEDDINGS);
        serdes.of(PoiAlert.class).register(Topics.POI_ALERTS);
        serdes.of(Sighting.class).register(Topics.SIGHTINGS);
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> globalStore(View<V> view, AvroSerdes serdes) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(view.name()), Serdes.String(), view.serde(serdes))
                .withCachingEnabled().withLoggingDisabled();
    }

    private FacestreamTopology() {
    }
}
