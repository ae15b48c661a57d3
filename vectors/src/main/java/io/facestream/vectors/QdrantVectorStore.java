package io.facestream.vectors;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ConditionFactory.range;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.ValueFactory;
import io.qdrant.client.VectorOutputHelper;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.SearchParams;
import io.qdrant.client.grpc.Points.VectorsOutput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
  * The scaled-out vector store: Qdrant through its Java gRPC client.
  *
  * <p>Collections use one unnamed dense vector of the collection's dimension with {@link
  * Distance#Cosine}, whose score is already the cosine similarity. Qdrant point ids must be UUIDs or
  * unsigned integers, so a point's string id maps to the name-based (MD5, version 3) UUID of its
  * UTF-8 bytes, and the string itself is kept in the payload under {@value #ID_FIELD}. Creating a
  * collection also creates payload indexes: integer on {@value VectorFilter#TIMESTAMP} and keyword on
  * {@link Config#keywordIndexes()}; filters on other fields work too, unindexed. Writes wait for
  * Qdrant to apply them ({@code wait=true}), so they are visible to the next read. Qdrant decides
  * exact or HNSW search by itself (small or unindexed segments are searched exactly); {@link
  * Search#exact()} forces exact.
  */
public final class QdrantVectorStore implements VectorStore {

    static final String ID_FIELD = "_id";

    /**
      * @param host Qdrant host name
      * @param grpcPort its gRPC port ({@value #DEFAULT_GRPC_PORT}; the REST port 6333 is not used)
      * @param apiKey sent as the {@code api-key} header; null for none
      * @param tls use TLS for the connection
      * @param timeout deadline of every call
      * @param keywordIndexes string payload fields given a keyword index when a collection is created
      */
    public record Config(String host, int grpcPort, String apiKey, boolean tls, Duration timeout, Set<String> keywordIndexes) {
        public static final int DEFAULT_GRPC_PORT = 6334;
        public static final Set<String> DEFAULT_KEYWORD_INDEXES = Set.of(FacePayload.SOURCE_ID, FacePayload.IDENTITY_ID,
                FacePayload.PERSON_ID, FacePayload.TRACK_ID);

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(timeout, "timeout");
            keywordIndexes = Set.copyOf(keywordIndexes);
        }

        public static Config of(String host, int grpcPort) {
            return new Config(host, grpcPort, null, false, Duration.ofSeconds(30), DEFAULT_KEYWORD_INDEXES);
        }

        public Config withApiKey(String key) {
            return new Config(host, grpcPort, key, tls, timeout, keywordIndexes);
        }

        public Config withTls(boolean useTls) {
            return new Config(host, grpcPort, apiKey, useTls, timeout, keywordIndexes);
        }

        public Config withTimeout(Duration callTimeout) {
            return new Config(host, grpcPort, apiKey, tls, callTimeout, keywordIndexes);
        }

        public Config withKeywordIndexes(Set<String> fields) {
            return new Config(host, grpcPort, apiKey, tls, timeout, fields);
        }
    }

    private final Config config;
    private final QdrantClient client;
    private final Map<String, Integer> dimensions = new ConcurrentHashMap<>();

    public QdrantVectorStore(Config config) {
        this.config = config;
        var grpc = QdrantGrpcClient.newBuilder(config.host(), config.grpcPort(), config.tls()).withTimeout(config.timeout());
        if (config.apiKey() != null) grpc.withApiKey(config.apiKey());
        this.client = new QdrantClient(grpc.build());
    }

    /** The Qdrant point id of a facestream id. */
    static PointId pointId(String id) {
        return PointIdFactory.id(UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void ensureCollection(String collection, int dimension) {
        Vectors.checkCollectionName(collection);
        if (dimension < 1) throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        if (!call(collection, client.collectionExistsAsync(collection, config.timeout()))) {
            try {
                var params = VectorParams.newBuilder().setSize(dimension).setDistance(Distance.Cosine).build();
                call(collection, client.createCollectionAsync(collection, params, config.timeout()));
                createIndex(collection, VectorFilter.TIMESTAMP, PayloadSchemaType.Integer);
                for (String field : config.keywordIndexes()) createIndex(collection, field, PayloadSchemaType.Keyword);
            } catch (RuntimeException e) {
                // Another instance may have created it between our check and our create; then go on.
                if (!call(collection, client.collectionExistsAsync(collection, config.timeout()))) throw e;
            }
        }
        int existing = dimension(collection);
        if (existing != dimension) {
            throw new IllegalArgumentException("collection '" + collection + "' exists with dimension " + existing + ", not " + dimension);
        }
    }

    @Override
    public void upsert(String collection, Collection<VectorPoint> points) {
        int dimension = dimension(collection);
        var byId = new LinkedHashMap<String, PointStruct>();
        for (VectorPoint p : points) {
            byId.put(p.id(), PointStruct.newBuilder()
                    .setId(pointId(p.id()))
                    .setVectors(VectorsFactory.vectors(Vectors.normalised(collection, dimension, p.vector())))
                    .putAllPayload(payload(p))
                    .build());
        }
        if (!byId.isEmpty()) call(collection, client.upsertAsync(collection, List.copyOf(byId.values()), config.timeout()));
    }

    @Override
    public Optional<VectorPoint> get(String collection, String id) {
        var found = call(collection, client.retrieveAsync(collection, List.of(pointId(id)),
                WithPayloadSelectorFactory.enable(true), WithVectorsSelectorFactory.enable(true), null, config.timeout()));
        return found.stream().findFirst().map(p -> point(p.getPayloadMap(), p.getVectors(), true));
    }

    @Override
    public void delete(String collection, Collection<String> ids) {
        if (ids.isEmpty()) return;
        call(collection, client.deleteAsync(collection, ids.stream().map(QdrantVectorStore::pointId).toList(), config.timeout()));
    }

    @Override
    public void deleteWhere(String collection, VectorFilter filter) {
        call(collection, client.deleteAsync(collection, filter(filter), config.timeout()));
    }

    @Override
    public List<ScoredPoint> search(String collection, Search search) {
        float[] unit = Vectors.normalised(collection, dimension(collection), search.vector());
        var query = QueryPoints.newBuilder()
                .setCollectionName(collection)
                .setQuery(QueryFactory.nearest(unit))
                .setLimit(search.limit())
                .setFilter(filter(search.filter()))
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .setWithVectors(WithVectorsSelectorFactory.enable(search.includeVectors()));
        if (search.minScore() > -1) query.setScoreThreshold((float) search.minScore());
        if (search.forceExact()) query.setParams(SearchParams.newBuilder().setExact(true));
        else if (search.candidates() > 0) query.setParams(SearchParams.newBuilder().setHnswEf(Math.max(search.limit(), search.candidates())));
        return call(collection, client.queryAsync(query.build(), config.timeout())).stream().map(hit -> {
            VectorPoint p = point(hit.getPayloadMap(), hit.getVectors(), search.includeVectors());
            return new ScoredPoint(p.id(), hit.getScore(), p.vector(), p.payload());
        }).toList();
    }

    @Override
    public long count(String collection, VectorFilter filter) {
        return call(collection, client.countAsync(collection, filter(filter), true, config.timeout()));
    }

    @Override
    public List<VectorPoint> scroll(String collection, VectorFilter filter, int limit, boolean withVectors) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        var request = ScrollPoints.newBuilder()
                .setCollectionName(collection)
                .setFilter(filter(filter))
                .setLimit(limit)
                .setWithPayload(WithPayloadSelectorFactory.enable(true))
                .setWithVectors(WithVectorsSelectorFactory.enable(withVectors))
                .build();
        return call(collection, client.scrollAsync(request, config.timeout())).getResultList().stream()
                .map(p -> point(p.getPayloadMap(), p.getVectors(), withVectors))
                .toList();
    }

    @Override
    public void close() {
        client.close();
    }

    private void createIndex(String collection, String field, PayloadSchemaType type) {
        call(collection, client.createPayloadIndexAsync(collection, field, type, null, true, null, config.timeout()));
    }

    /** The collection's vector size, asked of Qdrant once: it also tells an unknown collection apart. */
    private int dimension(String collection) {
        Integer known = dimensions.get(collection);
        if (known != null) return known;
        var info = call(collection, client.getCollectionInfoAsync(collection, config.timeout()));
        int size = Math.toIntExact(info.getConfig().getParams().getVectorsConfig().getParams().getSize());
        dimensions.put(collection, size);
        return size;
    }

    /** An empty filter (no conditions) matches every point. */
    private static Filter filter(VectorFilter filter) {
        var qdrant = Filter.newBuilder();
        if (filter.hasTimeRange()) {
            var bounds = Range.newBuilder();
            if (filter.fromMillis() != null) bounds.setGte(filter.fromMillis());
            if (filter.toMillis() != null) bounds.setLte(filter.toMillis());
            qdrant.addMust(range(VectorFilter.TIMESTAMP, bounds.build()));
        }
        filter.keywords().forEach((field, values) -> qdrant.addMust(values.size() == 1
                ? matchKeyword(field, values.iterator().next())
                : matchKeywords(field, List.copyOf(values))));
        return qdrant.build();
    }

    private static Map<String, Value> payload(VectorPoint p) {
        var out = new HashMap<String, Value>();
        out.put(ID_FIELD, ValueFactory.value(p.id()));
        p.payload().forEach((key, value) -> out.put(key, switch (value) {
            case String s -> ValueFactory.value(s);
            case Long l -> ValueFactory.value(l);
            case Double d -> ValueFactory.value(d);
            case Boolean b -> ValueFactory.value(b);
            default -> throw new IllegalStateException("VectorPoint admitted payload type " + value.getClass());
        }));
        return out;
    }

    private static VectorPoint point(Map<String, Value> qdrantPayload, VectorsOutput vectors, boolean withVector) {
        var payload = new HashMap<String, Object>();
        qdrantPayload.forEach((key, value) -> {
            if (key.equals(ID_FIELD)) return;
            payload.put(key, switch (value.getKindCase()) {
                case STRING_VALUE -> value.getStringValue();
                case INTEGER_VALUE -> value.getIntegerValue();
                case DOUBLE_VALUE -> value.getDoubleValue();
                case BOOL_VALUE -> value.getBoolValue();
                default -> throw new VectorStoreException("payload field '" + key + "' holds a " + value.getKindCase()
                        + ", which facestream never writes", null);
            });
        });
        float[] vector = null;
        if (withVector) {
            List<Float> data = VectorOutputHelper.getDenseVector(vectors.getVector()).getDataList();
            vector = new float[data.size()];
            for (int i = 0; i < vector.length; i++) vector[i] = data.get(i);
        }
        return new VectorPoint(qdrantPayload.get(ID_FIELD).getStringValue(), vector, payload);
    }

    private <T> T call(String collection, ListenableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VectorStoreException("interrupted while calling Qdrant on collection '" + collection + "'", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                switch (status.getStatus().getCode()) {
                    case NOT_FOUND -> {
                        dimensions.remove(collection);
                        throw new UnknownCollectionException(collection);
                    }
                    case INVALID_ARGUMENT -> throw new IllegalArgumentException(
                            "Qdrant rejected a request on collection '" + collection + "': " + status.getStatus().getDescription(), status);
                    default -> { }
                }
            }
            throw new VectorStoreException("Qdrant call on collection '" + collection + "' failed: " + e.getCause(), e.getCause());
        }
    }
}
