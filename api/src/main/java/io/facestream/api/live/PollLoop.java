package io.facestream.api.live;

import io.facestream.schemas.topics.AssignedConsumers;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;

import java.util.function.BooleanSupplier;

/**
 * The poll loop of a feed the API keeps from a topic (live alerts, latest frames): one poll after another while the
 * feed runs; a broker or registry that is away keeps what the feed has and is tried again a second later; the
 * consumer's wakeup or an interrupt ({@code close}) ends it, and the consumer is closed on the loop's own thread.
 */
final class PollLoop {

    /** One round of polling and handling what came. */
    @FunctionalInterface
    interface Poll {
        void once() throws InterruptedException;
    }

    static void run(String feed, BooleanSupplier running, Poll poll, Consumer<?, ?> consumer, Logger log) {
        try {
            while (running.getAsBoolean()) {
                try {
                    poll.once();
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    log.warn("{}: {}; retrying in a second", feed, e.toString());
                    Thread.sleep(1000);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() stops the thread
        } finally {
            consumer.close(CloseOptions.timeout(AssignedConsumers.CLOSE_TIMEOUT));
        }
    }

    private PollLoop() {
    }
}
