package io.facestream.integrations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Publishes events to an MQTT broker the way Frigate does, under {@code <prefix>/}:
 * <ul>
 *   <li>{@code available}: {@code online} (retained) while connected; the broker publishes {@code offline}
 *       (retained, the last will) when this client drops</li>
 *   <li>{@code events}: every alert and sighting as JSON ({@link Events})</li>
 *   <li>{@code <camera>/<kind>}: the camera's latest event of each kind ({@link Events#POI_ALERT}, the topic of a
 *       Home Assistant sensor, {@link Events#UNKNOWN_FACE_ALERT}, {@link Events#SIGHTING}; retained)</li>
 * </ul>
 * and, the first time a camera shows up, Home Assistant's MQTT discovery config for a sensor of its last POI
 * alert ({@code homeassistant/sensor/<prefix>_<camera>_poi_alert/config}, retained; the state is the POI's name,
 * the attributes the whole event, available while {@code <prefix>/available} says {@code online}).
 * Paho reconnects by itself; events published while disconnected fail and are retried by the caller.
 */
public final class MqttSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MqttSink.class);
    private static final int QOS = 1;

    /**
     * @param url      {@code tcp://host:1883} or {@code ssl://host:8883}
     * @param clientId stable across restarts (a broker drops the older of two sessions with one id)
     * @param username null for none
     */
    public record Settings(String url, String clientId, String username, String password, String topicPrefix) {
        public Settings {
            if (topicPrefix == null || topicPrefix.isBlank() || topicPrefix.contains("#") || topicPrefix.contains("+"))
                throw new IllegalArgumentException("an MQTT topic prefix is a plain topic without wildcards, got '" + topicPrefix + "'");
        }
    }

    private final Settings settings;
    private final MqttAsyncClient client;
    private final java.util.Set<String> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private MqttSink(Settings settings, MqttAsyncClient client) {
        this.settings = settings;
        this.client = client;
    }

    /** Connects in the background (retrying) and returns at once: a broker that is down does not hold up the product. */
    public static MqttSink start(Settings settings) {
        try {
            MqttAsyncClient client = new MqttAsyncClient(settings.url(), settings.clientId(), new MemoryPersistence());
            MqttSink sink = new MqttSink(settings, client);
            MqttConnectOptions options = new MqttConnectOptions();
            options.setAutomaticReconnect(true);
            options.setCleanSession(true);
            options.setConnectionTimeout(5);
            options.setKeepAliveInterval(30);
            options.setMaxReconnectDelay(30_000);
            options.setWill(sink.topic("available"), "offline".getBytes(StandardCharsets.UTF_8), QOS, true);
            if (settings.username() != null && !settings.username().isBlank()) {
                options.setUserName(settings.username());
                options.setPassword(settings.password() == null ? new char[0] : settings.password().toCharArray());
            }
            client.setCallback(new MqttCallbackExtended() {
                @Override
                public void connectComplete(boolean reconnect, String serverUri) {
                    log.info("MQTT: connected to {}{}", serverUri, reconnect ? " again" : "");
                    sink.publishQuietly("available", "online", true);
                }

                @Override
                public void connectionLost(Throwable cause) {
                    log.warn("MQTT: lost the connection to {} ({}); reconnecting", settings.url(), cause == null ? "closed" : cause.toString());
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            client.connect(options, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    // automatic reconnect only starts after a first success: keep trying here until then
                    log.warn("MQTT: cannot connect to {} ({}); retrying in 5 s", settings.url(), e.toString());
                    sink.retryFirstConnect(options, this);
                }
            });
            return sink;
        } catch (MqttException e) {
            throw new IllegalArgumentException("MQTT: cannot use " + settings.url() + ": " + e.getMessage(), e);
        }
    }

    private void retryFirstConnect(MqttConnectOptions options, IMqttActionListener listener) {
        Thread.ofVirtual().name("mqtt-first-connect").start(() -> {
            try {
                TimeUnit.SECONDS.sleep(5);
                if (!client.isConnected()) client.connect(options, null, listener);
            } catch (InterruptedException | MqttException e) {
                log.debug("MQTT: first connect abandoned: {}", e.toString());
            }
        });
    }

    /** True while connected to the broker. */
    public boolean connected() {
        return client.isConnected();
    }

    /**
     * Publishes an event (QoS 1) and waits until the broker has it.
     *
     * @throws MqttException when not connected or the broker does not acknowledge in 10 s
     */
    public void publish(ObjectNode event) throws MqttException {
        String camera = event.path("after").path("camera").asText(null);
        byte[] json = event.toString().getBytes(StandardCharsets.UTF_8);
        client.publish(topic("events"), json, QOS, false).waitForCompletion(10_000);
        if (camera != null && !camera.isBlank() && TopicNames.plain(camera)) {
            if (!announced.contains(camera)) {
                client.publish(discoveryTopic(camera), discovery(camera).getBytes(StandardCharsets.UTF_8), QOS, true).waitForCompletion(10_000);
                announced.add(camera);
            }
            client.publish(topic(camera + "/" + event.path("kind").asText(Events.SIGHTING)), json, QOS, true).waitForCompletion(10_000);
        }
    }

    /** Home Assistant's discovery topic for a camera's POI-alert sensor (object ids are [a-zA-Z0-9_-]). */
    String discoveryTopic(String camera) {
        return "homeassistant/sensor/" + objectId(camera) + "/config";
    }

    private String objectId(String camera) {
        return (settings.topicPrefix() + "_" + camera + "_poi_alert").replaceAll("[^a-zA-Z0-9_-]", "_");
    }

    private String discovery(String camera) {
        var config = Events.JSON.createObjectNode()
                .put("name", "POI alert " + camera)
                .put("unique_id", objectId(camera))
                .put("state_topic", topic(camera + "/" + Events.POI_ALERT))
                .put("value_template", "{{ value_json.after.poi_name }}")
                .put("json_attributes_topic", topic(camera + "/" + Events.POI_ALERT))
                .put("json_attributes_template", "{{ value_json.after | tojson }}")
                .put("availability_topic", topic("available"))
                .put("icon", "mdi:account-alert");
        config.putObject("device").put("name", "facestream " + camera).put("manufacturer", "facestream")
                .putArray("identifiers").add(objectId(camera).replace("_poi_alert", ""));
        return config.toString();
    }

    private void publishQuietly(String suffix, String payload, boolean retained) {
        try {
            client.publish(topic(suffix), payload.getBytes(StandardCharsets.UTF_8), QOS, retained);
        } catch (MqttException e) {
            log.warn("MQTT: cannot publish {}: {}", suffix, e.toString());
        }
    }

    private String topic(String suffix) {
        return settings.topicPrefix() + "/" + suffix;
    }

    /** Says {@code offline} on purpose (the will is only for a dropped connection), then disconnects. */
    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.publish(topic("available"), "offline".getBytes(StandardCharsets.UTF_8), QOS, true).waitForCompletion(2_000);
                client.disconnect(2_000).waitForCompletion(3_000);
            }
        } catch (MqttException e) {
            log.debug("MQTT: disconnect: {}", e.toString());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            log.debug("MQTT: close: {}", e.toString());
        }
    }

    /** Camera ids become topic levels: only those without wildcards or separators. */
    static final class TopicNames {
        static boolean plain(String level) {
            return level.length() <= 128 && level.chars().noneMatch(c -> c == '/' || c == '#' || c == '+' || c == 0);
        }

        private TopicNames() {
        }
    }
}
