package io.facestream.schemas.registry;

import org.apache.avro.Schema;

/** The part of the Confluent Schema Registry API facestream uses. Implementations cache. */
public interface SchemaRegistryClient {

    /** A schema as registered under a subject. */
    record Registered(String subject, int version, int id, Schema schema) {
    }

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with this global id. */
    Schema byId(int id);

    /** The latest version under {@code subject}. */
    Registered latest(String subject);

    /** Whether {@code schema} may be registered under {@code subject} under its compatibility level. */
    boolean isCompatible(String subject, Schema schema);
}
