package io.facestream.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VectorPointTest {

    @Test
    void payloadIsWidenedToTheFourSupportedTypes() {
        var point = new VectorPoint("f", new float[] {1}, Map.of("i", 7, "s", (short) 2, "f", 0.5f, "b", false, "t", "x"));
        assertThat(point.payload()).isEqualTo(Map.of("i", 7L, "s", 2L, "f", 0.5, "b", false, "t", "x"));
    }

    @Test
    void unsupportedNullAndReservedPayloadEntriesAreRejected() {
        var withNull = new HashMap<String, Object>();
        withNull.put("identity_id", null);
        assertThatThrownBy(() -> new VectorPoint("f", new float[] {1}, Map.of("tags", List.of("a"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tags").hasMessageContaining("supported");
        assertThatThrownBy(() -> new VectorPoint("f", new float[] {1}, withNull)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VectorPoint("f", new float[] {1}, Map.of("_id", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VectorPoint("", new float[] {1})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void filtersRejectInvertedRangesAndEmptyValueSets() {
        assertThatThrownBy(() -> VectorFilter.all().timeRange(10L, 5L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VectorFilter.all().whereIn("source_id", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(VectorFilter.all().timeRange(null, null).matchesAll()).isTrue();
    }
}
