package io.facestream.api.system;

import io.facestream.api.system.SystemModule.Figure;
import io.facestream.api.system.SystemModule.MetricsSummary;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The figures of the meter registry behind /metrics that the console's system page shows, read from the registry (not by
 * parsing the Prometheus text). Bounded: the facestream meters' tags are already bounded (camera ids, topics, the
 * newest files), and the list is cut at {@link #MAX_FIGURES}.
 */
final class MetricsSummaries {
    static final int MAX_FIGURES = 300;
    private static final String OWN_PREFIX = "facestream.";

    private MetricsSummaries() {
    }

    static MetricsSummary of(MeterRegistry registry) {
        List<Figure> figures = new ArrayList<>();
        gauge(registry, "process.uptime", figures);
        gauge(registry, "process.cpu.usage", figures);
        gauge(registry, "system.cpu.usage", figures);
        gauge(registry, "jvm.threads.live", figures);
        heap(registry, "jvm.memory.used", figures);
        heap(registry, "jvm.memory.max", figures);
        http(registry, figures);
        List<Meter> own = registry.getMeters().stream().filter(m -> m.getId().getName().startsWith(OWN_PREFIX))
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
                .toList();
        for (Meter meter : own) {
            Figure figure = figure(meter);
            if (figure != null) figures.add(figure);
        }
        boolean truncated = figures.size() > MAX_FIGURES;
        return new MetricsSummary(Instant.now().truncatedTo(ChronoUnit.MILLIS),
                truncated ? List.copyOf(figures.subList(0, MAX_FIGURES)) : figures, truncated);
    }

    private static void gauge(MeterRegistry registry, String name, List<Figure> out) {
        Meter meter = registry.find(name).meter();
        if (meter != null) {
            Figure figure = figure(meter);
            if (figure != null) out.add(figure);
        }
    }

    /** The heap's areas summed: what "heap used of max" means to an operator. */
    private static void heap(MeterRegistry registry, String name, List<Figure> out) {
        var gauges = Search.in(registry).name(name).tag("area", "heap").gauges();
        if (gauges.isEmpty()) return;
        double sum = 0;
        for (Gauge g : gauges) {
            double v = g.value();
            if (v > 0) sum += v; // an area without a maximum reads -1
        }
        out.add(new Figure(name, Map.of("area", "heap"), "gauge", sum, null, null, null));
    }

    /** HTTP requests by status class: how many, and their mean and slowest time. */
    private static void http(MeterRegistry registry, List<Figure> out) {
        Map<String, double[]> byClass = new TreeMap<>(); // count, total ms, max ms
        for (Timer t : Search.in(registry).name("http.server.requests").timers()) {
            String status = t.getId().getTag("status");
            String statusClass = status == null || status.isEmpty() ? "other" : status.charAt(0) + "xx";
            double[] c = byClass.computeIfAbsent(statusClass, k -> new double[3]);
            c[0] += t.count();
            c[1] += t.totalTime(TimeUnit.MILLISECONDS);
            c[2] = Math.max(c[2], t.max(TimeUnit.MILLISECONDS));
        }
        byClass.forEach((statusClass, c) -> out.add(new Figure("http.server.requests", Map.of("status", statusClass), "timer", null,
                (long) c[0], c[0] == 0 ? 0 : round(c[1] / c[0]), round(c[2]))));
    }

    private static Figure figure(Meter meter) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Tag tag : meter.getId().getTags()) tags.put(tag.getKey(), tag.getValue());
        String name = meter.getId().getName();
        return switch (meter) {
            case Timer t -> new Figure(name, tags, "timer", null, t.count(), round(t.mean(TimeUnit.MILLISECONDS)),
                    round(t.max(TimeUnit.MILLISECONDS)));
            case TimeGauge g -> new Figure(name, tags, "gauge", round(g.value(TimeUnit.SECONDS)), null, null, null);
            case Gauge g -> finite(g.value()) ? new Figure(name, tags, "gauge", round(g.value()), null, null, null) : null;
            case Counter c -> new Figure(name, tags, "counter", round(c.count()), null, null, null);
            case FunctionCounter c -> new Figure(name, tags, "counter", round(c.count()), null, null, null);
            default -> null;
        };
    }

    private static boolean finite(double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v);
    }

    private static double round(double v) {
        return finite(v) ? Math.round(v * 1000d) / 1000d : 0;
    }
}
