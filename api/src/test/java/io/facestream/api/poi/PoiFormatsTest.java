package io.facestream.api.poi;

import io.facestream.blobs.BlobKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.facestream.api.ApiException;
import io.facestream.api.ErrorKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The parsing and masking rules of seed 001's endpoints, without a server. */
class PoiFormatsTest {

    @Test
    void timesAreIso8601WithUtcForLocalForms() {
        assertThat(PoiSearch.time("start_time", "2026-01-01T00:00:00Z")).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(PoiSearch.time("start_time", "2026-01-01T02:00:00+02:00")).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(PoiSearch.time("start_time", "2026-01-01T00:00:00.250")).isEqualTo(Instant.parse("2026-01-01T00:00:00.250Z"));
        assertThat(PoiSearch.time("start_time", "2026-01-01")).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(PoiSearch.time("start_time", " ")).isNull();
        assertThat(PoiSearch.time("start_time", null)).isNull();
        assertThatThrownBy(() -> PoiSearch.time("end_time", "2026-02-30T00:00:00Z"))
                .isInstanceOf(ApiException.class).hasMessageContaining("end_time")
                .extracting(e -> ((ApiException) e).kind()).isEqualTo(ErrorKind.VALIDATION);
        assertThatThrownBy(() -> PoiSearch.time("end_time", "1700000000")).isInstanceOf(ApiException.class);
    }

    @Test
    void topKIsOneToTheLimit() {
        assertThat(PoiSearch.topK(null)).isEqualTo(20);
        assertThat(PoiSearch.topK("1")).isEqualTo(1);
        assertThat(PoiSearch.topK(String.valueOf(PoiSearch.MAX_TOP_K))).isEqualTo(PoiSearch.MAX_TOP_K);
        for (String bad : new String[] {"0", "-3", "1001", "2.5", "ten", "99999999999"}) {
            assertThatThrownBy(() -> PoiSearch.topK(bad)).as(bad).isInstanceOf(ApiException.class)
                    .hasMessageContaining("top_k");
        }
    }

    @Test
    void frameKeysDecodeOnlyToOneFrame() {
        String key = "frame/file-1:42";
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        assertThat(PoiViews.frameUrl(key)).isEqualTo("/api/v1/frames/" + encoded);
        assertThat(PoiViews.frameKeyOf(encoded)).isEqualTo(key);
        assertThat(PoiViews.frameKeyOf(Base64.getUrlEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8))))
                .as("padding accepted").isEqualTo(key);
        assertThat(BlobKeys.frame("cam-1", 7)).isEqualTo("frame/cam-1:7");
        byte[] notUtf8 = {'f', 'r', 'a', 'm', 'e', '/', (byte) 0xC3, (byte) 0x28};
        assertThatThrownBy(() -> PoiViews.frameKeyOf(Base64.getUrlEncoder().encodeToString(notUtf8)))
                .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).kind()).isEqualTo(ErrorKind.BAD_REQUEST);
        assertThatThrownBy(() -> PoiViews.frameKeyOf("a".repeat(1000))).isInstanceOf(ApiException.class);
    }
}
