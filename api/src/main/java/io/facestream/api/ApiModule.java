package io.facestream.api;

/**
 * A group of endpoints (the POI API, faces, register, the WebSocket...). The server calls
 * {@link #register} once before it starts; each route is declared there with its docs and scope, and the
 * OpenAPI document is derived from the same declaration.
 */
@FunctionalInterface
public interface ApiModule {
    void register(Routes routes);
}
