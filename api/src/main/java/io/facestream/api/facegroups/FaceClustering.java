package io.facestream.api.facegroups;

import io.facestream.schemas.avro.Face;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.ml.clustering.Cluster;
import org.apache.commons.math3.ml.clustering.DBSCANClusterer;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.distance.EuclideanDistance;

/**
 * Same-person groups of captured faces by cosine similarity: Commons Math's DBSCAN with no minimum neighbourhood,
 * which makes every face a core point, so a group is every face linked to another by a chain of similarities of
 * at least the threshold (single linkage) and a face alike to no other is a group of one. On L2-normalised
 * embeddings, cosine similarity {@code s} is Euclidean distance {@code sqrt(2 - 2s)}, the radius DBSCAN gets.
 */
final class FaceClustering {
    private FaceClustering() {}

    /** The faces in groups, each group's faces in the order given; groups in no particular order. */
    static List<List<Face>> cluster(List<Face> faces, double threshold) {
        List<DoublePoint> points = new ArrayList<>(faces.size());
        Map<DoublePoint, Face> faceOf = new IdentityHashMap<>(); // equal embeddings stay distinct faces
        for (Face f : faces) {
            if (f.getEmbedding().isEmpty()) continue;
            DoublePoint p = new DoublePoint(normalised(f.getEmbedding()));
            points.add(p);
            faceOf.put(p, f);
        }
        double radius = Math.sqrt(Math.max(0, 2 - 2 * threshold));
        List<Cluster<DoublePoint>> clusters = new DBSCANClusterer<DoublePoint>(radius, 0, new EuclideanDistance()).cluster(points);
        List<List<Face>> groups = new ArrayList<>(clusters.size());
        for (Cluster<DoublePoint> c : clusters) {
            List<Face> group = new ArrayList<>(c.getPoints().size());
            c.getPoints().forEach(p -> group.add(faceOf.get(p)));
            groups.add(group);
        }
        return groups;
    }

    private static double[] normalised(List<Float> embedding) {
        double[] v = new double[embedding.size()];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = embedding.get(i);
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        if (norm > 0) for (int i = 0; i < v.length; i++) v[i] /= norm;
        return v;
    }
}
