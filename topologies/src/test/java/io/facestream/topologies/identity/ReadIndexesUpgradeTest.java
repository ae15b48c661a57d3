package io.facestream.topologies.identity;

import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.MatchKind;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.avro.SourceKind;
import io.facestream.topologies.views.Views;
import io.facestream.topologies.views.Views.Stat;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read indexes' upgrade from version 2, which had no per-identity dwell: the sightings are read again and only their
 * identity's dwell is added to those version 2 counted, while sightings keep changing between the steps, so each
 * identity's dwell ends as the sum of its sightings' spans and no other counter moves.
 */
class ReadIndexesUpgradeTest {
    private static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final KeyValueStore<String, Identity> identities = store("identities", serde(Identity::toByteBuffer, Identity::fromByteBuffer));
    private final KeyValueStore<String, Sighting> sightings = store("sightings", serde(Sighting::toByteBuffer, Sighting::fromByteBuffer));
    private final KeyValueStore<String, String> facesByIdentity = store("faces-by-identity", Serdes.String());
    private final KeyValueStore<String, Long> stats;

    ReadIndexesUpgradeTest() {
        stats = store(Views.IDENTITY_STATS.name(), Serdes.Long());
        for (String name : List.of(Views.IDENTITIES_BY_LAST_SEEN.name(), Views.FACES_BY_TIME.name(), Views.IDENTITIES_BY_NAME.name(),
                Views.IDENTITIES_BY_PERSON.name())) {
            store(name, Serdes.String());
        }
    }

    @Test
    void aVersion2StoreGainsEachIdentitysDwellOnceWhileSightingsChangeBetweenSteps() {
        ReadIndexes current = built(new ReadIndexes(context));
        for (String id : List.of("a", "b", "c")) {
            Identity identity = identity(id);
            identities.put(id, identity);
            current.identity(identity);
        }
        for (int k = 0; k < 9; k++) put(current, null, sighting("s" + k, List.of("a", "b", "c").get(k % 3), k * 10, k * 10 + 3 + k));
        assertDwellIsTheSumOfSpans();
        Map<String, Long> otherCounters = otherCounters();

        // what version 2 left: no identity dwell, every sighting's mark "counted without it"
        stats.put(Stat.VERSION, 2L);
        for (String id : List.of("a", "b", "c")) stats.delete(Stat.identityDwell(id));
        for (int k = 0; k < 9; k++) stats.put(Stat.counted("s" + k), Stat.COUNTED_WITHOUT_IDENTITY_DWELL);

        ReadIndexes upgrading = new ReadIndexes(context);
        assertThat(upgrading.built()).isFalse();
        // before the upgrade's scan reaches them: one sighting grows, one moves to another identity, one is deleted
        put(upgrading, sightings.get("s1"), sighting("s1", "b", 10, 40));
        put(upgrading, sightings.get("s2"), sighting("s2", "a", 20, 25));
        upgrading.sighting(sightings.get("s3"), null);
        sightings.delete("s3");
        put(upgrading, null, sighting("s9", "c", 90, 99));
        built(upgrading);
        // after it: the marks are current, so a change counts as usual
        put(upgrading, sightings.get("s4"), sighting("s4", "b", 40, 60));

        assertDwellIsTheSumOfSpans();
        assertThat(new ReadIndexes(context).built()).isTrue();
        assertThat(otherCounters().get(Stat.SIGHTINGS)).isEqualTo(otherCounters.get(Stat.SIGHTINGS)); // one deleted, one added
        long cameraDwell = 0;
        try (KeyValueIterator<String, Sighting> it = sightings.all()) {
            while (it.hasNext()) cameraDwell += span(it.next().value);
        }
        assertThat(stats.get(Stat.camera("cam-1", Stat.COUNT_DWELL_MS))).isEqualTo(cameraDwell);
    }

    private void assertDwellIsTheSumOfSpans() {
        Map<String, Long> expected = new HashMap<>();
        try (KeyValueIterator<String, Sighting> it = sightings.all()) {
            it.forEachRemaining(kv -> expected.merge(kv.value.getIdentityId(), span(kv.value), Long::sum));
        }
        for (String id : List.of("a", "b", "c")) {
            assertThat(stats.get(Stat.identityDwell(id))).as("dwell of " + id).isEqualTo(expected.get(id));
        }
    }

    /** Every counter but the identities' dwell and the marks. */
    private Map<String, Long> otherCounters() {
        Map<String, Long> out = new HashMap<>();
        try (KeyValueIterator<String, Long> it = stats.all()) {
            it.forEachRemaining(kv -> {
                if (!kv.key.startsWith(Stat.identityDwell("")) && !kv.key.startsWith(Stat.counted("")) && !kv.key.equals(Stat.VERSION)) {
                    out.put(kv.key, kv.value);
                }
            });
        }
        return out;
    }

    private void put(ReadIndexes indexes, Sighting before, Sighting after) {
        indexes.sighting(before, after);
        sightings.put(after.getSightingId(), after);
    }

    private ReadIndexes built(ReadIndexes indexes) {
        while (!indexes.buildStep(identities, sightings, facesByIdentity)) {
            // each step indexes at most ReadIndexes.BUILD_STEP entries
        }
        return indexes;
    }

    private static long span(Sighting s) {
        return s.getExitTime().toEpochMilli() - s.getEntryTime().toEpochMilli();
    }

    private static Identity identity(String id) {
        return Identity.newBuilder().setIdentityId(id).setStatus(io.facestream.schemas.avro.IdentityStatus.ACTIVE).setSource("auto")
                .setExemplars(List.of()).setFaceCount(1).setSightingCount(3).setFirstSeen(T0).setLastSeen(T0).setCreatedAt(T0)
                .setUpdatedAt(T0).build();
    }

    private static Sighting sighting(String id, String identityId, int entrySecond, int exitSecond) {
        return Sighting.newBuilder().setSightingId(id).setTrackId(id).setSourceId("cam-1").setSourceKind(SourceKind.CAMERA)
                .setCameraId("cam-1").setIdentityId(identityId).setMatchKind(MatchKind.IDENTITY).setSimilarity(1f)
                .setEntryTime(T0.plusSeconds(entrySecond)).setExitTime(T0.plusSeconds(exitSecond)).setEntryFrame(0).setExitFrame(1)
                .setBestFaceId("f-" + id).setFaceCount(1).setFinal$(true).build();
    }

    private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
        return MockStores.inMemory(context, name, values);
    }

    private interface Encode<V> {
        ByteBuffer apply(V value) throws IOException;
    }

    private interface Decode<V> {
        V apply(ByteBuffer bytes) throws IOException;
    }

    /** Avro's single-object encoding: no registry needed for stores that never leave the test. */
    private static <V> Serde<V> serde(Encode<V> encode, Decode<V> decode) {
        return Serdes.serdeFrom((topic, v) -> {
            try {
                ByteBuffer b = encode.apply(v);
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, (topic, bytes) -> {
            try {
                return bytes == null ? null : decode.apply(ByteBuffer.wrap(bytes));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
