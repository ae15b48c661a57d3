package io.facestream.topologies.gallery;

import io.facestream.schemas.avro.Person;
import io.facestream.topologies.views.Views;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the people view (a global store: every instance holds every person) and the in-memory gallery in
 * step with the compacted people topic. On a restart the store comes back from local disk and only newer
 * records pass through this processor, so {@link #init} first fills the gallery from the store; Kafka
 * Streams initialises global processors after restoring, before any stream thread starts matching.
 */
public final class GalleryUpdater implements Processor<String, Person, Void, Void> {
    private final Gallery gallery;
    private KeyValueStore<String, Person> store;

    public GalleryUpdater(Gallery gallery) {
        this.gallery = gallery;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(Views.PEOPLE.name());
        try (KeyValueIterator<String, Person> people = store.all()) {
            people.forEachRemaining(kv -> gallery.put(kv.value));
        }
    }

    @Override
    public void process(Record<String, Person> record) {
        if (record.key() == null) return;
        if (record.value() == null) {
            store.delete(record.key());
            gallery.remove(record.key());
        } else {
            store.put(record.key(), record.value());
            gallery.put(record.value());
        }
    }
}
