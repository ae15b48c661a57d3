package io.facestream.api.backend;

import io.facestream.api.ApiException;
import io.facestream.api.ApiModule;
import io.facestream.api.Routes;
import io.facestream.api.Scope;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What instances ask each other for: this instance's part of a view, by key or whole, values in the
 * views' own serialized form. Only for the internal key ({@link Scope#INTERNAL}): a whole view holds every
 * face crop and embedding, a bulk export no client credential, read or admin, should give.
 */
public final class InternalViewsModule implements ApiModule {
    /** Query parameter of the entries route: only keys starting with it (base64url). */
    static final String PREFIX = "prefix";
    /**
     * Query parameter of both routes: read this partition from whichever copy this instance holds (active,
     * restoring or standby, so possibly stale), for an instance whose holder of the fresh copy does not answer;
     * 503 when it holds none.
     */
    static final String PARTITION = "partition";
    /** Why these routes are not in the OpenAPI document. */
    private static final String INTERNAL_ONLY = "instance-to-instance reads with the cluster's internal key,"
            + " in the views' serialized form: not a client API and no client key may call them";
    private final ViewRouter views;

    public InternalViewsModule(ViewRouter views) {
        this.views = views;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/internal/views/{store}/keys/{key}", ctx -> {
            String store = view(ctx.pathParam("store"));
            Object value = part(store, ctx.queryParam(PARTITION)).get(ctx.pathParam("key"));
            if (value == null) throw ApiException.notFound("No entry " + ctx.pathParam("key") + " in " + store + " here.");
            ctx.contentType("application/octet-stream").result(views.encode(store, value));
        }).scope(Scope.INTERNAL).hidden(INTERNAL_ONLY);
        routes.get("/internal/views/{store}/entries", ctx -> {
            String store = view(ctx.pathParam("store"));
            ReadOnlyKeyValueStore<String, Object> local = part(store, ctx.queryParam(PARTITION));
            String prefix = prefix(ctx.queryParam(PREFIX));
            Map<String, String> entries = new LinkedHashMap<>();
            try (KeyValueIterator<String, Object> it = prefix == null ? local.all() : local.prefixScan(prefix, Serdes.String().serializer())) {
                it.forEachRemaining(kv -> entries.put(kv.key, Base64.getEncoder().encodeToString(views.encode(store, kv.value))));
            }
            ctx.json(entries);
        }).scope(Scope.INTERNAL).hidden(INTERNAL_ONLY);
    }

    /** This instance's active part of {@code store}, or where {@code partition} is given its copy of that partition. */
    private ReadOnlyKeyValueStore<String, Object> part(String store, String partition) {
        if (partition == null) return views.local(store);
        int p;
        try {
            p = Integer.parseInt(partition);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("partition is not a number: " + partition);
        }
        if (p < 0) throw ApiException.badRequest("partition is negative: " + partition);
        return views.copy(store, p);
    }

    /** Composite keys contain NUL, so the prefix travels base64url-encoded. */
    private static String prefix(String encoded) {
        if (encoded == null) return null;
        try {
            return new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("prefix is not base64url: " + e.getMessage());
        }
    }

    private String view(String store) {
        if (!views.isView(store)) throw ApiException.notFound("No view " + store + ".");
        return store;
    }
}
