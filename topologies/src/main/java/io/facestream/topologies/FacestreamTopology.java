package io.facestream.topologies;

import io.facestream.schemas.avro.FaceCrop;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Frame;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.TrackEvent;
import io.facestream.schemas.avro.state.EmbedWork;
import io.facestream.schemas.avro.state.ResolutionInput;
import io.facestream.schemas.avro.state.TrackResolution;
import io.facestream.schemas.avro.state.TrackerState;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.alerts.AlertCounter;
import io.facestream.topologies.alerts.AlertProcessor;
import io.facestream.topologies.embedding.Embedder;
import io.facestream.topologies.embedding.EmbeddingMetrics;
import io.facestream.topologies.embedding.EmbeddingProcessor;
import io.facestream.topologies.gallery.Gallery;
import io.facestream.topologies.gallery.GalleryUpdater;
import io.facestream.topologies.identity.IdentityResolver;
import io.facestream.topologies.tracking.TrackingProcessor;
import io.facestream.topologies.views.CatalogViews;
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
 *       commands → identity resolution → {@code sightings}, with the identity, face and sighting views.</li>
 * </ol>
 * Two global stores give every instance the people (the gallery) and the alert counts; {@link CatalogViews}
 * adds the cameras, files and recent-alerts views.
 */
public final class FacestreamTopology {
    /** Name of the one-partition hop into identity resolution (Kafka Streams prefixes the application id). */
    public static final String RESOLUTION_TOPIC = "resolution";

    public static Topology build(PipelineSettings settings, TopologySerdes serdes, Embedder embedder, Gallery gallery,
                                 VectorStore vectors, EmbeddingMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> keys = Serdes.String();

        builder.addGlobalStore(store(GalleryUpdater.PEOPLE, serdes.of(Person.class)).withLoggingDisabled(), Topics.PEOPLE,
                Consumed.with(keys, serdes.of(Person.class)), () -> new GalleryUpdater(gallery));
        builder.addGlobalStore(store(AlertCounter.COUNTS, Serdes.Long()).withLoggingDisabled(), Topics.POI_ALERTS,
                Consumed.with(keys, serdes.of(PoiAlert.class)), AlertCounter::new);

        builder.addStateStore(transientStore(TrackingProcessor.PENDING_CROPS, serdes.of(FaceCrop.class)));
        builder.addStateStore(transientStore(TrackingProcessor.PENDING_FRAMES, serdes.of(Frame.class)));
        builder.addStateStore(transientStore(TrackingProcessor.STATE, serdes.of(TrackerState.class)));
        builder.addStateStore(transientStore(EmbeddingProcessor.QUEUE, serdes.of(EmbedWork.class)));
        builder.addStateStore(store(AlertProcessor.SENT, Serdes.Long()));
        builder.addStateStore(store(AlertProcessor.COOLDOWN, Serdes.Long()));

        KStream<String, SpecificRecord> crops = builder.stream(Topics.FACE_CROPS, Consumed.with(keys, serdes.of(FaceCrop.class)))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, SpecificRecord> frames = builder.stream(Topics.FRAMES, Consumed.with(keys, serdes.of(Frame.class)))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, ResolutionInput> tracked = crops.merge(frames)
                .process(() -> new TrackingProcessor(settings.tracker(), settings.maxPendingFrames(), settings.silentCamera()),
                        TrackingProcessor.PENDING_CROPS, TrackingProcessor.PENDING_FRAMES, TrackingProcessor.STATE)
                .process(() -> new EmbeddingProcessor(embedder, settings.embedBatchSize(), settings.embedMaxWait(), metrics),
                        EmbeddingProcessor.QUEUE);

        tracked.filter((k, v) -> v.getEvent() != null).mapValues(ResolutionInput::getEvent)
                .to(Topics.TRACKS, Produced.with(keys, serdes.of(TrackEvent.class)));
        KStream<String, FaceEmbedding> embeddings = tracked.filter((k, v) -> v.getEmbedding() != null).mapValues(ResolutionInput::getEmbedding);
        embeddings.to(Topics.FACE_EMBEDDINGS, Produced.with(keys, serdes.of(FaceEmbedding.class)));
        KStream<String, PoiAlert> alerts = embeddings.process(
                () -> new AlertProcessor(gallery, settings.poiThreshold(), settings.alertCooldown()), AlertProcessor.SENT, AlertProcessor.COOLDOWN);
        alerts.to(Topics.POI_ALERTS, Produced.with(keys, serdes.of(PoiAlert.class)));

        builder.addStateStore(store(IdentityResolver.IDENTITIES, serdes.of(Identity.class)));
        builder.addStateStore(store(IdentityResolver.FACES, serdes.of(Face.class)));
        builder.addStateStore(store(IdentityResolver.FACES_BY_IDENTITY, Serdes.String()));
        builder.addStateStore(store(IdentityResolver.SIGHTINGS, serdes.of(Sighting.class)));
        builder.addStateStore(store(IdentityResolver.SIGHTINGS_BY_IDENTITY, Serdes.String()));
        builder.addStateStore(store(IdentityResolver.TRACKS, serdes.of(TrackResolution.class)));
        KStream<String, SpecificRecord> toResolve = tracked
                .repartition(Repartitioned.with(keys, serdes.of(ResolutionInput.class)).withName(RESOLUTION_TOPIC).withNumberOfPartitions(1))
                .mapValues(v -> (SpecificRecord) v);
        KStream<String, SpecificRecord> commands = builder.stream(Topics.IDENTITY_COMMANDS, Consumed.with(keys, serdes.of(IdentityCommand.class)))
                .mapValues(v -> (SpecificRecord) v);
        toResolve.merge(commands)
                .process(() -> new IdentityResolver(settings, gallery, vectors), IdentityResolver.IDENTITIES, IdentityResolver.FACES,
                        IdentityResolver.FACES_BY_IDENTITY, IdentityResolver.SIGHTINGS, IdentityResolver.SIGHTINGS_BY_IDENTITY,
                        IdentityResolver.TRACKS)
                .to(Topics.SIGHTINGS, Produced.with(keys, serdes.of(Sighting.class)));

        CatalogViews.addTo(builder, serdes, alerts);
        return builder.build();
    }

    /**
     * Registers every schema the path from a crop to an alert writes (its stores' changelogs, the hop into
     * identity resolution, the output topics), so the first alert after a deployment does not wait for a
     * dozen registrations.
     */
    public static void registerAlertPathSchemas(TopologySerdes serdes, String applicationId) {
        serdes.of(FaceCrop.class).register(changelog(applicationId, TrackingProcessor.PENDING_CROPS));
        serdes.of(Frame.class).register(changelog(applicationId, TrackingProcessor.PENDING_FRAMES));
        serdes.of(TrackerState.class).register(changelog(applicationId, TrackingProcessor.STATE));
        serdes.of(EmbedWork.class).register(changelog(applicationId, EmbeddingProcessor.QUEUE));
        serdes.of(ResolutionInput.class).register(applicationId + "-" + RESOLUTION_TOPIC + "-repartition");
        serdes.of(TrackEvent.class).register(Topics.TRACKS);
        serdes.of(FaceEmbedding.class).register(Topics.FACE_EMBEDDINGS);
        serdes.of(PoiAlert.class).register(Topics.POI_ALERTS);
        serdes.of(Sighting.class).register(Topics.SIGHTINGS);
    }

    /**
     * The value serde of every view the API reads, for moving view entries between instances (a key owned by
     * another instance); null for a store that is not a view.
     */
    public static Serde<?> viewSerde(String store, TopologySerdes serdes) {
        return switch (store) {
            case IdentityResolver.IDENTITIES -> serdes.of(Identity.class);
            case IdentityResolver.FACES -> serdes.of(Face.class);
            case IdentityResolver.SIGHTINGS -> serdes.of(Sighting.class);
            case IdentityResolver.FACES_BY_IDENTITY, IdentityResolver.SIGHTINGS_BY_IDENTITY -> Serdes.String();
            default -> CatalogViews.valueSerde(store, serdes);
        };
    }

    /** Kafka Streams' name for a store's changelog topic. */
    public static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /**
     * A store whose entries live for a frame or a batch (waiting crops, the queue, live tracks): held in memory,
     * still backed by its changelog, so exactly-once restores it, without RocksDB's cost on every record.
     */
    private static <V> StoreBuilder<KeyValueStore<String, V>> transientStore(String name, Serde<V> values) {
        // Cached: a crop put and deleted within one commit interval reaches the changelog once (as its tombstone),
        // and a source's tracker state once per commit instead of once per frame.
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values).withCachingEnabled();
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), values).withCachingEnabled();
    }

    private FacestreamTopology() {
    }
}
