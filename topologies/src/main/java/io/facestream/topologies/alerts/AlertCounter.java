package io.facestream.topologies.alerts;

import io.facestream.schemas.avro.PoiAlert;
import io.facestream.topologies.views.Views;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts committed alerts per POI into a global store, for the alerts' {@code previous_match_count}: every
 * instance sees every camera's alerts. Alerts of one POI raised within one commit interval of each other, on
 * different partitions, may carry the same count.
 */
public final class AlertCounter implements Processor<String, PoiAlert, Void, Void> {
    private KeyValueStore<String, Long> counts;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        counts = context.getStateStore(Views.ALERT_COUNTS.name());
    }

    @Override
    public void process(Record<String, PoiAlert> record) {
        if (record.value() == null) return;
        String poi = record.value().getPoiId();
        Long count = counts.get(poi);
        counts.put(poi, count == null ? 1 : count + 1);
    }
}
