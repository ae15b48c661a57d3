package io.facestream.ingest.replay;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Replay progress for a person: a bar redrawn in place with rate and ETA on a terminal,
 * a plain line every few seconds otherwise (logs, CI, pipes).
 */
public final class ProgressReporter {
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final long startNanos = System.nanoTime();
    private final long lineIntervalNanos;
    private long lastDrawNanos;

    /**
     * @param terminal     true to redraw a bar in place; false for periodic lines
     * @param lineInterval how often a plain line is written when not on a terminal
     */
    public ProgressReporter(PrintStream out, boolean terminal, String label, Duration lineInterval) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        this.lineIntervalNanos = lineInterval.toNanos();
    }

    /**
     * True when standard output is an interactive terminal. From JDK 22 a console exists even
     * when output is redirected, and only its isTerminal() (absent from the 21 API we compile
     * against) tells; on 21, a console exists only on a terminal.
     */
    public static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException jdk21) {
            return true;
        }
    }

    /** @param total units of work (frames), or 0 when unknown */
    public void update(long done, long total, long faces) {
        long now = System.nanoTime();
        long interval = terminal ? 100_000_000L : lineIntervalNanos;
        if (now - lastDrawNanos < interval) return;
        lastDrawNanos = now;
        draw(done, total, faces, false);
    }

    public void finish(long done, long total, long faces) {
        draw(done, Math.max(total, done), faces, true);
    }

    private void draw(long done, long total, long faces, boolean last) {
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = total > 0 && rate > 0 && !last ? " ETA " + clock((long) ((total - done) / rate)) : "";
        String counts = total > 0 ? String.format("%d/%d frames", done, total) : done + " frames";
        String stats = String.format("%s, %d faces, %.1f frames/s, %s elapsed%s", counts, faces, rate, clock((long) seconds), eta);
        if (terminal) {
            double fraction = total > 0 ? Math.min(1, (double) done / total) : 0;
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            out.printf("\r%s [%s%s] %3.0f%% %s\033[K", label, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), fraction * 100, stats);
            if (last) out.println();
        } else {
            out.printf("%s: %s%n", label, stats);
        }
        out.flush();
    }

    static String clock(long seconds) {
        return seconds >= 3600 ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format("%d:%02d", seconds / 60, seconds % 60);
    }
}
