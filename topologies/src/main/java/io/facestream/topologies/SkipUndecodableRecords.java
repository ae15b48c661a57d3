package io.facestream.topologies;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undecodable records are logged and skipped (Kafka Streams' {@link LogAndContinueExceptionHandler}) and, read by a
 * stream task, also sent to the dead-letter topic. Not those of the global stores (the gallery's people, the alert
 * counts): Kafka Streams 4.4 cannot send a dead letter from the global thread (it casts the global context to a record
 * collector it is not, and the thread dies), so a bad record there is only logged.
 */
public final class SkipUndecodableRecords extends LogAndContinueExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(SkipUndecodableRecords.class);
    /** The task id Kafka Streams gives the global thread. */
    private static final int GLOBAL_SUBTOPOLOGY = -1;

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (context.taskId() != null && context.taskId().subtopology() == GLOBAL_SUBTOPOLOGY) {
            log.warn("skipping an undecodable record of global store input {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), exception.toString());
            return Response.resume();
        }
        return super.handleError(context, record, exception);
    }
}
