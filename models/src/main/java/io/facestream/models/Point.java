package io.facestream.models;

/** A point in source-image pixels. */
public record Point(float x, float y) {}
