package io.facestream.models.inference;

import io.facestream.models.FaceBox;
import org.bytedeco.opencv.opencv_core.Mat;

/** A face box in an RGB image. */
public record FaceRegion(Mat rgb, FaceBox box) {}
