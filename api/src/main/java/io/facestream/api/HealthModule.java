package io.facestream.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /health, the one open route: seed 002's {@code {status, version, gpu: {used_mb, total_mb}, workers[]}}
 * plus {@code checks}, one entry per registered {@link HealthCheck}. 200 while nothing is down (status "ok",
 * or "degraded"), 503 with status "down" when a check is, so a monitoring probe needs only the status code.
 * GET /health/ready answers 503 until the readiness check passes (the pipeline RUNNING and its views queryable);
 * with {@code healthFollowsReadiness} /health's status code does too, its body unchanged.
 */
final class HealthModule implements ApiModule, AutoCloseable {
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(HealthModule.class);

    record CheckReport(String status, Map<String, Object> details) {}

    record HealthReport(String status, String version, GpuUsage gpu, List<?> workers, Map<String, CheckReport> checks) {}

    /** GET /health/ready: "ready" or "not_ready", and why not. */
    record ReadinessReport(String status, String reason) {}

    private final String version;
    private final Map<String, HealthCheck> checks;
    private final Supplier<GpuUsage> gpu;
    private final Supplier<List<?>> workers;
    private final HealthCheck readiness;
    private final boolean healthFollowsReadiness;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    /**
     * What each failing check last logged: a probe polls every few seconds, and during start-up a check fails
     * the same way on every poll, so a failure is logged once when it starts or changes, not per poll.
     */
    private final Map<String, String> failing = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param readiness null: ready once the server answers */
    HealthModule(String version, Map<String, HealthCheck> checks, Supplier<GpuUsage> gpu, Supplier<List<?>> workers,
                 HealthCheck readiness, boolean healthFollowsReadiness) {
        this.version = version;
        this.checks = Map.copyOf(checks);
        this.gpu = gpu;
        this.workers = workers;
        this.readiness = readiness != null ? readiness : HealthCheck.Result::up;
        this.healthFollowsReadiness = healthFollowsReadiness;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/health", ctx -> {
            HealthReport report = report();
            boolean unavailable = report.status().equals("down") || healthFollowsReadiness && !ready().status().equals("ready");
            ctx.status(unavailable ? 503 : 200).json(report);
        })
                .open()
                .summary("Liveness and dependency health")
                .description("Open to monitoring probes without a credential. 503 when a dependency is down "
                        + "(and, with api.health.readiness, until the service is ready).")
                .tags("system")
                .responds(200, "Up, perhaps degraded", HealthReport.class)
                .responds(503, "A dependency is down", HealthReport.class);
        routes.get("/health/ready", ctx -> {
            ReadinessReport report = ready();
            ctx.status(report.status().equals("ready") ? 200 : 503).json(report);
        })
                .open()
                .summary("Readiness: queries will be answered")
                .description("Open to probes without a credential. 200 once the pipeline is RUNNING and every view "
                        + "answers queries; 503 with the reason before (starting, rebalancing, restoring).")
                .tags("system")
                .responds(200, "Ready", ReadinessReport.class)
                .responds(503, "Not ready yet", ReadinessReport.class);
    }

    ReadinessReport ready() {
        HealthCheck.Result result = await("readiness", CompletableFuture.supplyAsync(() -> {
            try {
                return readiness.check();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, executor));
        return result.status() == HealthCheck.Status.UP ? new ReadinessReport("ready", null)
                : new ReadinessReport("not_ready", String.valueOf(result.details().getOrDefault("reason", result.status())));
    }

    HealthReport report() {
        Map<String, CompletableFuture<HealthCheck.Result>> running = new LinkedHashMap<>();
        checks.forEach((name, check) -> running.put(name, CompletableFuture.supplyAsync(() -> {
            try {
                return check.check();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, executor)));
        Map<String, CheckReport> reports = new LinkedHashMap<>();
        HealthCheck.Status worst = HealthCheck.Status.UP;
        for (var entry : running.entrySet()) {
            HealthCheck.Result result = await(entry.getKey(), entry.getValue());
            if (result.status() != HealthCheck.Status.DOWN && failing.remove(entry.getKey()) != null) {
                LOG.info("Health check {} is {} again", entry.getKey(), result.status());
            }
            reports.put(entry.getKey(), new CheckReport(result.status().name().toLowerCase(java.util.Locale.ROOT),
                    result.details()));
            if (result.status().compareTo(worst) > 0) {
                worst = result.status();
            }
        }
        String status = switch (worst) {
            case UP -> "ok";
            case DEGRADED -> "degraded";
            case DOWN -> "down";
        };
        List<?> workerStates = workers == null ? List.of() : safely("detail workers", workers);
        return new HealthReport(status, version, safely("detail gpu", gpu), workerStates, reports);
    }

    private HealthCheck.Result await(String name, CompletableFuture<HealthCheck.Result> future) {
        try {
            HealthCheck.Result result = future.get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return result == null ? HealthCheck.Result.down("the check returned nothing") : result;
        } catch (TimeoutException e) {
            future.cancel(true);
            logOnce(name, "took over " + CHECK_TIMEOUT, null);
            return HealthCheck.Result.down("no answer within " + CHECK_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthCheck.Result.down("interrupted");
        } catch (Exception e) {
            // The probe is open to anyone: the cause goes to the log, not into the response.
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                    ? e.getCause() : e;
            while (cause instanceof IllegalStateException && cause.getCause() != null) {
                cause = cause.getCause(); // the wrapper report() adds around a checked exception
            }
            logOnce(name, "failed: " + cause, cause);
            return HealthCheck.Result.down("the check failed; see the server log");
        }
    }

    /** Logs a check's failure when it starts or changes; the stack trace only at DEBUG. */
    private void logOnce(String name, String problem, Throwable cause) {
        if (!problem.equals(failing.put(name, problem))) {
            LOG.warn("Health {} {} (logged again only when this changes)", name, problem);
            if (cause != null) {
                LOG.debug("Health {} failure", name, cause);
            }
        }
    }

    /** A detail of the report, null when its supplier fails (a view not ready while the pipeline starts). */
    private <T> T safely(String name, Supplier<T> supplier) {
        if (supplier == null) {
            return null;
        }
        try {
            T value = supplier.get();
            if (failing.remove(name) != null) {
                LOG.info("Health detail {} is available again", name);
            }
            return value;
        } catch (RuntimeException e) {
            logOnce(name, "failed: " + e, e);
            return null;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
