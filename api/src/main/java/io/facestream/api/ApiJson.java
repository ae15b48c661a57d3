package io.facestream.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mapping of every response and request body. Every seed names its fields in snake_case, so
 * record components in camelCase ({@code poiId}) are written as the seeds spell them ({@code poi_id});
 * map keys are written as they are. Nulls are written ({@code "error": null} is part of seed 004's
 * envelope), times as ISO 8601 strings, and unknown request fields are ignored (seed 000's identity.json
 * carries a {@code version} its table does not list).
 */
public final class ApiJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ApiJson() {}

    /** The shared mapper; configure nothing on it (it is used by every request). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
