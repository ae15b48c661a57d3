package io.facestream.models.inference;

import io.facestream.models.FaceBox;

/** A detector box in the pixels of the image it was run on, with its score. */
public record Detection(FaceBox box, float score) {}
