package io.facestream.api.backend;

import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.kafka.EmbeddedKafkaBroker;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.testkit.SortedMapStore;
import io.facestream.topologies.views.Views;
import io.facestream.api.StaleReads;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Routed views between two instances: this one holds the keys starting with "a", the other (a real API server
 * with the internal views endpoint, over its own stores) those starting with "b". Reads by key go to the holder;
 * scans merge both parts in key order. Keys starting with "a" are partition 0, the rest partition 1; each
 * instance keeps a standby copy of the other's partition, a little behind (no "b-late" yet). When the holder of
 * the fresh copy does not answer, reads fall back to a copy and say so ({@link StaleReads}).
 */
class ViewRouterTest {
    private static final String VIEW = Views.FACES_BY_IDENTITY.name();
    private static final HostInfo SELF = new HostInfo("127.0.0.1", 1);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final SortedMapStore<String> mine = new SortedMapStore<>();
    private static final SortedMapStore<String> theirs = new SortedMapStore<>();
    /** This instance's standby copy of partition 1 (the other's): "b-late" has not reached it. */
    private static final SortedMapStore<String> theirsCopy = new SortedMapStore<>();
    /** The other instance's standby copy of partition 0 (this one's). */
    private static final SortedMapStore<String> mineCopy = new SortedMapStore<>();
    /** An address nothing answers at: a dead instance. */
    private static final HostInfo DEAD = new HostInfo("127.0.0.1", deadPort());
    private static ApiServer other;
    private static HostInfo otherHost;

    @BeforeAll
    static void start() {
        for (String id : List.of("a1", "a2")) {
            mine.put(Views.faceOfIdentity(id, T0, "f-" + id), "f-" + id);
            mine.put(Views.faceOfIdentity(id, T0.plusSeconds(5), "g-" + id), "g-" + id);
        }
        for (String id : List.of("b1", "b10")) theirs.put(Views.faceOfIdentity(id, T0, "f-" + id), "f-" + id);
        mine.put("a-plain", "x");
        theirs.put("b-plain", "y");
        theirs.entries().forEach(theirsCopy::put);
        mine.entries().forEach(mineCopy::put);
        theirs.put("b-late", "z");

        ViewRouter otherRouter = new ViewRouter(placement(Map.of(VIEW, theirs), Map.of(0, mineCopy, 1, theirs), null), new AvroSerdes(null), "app", null, null);
        other = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                .module(new InternalViewsModule(otherRouter)).start();
        otherHost = new HostInfo("127.0.0.1", other.port());
    }

    @AfterAll
    static void stop() {
        other.close();
    }

    @Test
    void aKeyIsReadFromTheInstanceThatHoldsIt() {
        ReadOnlyKeyValueStore<String, String> view = router(ApiTestSupport.INTERNAL_KEY).store(VIEW);
        assertThat(view.get("a-plain")).isEqualTo("x");
        assertThat(view.get("b-plain")).as("fetched from the other instance").isEqualTo("y");
        assertThat(view.get("b-missing")).isNull();
    }

    @Test
    void scansMergeEveryHoldersPartInKeyOrder() {
        ReadOnlyKeyValueStore<String, String> view = router(ApiTestSupport.INTERNAL_KEY).store(VIEW);
        List<String> all = keys(view.all());
        assertThat(all).hasSize(9).isSorted().containsAll(mine.entries().keySet()).containsAll(theirs.entries().keySet());
        assertThat(keys(view.reverseAll())).containsExactlyElementsOf(all.reversed());
        assertThat(keys(view.range("a2", "b1\u0001"))).allMatch(k -> k.compareTo("a2") >= 0 && k.compareTo("b1\u0001") <= 0)
                .contains(Views.faceOfIdentity("a2", T0, "f-a2"), "b-plain", Views.faceOfIdentity("b1", T0, "f-b1"))
                .doesNotContain("a-plain", Views.faceOfIdentity("a1", T0, "f-a1"), Views.faceOfIdentity("b10", T0, "f-b10"));
    }

    @Test
    void aPrefixScanReadsOnlyThatIdentitysEntriesOnEveryHolder() {
        ReadOnlyKeyValueStore<String, String> view = router(ApiTestSupport.INTERNAL_KEY).store(VIEW);
        assertThat(values(view.prefixScan(Views.ofIdentity("b1"), new StringSerializer()))).containsExactly("f-b1");
        assertThat(values(view.prefixScan(Views.ofIdentity("a1"), new StringSerializer()))).containsExactly("f-a1", "g-a1");
        assertThat(values(view.prefixScan(Views.ofIdentity("zz"), new StringSerializer()))).isEmpty();
    }

    @Test
    void anUnreachableOrRefusingHolderReadsAsAViewNotQueryableYet() {
        // a client's key, not the cluster's; no standby anywhere
        ReadOnlyKeyValueStore<String, String> refused = new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine), otherHost, null, null),
                new AvroSerdes(null), "app", SELF, ApiTestSupport.READ_KEY).store(VIEW);
        assertThatThrownBy(() -> refused.get("b-plain")).isInstanceOf(InvalidStateStoreException.class);
        assertThatThrownBy(refused::all).isInstanceOf(InvalidStateStoreException.class);

        // no metadata, no copy here: a 503, not a 404
        ViewRouter rebalancing = new ViewRouter(placement(Map.of(), Map.of(), null, SELF, null), new AvroSerdes(null), "app", SELF,
                ApiTestSupport.INTERNAL_KEY);
        assertThatThrownBy(() -> rebalancing.store(VIEW).get("a-plain")).isInstanceOf(InvalidStateStoreException.class);
        assertThatThrownBy(() -> rebalancing.store(VIEW).all()).isInstanceOf(InvalidStateStoreException.class);
    }

    @Test
    void whileTheHolderIsDeadReadsAnswerFromThisInstancesStandbyAndSaySo() {
        ReadOnlyKeyValueStore<String, String> view = new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine, 1, theirsCopy), DEAD),
                new AvroSerdes(null), "app", SELF, ApiTestSupport.INTERNAL_KEY).store(VIEW);
        StaleReads.take();
        assertThat(view.get("a-plain")).isEqualTo("x");
        assertThat(StaleReads.take()).as("this instance's own part is fresh").isFalse();
        assertThat(view.get("b-plain")).as("from the standby copy").isEqualTo("y");
        assertThat(StaleReads.take()).isTrue();
        assertThatThrownBy(() -> view.get("b-late")).as("the standby has not caught up: its miss is no answer, never a 404")
                .isInstanceOf(InvalidStateStoreException.class);
        assertThat(StaleReads.take()).isFalse();
        List<String> all = keys(view.all());
        assertThat(all).hasSize(8).isSorted().containsAll(mine.entries().keySet()).containsAll(theirsCopy.entries().keySet());
        assertThat(StaleReads.take()).isTrue();
        assertThat(values(view.prefixScan(Views.ofIdentity("b1"), new StringSerializer()))).containsExactly("f-b1");
        assertThat(StaleReads.take()).isTrue();
    }

    @Test
    void whileTheHolderIsDeadReadsAnswerFromAnotherInstancesCopy() {
        // this instance holds partition 0 only; the dead one held partition 1, of which a third instance keeps the standby
        ViewRouter router = new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine), DEAD, otherHost, otherHost),
                new AvroSerdes(null), "app", SELF, ApiTestSupport.INTERNAL_KEY);
        ReadOnlyKeyValueStore<String, String> view = router.store(VIEW);
        StaleReads.take();
        assertThat(view.get("b-late")).as("the other instance's copy (its active store here) has it").isEqualTo("z");
        assertThat(StaleReads.take()).isTrue();
        assertThat(keys(view.all())).hasSize(9).contains("b-late", "a-plain");
        assertThat(StaleReads.take()).isTrue();

        // and where no instance answers with a copy of partition 1: a 503, never a partial answer or a 404
        ViewRouter alone = new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine), DEAD), new AvroSerdes(null), "app", SELF,
                ApiTestSupport.INTERNAL_KEY);
        assertThatThrownBy(() -> alone.store(VIEW).get("b-plain")).isInstanceOf(InvalidStateStoreException.class);
        assertThatThrownBy(() -> alone.store(VIEW).all()).isInstanceOf(InvalidStateStoreException.class);
    }

    @Test
    void anAnswerReadFromACopySaysSoInItsHeaderAndAFreshOneDoesNot() throws Exception {
        ReadOnlyKeyValueStore<String, String> view = new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine, 1, theirsCopy), DEAD),
                new AvroSerdes(null), "app", SELF, ApiTestSupport.INTERNAL_KEY).store(VIEW);
        ApiServer server = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                .module(routes -> routes.get("/test/views/{key}", ctx -> ctx.result(String.valueOf(view.get(ctx.pathParam("key")))))
                        .scope(io.facestream.api.Scope.READ).hidden("a test's route")).start();
        try (server) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (int i = 0; i < 2; i++) { // the second time on a thread a stale answer was served from before
                for (String key : List.of("b-plain", "a-plain")) {
                    java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/test/views/" + key))
                            .header("Authorization", "Bearer " + ApiTestSupport.READ_KEY).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.body()).isEqualTo(key.equals("b-plain") ? "y" : "x");
                    assertThat(response.headers().firstValue(StaleReads.HEADER)).as(key)
                            .isEqualTo(key.equals("b-plain") ? java.util.Optional.of("true") : java.util.Optional.empty());
                }
            }
        }
    }

    private static ViewRouter router(String internalKey) {
        return new ViewRouter(placement(Map.of(VIEW, mine), Map.of(0, mine, 1, theirsCopy), otherHost), new AvroSerdes(null), "app", SELF, internalKey);
    }

    private static ViewRouter.Placement placement(Map<String, SortedMapStore<String>> stores, Map<Integer, SortedMapStore<String>> copies,
                                                  HostInfo other) {
        return placement(stores, copies, other, other == null ? null : SELF, null);
    }

    /**
     * This instance holds partition 0 (the keys starting with "a") and {@code stores}, {@code other} partition 1
     * with a standby on {@code standby}; {@code copies} are this instance's copies by partition; {@code third}, when
     * not null, is one more instance that holds no active part. No stores at all: no metadata (rebalancing).
     */
    private static ViewRouter.Placement placement(Map<String, SortedMapStore<String>> stores, Map<Integer, SortedMapStore<String>> copies,
                                                  HostInfo other, HostInfo standby, HostInfo third) {
        return new ViewRouter.Placement() {
            @Override
            public KeyQueryMetadata where(String store, String key) {
                if (stores.isEmpty()) return null;
                if (key.startsWith("a") || other == null) return new KeyQueryMetadata(SELF, Set.of(), 0);
                return new KeyQueryMetadata(other, standby == null ? Set.of() : Set.of(standby), 1);
            }

            @Override
            public Collection<HostInfo> holders(String store) {
                if (stores.isEmpty()) return List.of();
                return other == null ? List.of(SELF) : List.of(SELF, other);
            }

            @Override
            public Collection<HostInfo> instances() {
                List<HostInfo> all = new ArrayList<>(holders(store()));
                if (third != null) all.add(third);
                return all;
            }

            @Override
            public boolean standbys(String store) {
                return standby != null;
            }

            private String store() {
                return VIEW;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <V> ReadOnlyKeyValueStore<String, V> local(String store) {
                if (stores.isEmpty()) throw new InvalidStateStoreException("rebalancing");
                return (ReadOnlyKeyValueStore<String, V>) stores.get(store);
            }

            @Override
            @SuppressWarnings("unchecked")
            public <V> ReadOnlyKeyValueStore<String, V> copy(String store, Integer partition) {
                SortedMapStore<String> copy = partition == null ? copies.get(0) : copies.get(partition);
                if (copy == null) throw new InvalidStateStoreException("no copy of partition " + partition + " here");
                return (ReadOnlyKeyValueStore<String, V>) copy;
            }

            @Override
            public int partitions(String store) {
                if (stores.isEmpty()) throw new InvalidStateStoreException("no metadata");
                return 2;
            }
        };
    }

    private static int deadPort() {
        return EmbeddedKafkaBroker.freePort("127.0.0.1");
    }

    private static List<String> keys(KeyValueIterator<String, String> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.key));
        }
        return out;
    }

    private static List<String> values(KeyValueIterator<String, String> it) {
        List<String> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }
}
