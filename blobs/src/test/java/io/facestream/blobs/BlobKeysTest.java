package io.facestream.blobs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlobKeysTest {

    @Test
    void aFrameKeyIsItsKindSourceAndNumber() {
        assertThat(BlobKeys.frame("cam-1", 7)).isEqualTo("frame/cam-1:7");
        assertThat(BlobKeys.validate(BlobKeys.frame("file-abc", 120))).isEqualTo(BlobKind.FRAME);
        assertThat(BlobKeys.isKey(BlobKind.FRAME, "frame/cam-1:7")).isTrue();
        assertThat(BlobKeys.isKey(BlobKind.CROP, "frame/cam-1:7")).isFalse();
    }

    @Test
    void keysThatCouldLeaveTheStoreOrNameSeveralBlobsAreRefused() {
        for (String key : new String[] {"frame", "frame/", "frame/../x", "frame/a/b", "frame/.hidden", "nokind/x",
                "frame/a..b", "/etc/passwd", "frame/" + "x".repeat(BlobKeys.MAX_ID_LENGTH + 1), "frame/a b", "frame/ä"}) {
            assertThat(BlobKeys.isKey(BlobKind.FRAME, key)).as(key).isFalse();
            assertThatThrownBy(() -> BlobKeys.validate(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(BlobKeys.isKey(BlobKind.FRAME, "frame/" + "x".repeat(BlobKeys.MAX_ID_LENGTH))).isTrue();
        assertThatThrownBy(() -> BlobKeys.of(BlobKind.PROFILE, "../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobKeys.validate(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
