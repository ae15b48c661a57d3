package io.facestream.api.identities;

import io.facestream.api.ApiException;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Sighting;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;

/**
 * {@code split auto=true}: the identity's faces clustered into two by Commons Math's k-means++ (on L2-normalised
 * embeddings, Euclidean order is cosine order), each sighting following the cluster most of its faces fell in.
 * The group holding the identity's earliest sighting stays; the other moves. Seeded, so the same faces split the
 * same way on every instance.
 */
final class AutoSplit {
    private AutoSplit() {}

    static List<String> sightingsToMove(List<Face> faces, List<Sighting> sightings) {
        List<Face> withTrack = faces.stream().filter(f -> f.getTrackId() != null && StoredEmbeddings.dimension(f) > 0).toList();
        if (sightings.size() < 2 || withTrack.size() < 2) {
            throw ApiException.validation("auto: an identity needs at least two sightings with faces to be split automatically");
        }
        List<DoublePoint> points = new ArrayList<>(withTrack.size());
        Map<DoublePoint, Face> faceOf = new java.util.IdentityHashMap<>(); // equal embeddings stay distinct faces
        for (Face f : withTrack) {
            float[] embedding = StoredEmbeddings.of(f);
            double[] v = new double[embedding.length];
            for (int i = 0; i < v.length; i++) v[i] = embedding[i];
            DoublePoint p = new DoublePoint(v);
            points.add(p);
            faceOf.put(p, f);
        }
        JDKRandomGenerator random = new JDKRandomGenerator();
        random.setSeed(42);
        List<CentroidCluster<DoublePoint>> clusters =
                new KMeansPlusPlusClusterer<DoublePoint>(2, 100, new EuclideanDistance(), random).cluster(points);
        // votes[track] = faces in cluster 0 minus faces in cluster 1
        Map<String, Integer> votes = new HashMap<>();
        for (int c = 0; c < clusters.size(); c++) {
            int vote = c == 0 ? 1 : -1;
            for (DoublePoint p : clusters.get(c).getPoints()) votes.merge(faceOf.get(p).getTrackId(), vote, Integer::sum);
        }
        Sighting earliest = sightings.stream().min(Comparator.comparing(Sighting::getEntryTime)).orElseThrow();
        boolean keepZero = votes.getOrDefault(earliest.getSightingId(), 1) >= 0;
        List<String> move = new ArrayList<>();
        for (Sighting s : sightings) {
            Integer vote = votes.get(s.getSightingId());
            if (vote == null) continue; // no face kept for it: it stays
            if ((vote >= 0) != keepZero) move.add(s.getSightingId());
        }
        if (move.isEmpty()) throw ApiException.validation("auto: the identity's faces form one group; nothing to split off");
        return move;
    }
}
