package io.facestream.api.backend;

import io.facestream.api.ApiException;
import io.facestream.api.ErrorKind;
import io.facestream.schemas.avro.AlertAck;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Recording;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.views.Views;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's writes: commands produced to Kafka (acks=all, idempotent), each acknowledged before the call
 * returns. The pipeline applies them; the caller then waits for its view ({@link Backend#awaitVisible}).
 */
public final class Writes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Writes.class);
    private final KafkaProducer<String, byte[]> producer;
    private final AvroSerdes serdes;

    public Writes(String bootstrapServers, AvroSerdes serdes) {
        this.serdes = serdes;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "facestream-api",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.CROP_MAX_BYTES), new StringSerializer(), new ByteArraySerializer());
    }

    /** Creates or replaces a person (a POI when they carry a watch-list entry). */
    public void putPerson(Person person) {
        send(Topics.PEOPLE, person.getPersonId(), serdes.of(Person.class).serialize(Topics.PEOPLE, person));
    }

    /** Removes a person from the people view and the gallery (a tombstone on the compacted topic). */
    public void deletePerson(String personId) {
        send(Topics.PEOPLE, personId, null);
    }

    public void identityCommand(IdentityCommand command) {
        identityCommands(List.of(command));
    }

    /** Identity commands in this order, sent together and each acknowledged before the call returns (a bulk delete). */
    public void identityCommands(List<IdentityCommand> commands) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(commands.size());
        for (IdentityCommand c : commands) {
            records.add(new ProducerRecord<>(Topics.IDENTITY_COMMANDS, c.getIdentityId(),
                    serdes.of(IdentityCommand.class).serialize(Topics.IDENTITY_COMMANDS, c)));
        }
        sendAll(records);
    }

    /** Removes people together (tombstones in this order), each acknowledged before the call returns. */
    public void deletePeople(List<String> personIds) {
        sendAll(personIds.stream().map(id -> new ProducerRecord<String, byte[]>(Topics.PEOPLE, id, null)).toList());
    }

    public void putCamera(Camera camera) {
        send(Topics.CAMERAS, camera.getCameraId(), serdes.of(Camera.class).serialize(Topics.CAMERAS, camera));
    }

    public void deleteCamera(String cameraId) {
        send(Topics.CAMERAS, cameraId, null);
    }

    /** Creates or replaces a recorded event (a manual recording's request, before the recorder cuts its clip). */
    public void putRecording(Recording recording) {
        send(Topics.RECORDINGS, recording.getEventId(), serdes.of(Recording.class).serialize(Topics.RECORDINGS, recording));
    }

    /** Removes events from the events view (tombstones in this order), each acknowledged before the call returns. */
    public void deleteRecordings(List<String> eventIds) {
        sendAll(eventIds.stream().map(id -> new ProducerRecord<String, byte[]>(Topics.RECORDINGS, id, null)).toList());
    }

    /** Clears the recent-alerts view up to {@code upTo}; the alerts topic keeps every alert. */
    public void clearAlerts(Instant upTo) {
        var marker = Views.clearAlerts(upTo);
        send(marker.topic(), marker.key(), new LongSerializer().serialize(marker.topic(), marker.value()));
    }

    /** Acknowledges an alert for every instance and console. */
    public void acknowledgeAlert(AlertAck ack) {
        var command = Views.acknowledge(ack);
        send(command.topic(), command.key(), serdes.of(AlertAck.class).serialize(command.topic(), command.value()));
    }

    /** Withdraws an alert's acknowledgement. */
    public void unacknowledgeAlert(String alertId) {
        var command = Views.unacknowledge(alertId);
        send(command.topic(), command.key(), null);
    }

    private void send(String topic, String key, byte[] value) {
        sendAll(List.of(new ProducerRecord<>(topic, key, value)));
    }

    /** Sends every record (the idempotent producer keeps their order per partition), then waits for every acknowledgement. */
    private void sendAll(List<ProducerRecord<String, byte[]>> records) {
        try {
            List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
            for (ProducerRecord<String, byte[]> record : records) acks.add(producer.send(record));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10 + records.size() / 1000);
            for (Future<RecordMetadata> ack : acks) ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException) {
                // FieldLimits keeps every record under the broker's limit; a retry could not help, so no 503
                throw new ApiException(ErrorKind.PAYLOAD_TOO_LARGE, "The change is too large to store.");
            }
            LOG.warn("Kafka did not accept a change to {}", records.getFirst().topic(), e.getCause());
            throw ApiException.unavailable("Kafka did not accept the change; try again in a moment.");
        } catch (TimeoutException e) {
            throw ApiException.unavailable("Kafka did not accept the change in time; try again in a moment.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while writing to Kafka");
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
