package io.facestream.schemas.topics;

import java.time.Duration;

/**
 * Settings shared by the consumers that follow fixed partitions of our topics for as long as they run (assigned, not
 * subscribed: no group, no rebalance, no seek after they start): the API's live alerts and frames, the camera
 * worker manager, the event recorder and the pipeline's global stores' consumer ({@code HeldFetchClientSupplier}).
 */
public final class AssignedConsumers {
    /**
     * {@code fetch.max.wait.ms}: how long the broker holds such a consumer's fetch while none of its partitions has a
     * record. A record answers a held fetch at once (fetch.min.bytes is 1), so this costs no latency; it sets how often
     * an idle consumer asks, here once per 5 s instead of Kafka's twice a second, each ask costing the broker a
     * request, a delayed fetch in purgatory and a response. It must stay under {@code request.timeout.ms} (30 s).
     * What waits for a held fetch is a new request to the same broker on the same connection: partitions added to
     * the assignment (none are, for these consumers) and the fetch-session close sent by {@code close()}, hence
     * {@link #CLOSE_TIMEOUT}.
     */
    public static final int FETCH_MAX_WAIT_MS = 5_000;

    /**
     * How long such a consumer's loop waits in {@code poll}: a record ends the wait at once and {@code wakeup()} (their
     * close) ends it too, so this is only the rate at which an idle loop turns, once per held fetch instead of 2 to 5
     * times a second.
     */
    public static final Duration POLL = Duration.ofMillis(FETCH_MAX_WAIT_MS);

    /**
     * How long {@code close()} may wait to tell the broker the consumer's fetch session ended: not at all. That request
     * queues behind a held fetch (a close took 5.0 s with Kafka's default timeout while a 5 s fetch was held), the
     * consumers commit nothing, and a fetch session not told expires on the broker by itself.
     */
    public static final Duration CLOSE_TIMEOUT = Duration.ZERO;

    private AssignedConsumers() {
    }
}
