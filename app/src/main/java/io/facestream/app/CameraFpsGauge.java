package io.facestream.app;

import io.facestream.api.backend.Backend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code facestream_camera_fps{camera="..."}} at /metrics: each camera's measured frame rate from its
 * worker's heartbeats, refreshed every few seconds (cameras come and go, so the rows are replaced whole).
 */
final class CameraFpsGauge implements AutoCloseable {
    private final ScheduledExecutorService refresher;

    private CameraFpsGauge(ScheduledExecutorService refresher) {
        this.refresher = refresher;
    }

    static CameraFpsGauge start(MeterRegistry registry, Backend backend) {
        MultiGauge fps = MultiGauge.builder("facestream.camera.fps")
                .description("Frames per second each camera's worker measured (0 when offline)").register(registry);
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("camera-fps-gauge").daemon().factory());
        refresher.scheduleWithFixedDelay(() -> {
            try {
                fps.register(backend.queries().cameras().stream()
                        .map(c -> MultiGauge.Row.of(Tags.of("camera", c.cameraId()), c.measuredFps())).toList(), true);
            } catch (RuntimeException e) {
                // the views are not queryable while the pipeline starts or rebalances: the next refresh catches up
            }
        }, 0, 5, TimeUnit.SECONDS);
        return new CameraFpsGauge(refresher);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
