package io.facestream.api.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.facestream.api.ApiException;
import io.facestream.api.ApiJson;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.IdentityStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Seed 000's identity.json and the identity fields it maps to: the one place that says how the seed's values
 * (sources, statuses, metadata) are kept in the {@link Identity} record and read back.
 */
final class IdentityJson {
    /** Seed 000's sources. The pipeline's own "split" (an operator's split) reads as user_defined. */
    static final List<String> SOURCES = List.of(".json", "auto", "tmdb", "user_defined", "merged");
    static final List<String> STATUSES = List.of("confirmed", "pending", "inactive");
    /** identity_uuid of an uploaded identity: a UUID with or without dashes, or any id of that alphabet. */
    static final Pattern UUID_FORMAT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final int MAX_NAME = 200;
    static final int MAX_BODY_BYTES = 1024 * 1024;
    static final int MAX_JSON_FIELD_CHARS = 64 * 1024;
    static final int MAX_METADATA_KEYS = 256;
    static final int MAX_KEY_CHARS = 200;
    static final int MAX_URL_CHARS = 2048;
    static final int MAX_FILE_BINDINGS = 100_000;
    private static final Set<String> KNOWN_VERSIONS = Set.of("1");

    /** An identity.json that passed every check: what an UPSERT command carries (null: not given, left as it is). */
    record Upload(String identityUuid, String name, String identityType, String source, IdentityStatus status,
            Long tmdbId, String tmdbProfile, Map<String, String> metadata, String referenceData) {}

    private IdentityJson() {}

    static Upload parse(String body) {
        JsonNode root;
        try {
            root = ApiJson.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw invalid("The body must be an identity.json object.");
        JsonNode version = root.get("version");
        if (version != null && !version.isNull() && !(version.canConvertToExactIntegral() && KNOWN_VERSIONS.contains(version.asText()))) {
            throw invalid("version: only identity.json version 1 is understood, got " + version + ".");
        }
        String uuid = requiredText(root, "identity_uuid", 64);
        if (!UUID_FORMAT.matcher(uuid).matches()) {
            throw invalid("identity_uuid: 1-64 letters, digits, '-' or '_', starting with a letter or digit.");
        }
        String name = requiredText(root, "name", MAX_NAME);
        String type = optionalText(root, "identity_type", 32);
        if (type != null && !type.equals("people")) throw invalid("identity_type: \"people\" or null, got \"" + type + "\".");
        String source = optionalText(root, "source", 32);
        if (source != null && !SOURCES.contains(source)) throw invalid("source: one of " + SOURCES + ", got \"" + source + "\".");
        String status = optionalText(root, "status", 32);
        if (status != null && !STATUSES.contains(status)) throw invalid("status: one of " + STATUSES + ", got \"" + status + "\".");
        JsonNode tmdb = root.get("tmdb_id");
        Long tmdbId = null;
        if (tmdb != null && !tmdb.isNull()) {
            if (!tmdb.canConvertToExactIntegral() || !tmdb.canConvertToLong() || tmdb.asLong() < 0) {
                throw invalid("tmdb_id: a non-negative integer, got " + tmdb + ".");
            }
            tmdbId = tmdb.asLong();
        }
        String profile = optionalText(root, "tmdb_profile", MAX_URL_CHARS);
        Map<String, String> metadata = metadata(root.get("metadata"));
        String reference = objectText(root.get("reference_data"), "reference_data");
        JsonNode bindings = root.get("file_bindings");
        if (bindings != null && !bindings.isNull()) {
            if (!bindings.isArray()) throw invalid("file_bindings: an array of {file_uuid, trace_ids, face_count}.");
            if (bindings.size() > MAX_FILE_BINDINGS) throw invalid("file_bindings: at most " + MAX_FILE_BINDINGS + " entries.");
            for (JsonNode b : bindings) {
                if (!b.isObject()) throw invalid("file_bindings: each entry is an object {file_uuid, trace_ids, face_count}.");
            }
        }
        return new Upload(uuid, name, type, source, status == null ? null : status(status),
                tmdbId, profile, metadata, reference);
    }

    /** The seed's status of an identity: pending until an operator confirmed it (ACTIVE only means it has enough faces). */
    static String statusName(IdentityStatus status) {
        return switch (status) {
            case PENDING, ACTIVE -> "pending";
            case CONFIRMED -> "confirmed";
            case INACTIVE -> "inactive";
        };
    }

    static IdentityStatus status(String seedName) {
        return switch (seedName) {
            case "confirmed" -> IdentityStatus.CONFIRMED;
            case "inactive" -> IdentityStatus.INACTIVE;
            default -> IdentityStatus.PENDING;
        };
    }

    /** The seed's source of an identity: an operator's split reads as user_defined, anything else as it is. */
    static String sourceName(String source) {
        return "split".equals(source) ? "user_defined" : source;
    }

    /** Metadata values are JSON texts (Identity.avsc); one that is not reads as a plain string. */
    static JsonNode metadataNode(Map<String, String> metadata) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(metadata).forEach((key, value) -> out.set(key, jsonOrText(value)));
        return out;
    }

    static JsonNode referenceNode(String json) {
        return json == null ? JsonNodeFactory.instance.objectNode() : jsonOrText(json);
    }

    private static JsonNode jsonOrText(String value) {
        try {
            JsonNode node = ApiJson.mapper().readTree(value);
            return node == null ? TextNode.valueOf(value) : node;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(value);
        }
    }

    private static Map<String, String> metadata(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) return out;
        if (!node.isObject()) throw invalid("metadata: a JSON object.");
        if (node.size() > MAX_METADATA_KEYS) throw invalid("metadata: at most " + MAX_METADATA_KEYS + " keys.");
        int chars = 0;
        for (var it = node.fields(); it.hasNext(); ) {
            var field = it.next();
            if (field.getKey().isEmpty() || field.getKey().length() > MAX_KEY_CHARS) {
                throw invalid("metadata: keys are 1-" + MAX_KEY_CHARS + " characters.");
            }
            String text = field.getValue().toString();
            chars += field.getKey().length() + text.length();
            out.put(field.getKey(), text);
        }
        if (chars > MAX_JSON_FIELD_CHARS) throw invalid("metadata: at most " + MAX_JSON_FIELD_CHARS + " characters of JSON.");
        return out;
    }

    private static String objectText(JsonNode node, String field) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw invalid(field + ": a JSON object.");
        String text = node.toString();
        if (text.length() > MAX_JSON_FIELD_CHARS) throw invalid(field + ": at most " + MAX_JSON_FIELD_CHARS + " characters of JSON.");
        return text;
    }

    private static String requiredText(JsonNode root, String field, int max) {
        String value = optionalText(root, field, max);
        if (value == null) throw invalid(field + " is required.");
        return value;
    }

    private static String optionalText(JsonNode root, String field, int max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw invalid(field + ": a string, got " + node.getNodeType().name().toLowerCase(Locale.ROOT) + ".");
        String value = node.asText().strip();
        if (value.isEmpty()) throw invalid(field + " must not be blank.");
        if (value.length() > max) throw invalid(field + ": at most " + max + " characters.");
        if (value.chars().anyMatch(Character::isISOControl)) throw invalid(field + " must not contain control characters.");
        return value;
    }

    private static ApiException invalid(String message) {
        return ApiException.validation(message);
    }
}
