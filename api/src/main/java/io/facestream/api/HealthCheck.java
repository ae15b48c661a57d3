package io.facestream.api;

import java.util.Map;

/**
 * One dependency's health for GET /health (Kafka, the pipeline, the vector store...). A check that throws
 * or takes longer than {@link HealthModule#CHECK_TIMEOUT} counts as down.
 */
@FunctionalInterface
public interface HealthCheck {
    Result check() throws Exception;

    enum Status { UP, DEGRADED, DOWN }

    /** The outcome; {@code details} are shown to anyone (GET /health is open), so no secrets. */
    record Result(Status status, Map<String, Object> details) {
        public Result {
            details = Map.copyOf(details);
        }

        public static Result up() {
            return new Result(Status.UP, Map.of());
        }

        public static Result up(Map<String, Object> details) {
            return new Result(Status.UP, details);
        }

        public static Result degraded(String reason) {
            return new Result(Status.DEGRADED, Map.of("reason", reason));
        }

        public static Result down(String reason) {
            return new Result(Status.DOWN, Map.of("reason", reason));
        }
    }
}
