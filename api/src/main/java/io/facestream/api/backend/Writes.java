package io.facestream.api.backend;

import io.facestream.api.ApiException;
import io.facestream.api.ErrorKind;
import io.facestream.schemas.avro.Camera;
import io.facestream.schemas.avro.IdentityCommand;
import io.facestream.schemas.avro.Person;
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
        send(Topics.IDENTITY_COMMANDS, command.getIdentityId(), serdes.of(IdentityCommand.class).serialize(Topics.IDENTITY_COMMANDS, command));
    }

    public void putCamera(Camera camera) {
        send(Topics.CAMERAS, camera.getCameraId(), serdes.of(Camera.class).serialize(Topics.CAMERAS, camera));
    }

    public void deleteCamera(String cameraId) {
        send(Topics.CAMERAS, cameraId, null);
    }

    /** Clears the recent-alerts view up to {@code upTo}; the alerts topic keeps every alert. */
    public void clearAlerts(Instant upTo) {
        var marker = Views.clearAlerts(upTo);
        send(marker.topic(), marker.key(), new LongSerializer().serialize(marker.topic(), marker.value()));
    }

    private void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException) {
                // FieldLimits keeps every record under the broker's limit; a retry could not help, so no 503
                throw new ApiException(ErrorKind.PAYLOAD_TOO_LARGE, "The change is too large to store.");
            }
            LOG.warn("Kafka did not accept a change to {}", topic, e.getCause());
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
