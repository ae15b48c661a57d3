package io.facestream.schemas.registry;

/**
 * No answer from the schema registry at all (refused, unknown host, timed out): unlike
 * {@link SchemaRegistryException}, there is no HTTP status or error code to report, only what was tried.
 */
public final class SchemaRegistryUnreachableException extends RuntimeException {
    public SchemaRegistryUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
