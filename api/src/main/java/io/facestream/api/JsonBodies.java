package io.facestream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * JSON request bodies read the way seed 002's FastAPI service reads them: a missing, malformed or mistyped
 * body or field is a 422 that names the field; every list is bounded.
 */
public final class JsonBodies {
    /** Longest id accepted in a body (ids are UUIDs or short record ids). */
    public static final int MAX_ID_LENGTH = 200;

    private JsonBodies() {}

    /** The body as a JSON object; 422 when it is empty, not JSON, or not an object. */
    public static JsonNode object(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) throw ApiException.validation("body: a JSON object is required");
        JsonNode node;
        try {
            node = ApiJson.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.validation("body: not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) throw ApiException.validation("body: a JSON object is required");
        return node;
    }

    /** A text field: absent or null is empty; a non-string, or one longer than {@code max}, is a 422. */
    public static Optional<String> text(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return Optional.empty();
        if (!value.isTextual()) throw ApiException.validation(field + ": must be a string");
        if (value.asText().length() > max) throw ApiException.validation(field + ": at most " + max + " characters");
        return Optional.of(value.asText());
    }

    /** A boolean field: absent or null is empty. */
    public static Optional<Boolean> bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return Optional.empty();
        if (!value.isBoolean()) throw ApiException.validation(field + ": must be true or false");
        return Optional.of(value.asBoolean());
    }

    /**
     * A list of ids, de-duplicated in order: absent or null is empty; more than {@code max}, a non-string or a
     * blank or over-long id is a 422.
     */
    public static List<String> ids(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return List.of();
        if (!value.isArray()) throw ApiException.validation(field + ": must be a list of ids");
        if (value.size() > max) throw ApiException.validation(field + ": at most " + max + " ids, got " + value.size());
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (JsonNode id : value) {
            // seed 002's ids are integers: accept them as their decimal text
            String text = id.isTextual() ? id.asText() : id.isIntegralNumber() ? id.asText() : null;
            if (text == null || text.isBlank() || text.length() > MAX_ID_LENGTH) {
                throw ApiException.validation(field + ": every id must be a non-empty string of at most " + MAX_ID_LENGTH + " characters");
            }
            out.add(text);
        }
        return new ArrayList<>(out);
    }

    /** A required id field. */
    public static String id(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) throw ApiException.validation(field + ": field required");
        String text = value.isTextual() || value.isIntegralNumber() ? value.asText() : null;
        if (text == null || text.isBlank() || text.length() > MAX_ID_LENGTH) {
            throw ApiException.validation(field + ": must be a non-empty id of at most " + MAX_ID_LENGTH + " characters");
        }
        return text;
    }

    /** An integer query parameter in [min, max], else {@code fallback} when absent; 422 otherwise. */
    public static int intQuery(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        int value;
        try {
            value = Integer.parseInt(raw.strip());
        } catch (NumberFormatException e) {
            throw ApiException.validation(name + ": must be an integer");
        }
        if (value < min || value > max) throw ApiException.validation(name + ": must be between " + min + " and " + max);
        return value;
    }

    /** A number query parameter in [min, max], else {@code fallback} when absent; 422 otherwise. */
    public static double doubleQuery(Context ctx, String name, double fallback, double min, double max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        double value;
        try {
            value = Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            throw ApiException.validation(name + ": must be a number");
        }
        if (!(value >= min && value <= max)) throw ApiException.validation(name + ": must be between " + min + " and " + max);
        return value;
    }

    /** A boolean query parameter (true/false/1/0), else {@code fallback} when absent; 422 otherwise. */
    public static boolean boolQuery(Context ctx, String name, boolean fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) return fallback;
        return switch (raw.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ApiException.validation(name + ": must be true or false");
        };
    }
}
