package io.facestream.app.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code facestream bench idle}: the CPU an idle {@code facestream standalone} takes, with nothing flowing (no camera,
 * no replay, no request). The product runs as a child process on a fresh data dir and free ports; once it is ready
 * and has settled (start-up work and the JIT's first compilations done), its CPU time is read from Linux's
 * {@code /proc/<pid>/stat} at the start and the end of the window, and per thread from {@code /proc/<pid>/task}, so
 * the figure says where the time goes. With {@code baselineClasspath}, another build is measured first the same way,
 * in the same run.
 */
public final class IdleBenchmark {
    /** @param baselineClasspath another build's classpath (its app jar and lib), measured first; null: none */
    public record Settings(int seconds, int settleSeconds, String baselineClasspath, List<String> sets) {
    }

    private record Result(String label, double coreShare, Map<String, Double> threads) {
    }

    private final PrintStream out;
    private final Settings settings;
    private final long ticksPerSecond;

    private IdleBenchmark(PrintStream out, Settings settings) throws Exception {
        this.out = out;
        this.settings = settings;
        this.ticksPerSecond = clockTicks();
    }

    public static void run(PrintStream out, Settings settings) throws Exception {
        new IdleBenchmark(out, settings).run();
    }

    private void run() throws Exception {
        if (!Files.isDirectory(Path.of("/proc/self/task"))) throw new IllegalStateException("bench idle reads Linux's /proc");
        out.printf("machine: %d cores, Java %s; load average %.1f at start; %d s settle, then %d s measured per build%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage(),
                settings.settleSeconds(), settings.seconds());
        List<Result> results = new ArrayList<>();
        if (settings.baselineClasspath() != null) results.add(measure("baseline", settings.baselineClasspath()));
        results.add(measure("this build", System.getProperty("java.class.path")));
        out.printf("load average %.1f at the end%n%n", loadAverage());
        out.println("| build | CPU over " + settings.seconds() + " s idle, % of one core | ratio |");
        out.println("|---|---:|---:|");
        for (Result r : results) {
            out.printf("| %s | %.2f %% | x%.2f |%n", r.label(), 100 * r.coreShare(), r.coreShare() / results.get(0).coreShare());
        }
        for (Result r : results) {
            out.printf("%nthreads of %s (%% of one core, the busiest first; Linux names them by their first 15 characters):%n", r.label());
            r.threads().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(15)
                    .forEach(e -> out.printf("  %-16s %6.2f %%%n", e.getKey(), 100 * e.getValue()));
        }
    }

    private Result measure(String label, String classpath) throws Exception {
        Path dataDir = Files.createTempDirectory("facestream-bench-idle");
        Process process = start(dataDir, classpath);
        try {
            Thread.sleep(settings.settleSeconds() * 1000L);
            long pid = process.pid();
            Map<String, Long> threadsBefore = threadTicks(pid);
            long before = processTicks(pid);
            long t0 = System.nanoTime();
            Thread.sleep(settings.seconds() * 1000L);
            long after = processTicks(pid);
            Map<String, Long> threadsAfter = threadTicks(pid);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double share = (after - before) / (double) ticksPerSecond / seconds;
            Map<String, Double> threads = new HashMap<>();
            threadsAfter.forEach((tid, ticks) -> {
                String name = tid.substring(tid.indexOf('/') + 1).replaceAll("\\d+", "N");
                long used = ticks - threadsBefore.getOrDefault(tid, 0L);
                if (used > 0) threads.merge(name, used / (double) ticksPerSecond / seconds, Double::sum);
            });
            out.printf("%s: %.2f %% of one core over %.1f s idle (pid %d)%n", label, 100 * share, seconds, pid);
            return new Result(label, share, threads);
        } finally {
            StandaloneChild.stop(process);
            deleteTree(dataDir);
        }
    }

    private Process start(Path dataDir, String classpath) throws Exception {
        return StandaloneChild.start(classpath, dataDir, StandaloneChild.Ports.free(), List.of(), settings.sets(),
                dataDir.resolveSibling(dataDir.getFileName() + ".log"));
    }

    /** utime + stime of the whole process (threads that ended included), in clock ticks. */
    private static long processTicks(long pid) throws Exception {
        return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
    }

    /** Per live thread ("tid/name"): utime + stime in clock ticks. */
    private static Map<String, Long> threadTicks(long pid) throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.sorted(Comparator.naturalOrder()).toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    out.put(task.getFileName() + "/" + name, ticks(stat));
                } catch (java.io.IOException e) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return out;
    }

    /** Fields 14 and 15 (utime, stime) of a stat line; the name (field 2) may hold spaces, so count after its ')'. */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            p.waitFor();
            return Long.parseLong(s);
        } catch (Exception e) {
            return 100; // Linux's USER_HZ almost everywhere
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a temp dir left behind is harmless
        }
    }
}
