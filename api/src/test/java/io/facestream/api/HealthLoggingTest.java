package io.facestream.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A probe polls /health every few seconds; while the pipeline starts, a check or a report detail fails the
 * same way on every poll. Each failure is logged once when it starts (no stack trace at WARN), once when it
 * ends, and again only if it comes back.
 */
class HealthLoggingTest {

    @Test
    void aFailureRepeatedOnEveryPollIsLoggedOnce() {
        AtomicBoolean starting = new AtomicBoolean(true);
        Logger logger = (Logger) LoggerFactory.getLogger(HealthModule.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try (ApiServer server = ApiServer.builder(ApiTestSupport.config(AuthConfig.withKeys(ApiTestSupport.keys())))
                .workers(() -> {
                    if (starting.get()) {
                        throw new IllegalStateException("the cameras view is not ready");
                    }
                    return List.of();
                })
                .healthCheck("pipeline", () -> {
                    if (starting.get()) {
                        throw new IllegalStateException("the pipeline is starting");
                    }
                    return HealthCheck.Result.up();
                })
                .start()) {
            for (int i = 0; i < 5; i++) {
                assertThat(ApiTestSupport.get(server, "/health").statusCode()).isEqualTo(503);
            }
            List<ILoggingEvent> warnings = events.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertThat(warnings).hasSize(2);
            assertThat(warnings).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
            assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                    .contains("pipeline").contains("the pipeline is starting"));
            assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                    .contains("workers").contains("the cameras view is not ready"));

            starting.set(false);
            assertThat(ApiTestSupport.get(server, "/health").statusCode()).isEqualTo(200);
            assertThat(ApiTestSupport.get(server, "/health").statusCode()).isEqualTo(200);
            assertThat(events.list.stream().filter(e -> e.getLevel() == Level.INFO)).hasSize(2);

            starting.set(true);
            ApiTestSupport.get(server, "/health");
            ApiTestSupport.get(server, "/health");
            assertThat(events.list.stream().filter(e -> e.getLevel() == Level.WARN)).hasSize(4);
        } finally {
            logger.detachAppender(events);
        }
    }
}
