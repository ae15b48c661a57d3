package io.facestream.schemas.camera;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CameraUrlsTest {

    @Test
    void credentialsAreMaskedAndTheHostKept() {
        assertThat(CameraUrls.mask("rtsp://admin:s3cret@10.0.0.5:554/stream1")).isEqualTo("rtsp://***@10.0.0.5:554/stream1");
        assertThat(CameraUrls.mask("rtsp://user:p@ss@cam.local/live")).isEqualTo("rtsp://***@cam.local/live");
        assertThat(CameraUrls.mask("rtsp://token@cam.local/live")).isEqualTo("rtsp://***@cam.local/live");
        assertThat(CameraUrls.mask("http://cam/snap.jpg?user=a&password=hunter2&Token=xyz"))
                .isEqualTo("http://cam/snap.jpg?user=a&password=***&Token=***");
        assertThat(CameraUrls.mask("connection to rtsp://bob:pw@host/x failed: rtsps://c:d@h2/y"))
                .isEqualTo("connection to rtsp://***@host/x failed: rtsps://***@h2/y");
        assertThat(CameraUrls.mask("rtsp://10.0.0.5/stream")).isEqualTo("rtsp://10.0.0.5/stream");
        assertThat(CameraUrls.mask("/videos/lobby.mp4")).isEqualTo("/videos/lobby.mp4");
        assertThat(CameraUrls.mask(null)).isNull();
    }

    @Test
    void aBlankOrMaskedUrlIsAnEcho() {
        assertThat(CameraUrls.isEcho(null)).isTrue();
        assertThat(CameraUrls.isEcho("  ")).isTrue();
        assertThat(CameraUrls.isEcho("rtsp://***@10.0.0.5/s")).isTrue();
        assertThat(CameraUrls.isEcho("rtsp://u:p@10.0.0.5/s")).isFalse();
    }
}
