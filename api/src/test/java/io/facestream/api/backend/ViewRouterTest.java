package io.facestream.api.backend;

import io.facestream.api.ApiServer;
import io.facestream.api.ApiTestSupport;
import io.facestream.api.AuthConfig;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.testkit.SortedMapStore;
import io.facestream.topologies.views.Views;
import org.apache.kafka.common.serialization.StringSerializer;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Routed views between two instances: this one holds the keys starting with "a", the other (a real API server
 * with the internal views endpoint, over its own stores) those starting with "b". Reads by key go to the holder;
 * scans merge both parts in key order.
 */
class ViewRouterTest {
    private static final String VIEW = Views.FACES_BY_IDENTITY.name();
    private static final HostInfo SELF = new HostInfo("127.0.0.1", 1);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final SortedMapStore<String> mine = new SortedMapStore<>();
    private static final SortedMapStore<String> theirs = new SortedMapStore<>();
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

        ViewRouter otherRouter = new ViewRouter(placement(Map.of(VIEW, theirs), null), new AvroSerdes(null), "app", null, null);
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
        assertThat(all).hasSize(8).isSorted().containsAll(mine.entries().keySet()).containsAll(theirs.entries().keySet());
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
        ReadOnlyKeyValueStore<String, String> refused = router(ApiTestSupport.READ_KEY).store(VIEW); // a client's key, not the cluster's
        assertThatThrownBy(() -> refused.get("b-plain")).isInstanceOf(InvalidStateStoreException.class);
        assertThatThrownBy(refused::all).isInstanceOf(InvalidStateStoreException.class);

        ViewRouter rebalancing = new ViewRouter(new ViewRouter.Placement() {
            @Override
            public HostInfo owner(String store, String key) {
                return null;
            }

            @Override
            public Collection<HostInfo> holders(String store) {
                return List.of(SELF);
            }

            @Override
            @SuppressWarnings("unchecked")
            public <V> ReadOnlyKeyValueStore<String, V> local(String store) {
                return (ReadOnlyKeyValueStore<String, V>) mine;
            }
        }, new AvroSerdes(null), "app", SELF, ApiTestSupport.INTERNAL_KEY);
        assertThatThrownBy(() -> rebalancing.store(VIEW).get("a-plain")).isInstanceOf(InvalidStateStoreException.class);
    }

    private static ViewRouter router(String internalKey) {
        return new ViewRouter(placement(Map.of(VIEW, mine), otherHost), new AvroSerdes(null), "app", SELF, internalKey);
    }

    /** This instance holds the keys starting with "a" (and its stores), {@code other} the rest. */
    private static ViewRouter.Placement placement(Map<String, SortedMapStore<String>> stores, HostInfo other) {
        return new ViewRouter.Placement() {
            @Override
            public HostInfo owner(String store, String key) {
                return key.startsWith("a") || other == null ? SELF : other;
            }

            @Override
            public Collection<HostInfo> holders(String store) {
                return other == null ? List.of(SELF) : List.of(SELF, other);
            }

            @Override
            @SuppressWarnings("unchecked")
            public <V> ReadOnlyKeyValueStore<String, V> local(String store) {
                return (ReadOnlyKeyValueStore<String, V>) stores.get(store);
            }
        };
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
