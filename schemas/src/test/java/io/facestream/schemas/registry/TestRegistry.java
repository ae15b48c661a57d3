package io.facestream.schemas.registry;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded registry on a store topic of its own ({@link RegistryFixture}) for one test class, with a REST client:
 * {@code @RegisterExtension static final TestRegistry REGISTRY = new TestRegistry();}.
 */
public final class TestRegistry implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedSchemaRegistry registry;
    private SchemaRegistryClient client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        registry = RegistryFixture.start(RegistryFixture.freshStoreTopic());
        client = new RestSchemaRegistryClient(registry.url());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) registry.close();
    }

    public SchemaRegistryClient client() {
        return client;
    }

    public String url() {
        return registry.url();
    }
}
