package io.facestream.topologies;

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

/**
 * What the pipeline does when a processor throws. Without it the stream thread was replaced and met the same
 * record again, forever: one bad identity command or frame stopped its partition for good. A failure that
 * retrying cannot fix (a bug, a command that no longer fits the state) now sends the record to the dead-letter
 * topic ({@code errors.dead.letter.queue.topic.name}, Kafka Streams' own records and headers) and processing goes
 * on; a failure that may pass (I/O: the vector store or blob store away; a timeout) still fails the thread so
 * the record is retried. Changes a processor made to its stores before it threw are not rolled back.
 */
public final class SkipPoisonRecords extends LogAndContinueProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(SkipPoisonRecords.class);

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (mayPass(exception)) {
            log.warn("processing {}-{}@{} failed on what may pass; retrying it: {}", context.topic(), context.partition(), context.offset(),
                    exception.toString());
            return Response.fail();
        }
        return super.handleError(context, record, exception);
    }

    /** I/O, Kafka's retriable errors and timeouts, anywhere in the cause chain. */
    static boolean mayPass(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof RetriableException
                    || t instanceof TimeoutException || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }
}
