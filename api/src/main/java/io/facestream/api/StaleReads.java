package io.facestream.api;

/**
 * Whether the request this thread serves read a view from a copy that may lag behind the pipeline (a standby or
 * restoring store, while the instance holding the fresh copy does not answer or the group rebalances): the answer
 * then carries {@link #HEADER}{@code : true}. Requests are served one per thread, start to end.
 */
public final class StaleReads {
    /** The response header that says an answer may be slightly stale. */
    public static final String HEADER = "X-Facestream-Stale";
    private static final ThreadLocal<Boolean> STALE = ThreadLocal.withInitial(() -> false);

    private StaleReads() {
    }

    /** A view read of this request was answered from a possibly stale copy. */
    public static void mark() {
        STALE.set(true);
    }

    /** Whether this request read a possibly stale copy so far; forgets it. */
    public static boolean take() {
        boolean stale = STALE.get();
        STALE.remove();
        return stale;
    }
}
