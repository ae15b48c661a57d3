package io.facestream.api.facegroups;

import io.facestream.models.Embeddings;
import io.facestream.schemas.avro.Face;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.ml.clustering.Cluster;
import org.apache.commons.math3.ml.clustering.DBSCANClusterer;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.distance.DistanceMeasure;
import org.apache.lucene.util.VectorUtil;

/**
 * Same-person groups of captured faces by cosine similarity: Commons Math's DBSCAN with no minimum neighbourhood,
 * which makes every face a core point, so a group is every face linked to another by a chain of similarities of
 * at least the threshold (single linkage) and a face alike to no other is a group of one.
 *
 * <p>DBSCAN measures every pair. Its points here are only indexes into the faces' L2-normalised float embeddings,
 * and the distance ({@code 1 - cosine}) is Lucene's dot product, which uses the CPU's vector instructions where the
 * JVM allows (jdk.incubator.vector): several times cheaper than Euclidean distance over boxed or double copies.
 */
final class FaceClustering {
    private FaceClustering() {}

    /** The faces in groups; groups in no particular order. */
    static List<List<Face>> cluster(List<Face> faces, double threshold) {
        List<Face> embedded = new ArrayList<>(faces.size());
        List<float[]> vectors = new ArrayList<>(faces.size());
        List<DoublePoint> points = new ArrayList<>(faces.size());
        for (Face f : faces) {
            if (f.getEmbedding().isEmpty()) continue;
            points.add(new DoublePoint(new double[]{embedded.size()})); // equal embeddings stay distinct faces
            embedded.add(f);
            vectors.add(Embeddings.normalise(Embeddings.toArray(f.getEmbedding())));
        }
        float[][] unit = vectors.toArray(float[][]::new);
        DistanceMeasure cosineDistance = (a, b) -> 1 - VectorUtil.dotProduct(unit[(int) a[0]], unit[(int) b[0]]);
        List<Cluster<DoublePoint>> clusters = new DBSCANClusterer<DoublePoint>(Math.max(0, 1 - threshold), 0, cosineDistance).cluster(points);
        List<List<Face>> groups = new ArrayList<>(clusters.size());
        for (Cluster<DoublePoint> c : clusters) {
            List<Face> group = new ArrayList<>(c.getPoints().size());
            c.getPoints().forEach(p -> group.add(embedded.get((int) p.getPoint()[0])));
            groups.add(group);
        }
        return groups;
    }
}
