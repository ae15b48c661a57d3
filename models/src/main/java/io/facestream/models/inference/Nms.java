package io.facestream.models.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Greedy non-maximum suppression: keeps the best-scoring box of every group overlapping above the IoU limit. */
public final class Nms {
    private Nms() {}

    public static List<Detection> apply(List<Detection> detections, double iouThreshold) {
        List<Detection> sorted = new ArrayList<>(detections);
        sorted.sort(Comparator.comparingDouble(Detection::score).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection candidate : sorted) {
            if (kept.stream().noneMatch(k -> k.box().iou(candidate.box()) > iouThreshold)) {
                kept.add(candidate);
            }
        }
        return kept;
    }
}
