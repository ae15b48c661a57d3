package io.facestream.app;

import io.facestream.app.config.Config;
import io.facestream.app.config.ConfigKey;
import io.facestream.integrations.Integrations;
import io.facestream.integrations.MqttSink;
import io.facestream.integrations.WebhookSink;

import java.net.URI;
import java.util.Optional;

/** The integrations' settings from the app's configuration; empty when neither MQTT nor a webhook is set. */
final class IntegrationSettings {
    private IntegrationSettings() {
    }

    static Optional<Integrations.Settings> from(Config config, String bootstrapServers, String registryUrl, int apiPort) {
        String advertised = config.get(ConfigKey.API_ADVERTISED_HOST);
        MqttSink.Settings mqtt = !config.isSet(ConfigKey.MQTT_URL) ? null : new MqttSink.Settings(config.get(ConfigKey.MQTT_URL),
                config.isSet(ConfigKey.MQTT_CLIENT_ID) ? config.get(ConfigKey.MQTT_CLIENT_ID) : "facestream-" + advertised + "-" + apiPort,
                config.get(ConfigKey.MQTT_USERNAME), config.get(ConfigKey.MQTT_PASSWORD), config.get(ConfigKey.MQTT_TOPIC_PREFIX));
        WebhookSink.Settings webhook = !config.isSet(ConfigKey.WEBHOOK_URL) ? null
                : WebhookSink.Settings.of(URI.create(config.get(ConfigKey.WEBHOOK_URL)), config.get(ConfigKey.WEBHOOK_SECRET));
        if (mqtt == null && webhook == null) return Optional.empty();
        String apiUrl = config.isSet(ConfigKey.INTEGRATIONS_API_URL) ? config.get(ConfigKey.INTEGRATIONS_API_URL) : "http://" + advertised + ":" + apiPort;
        return Optional.of(new Integrations.Settings(bootstrapServers, registryUrl, mqtt, webhook,
                config.getBoolean(ConfigKey.WEBHOOK_SIGHTINGS), apiUrl));
    }
}
