package io.facestream.app.bench;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.store.ModelSpec.Role;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.ReferenceFace;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** A high-severity person of interest enrolled from the largest face of an image (the demo's and the benchmarks' POI). */
public final class SamplePoi {

    public static Person fromFace(FaceAnalyzer analyzer, BufferedImage image, String personId, String name, String notes) throws Exception {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", jpeg);
        DetectedFace face = analyzer.analyze(jpeg.toByteArray()).stream()
                .max(Comparator.comparingDouble(f -> f.box().area())).orElseThrow();
        List<Float> embedding = new ArrayList<>();
        for (float v : analyzer.embed(face.aligned())) embedding.add(v);
        Instant now = Instant.now();
        return Person.newBuilder().setPersonId(personId).setName(name).setMetadata(Map.of())
                .setWatchlist(new Watchlist(Severity.HIGH, WatchlistStatus.ACTIVE, notes, now))
                .setFaces(List.of(new ReferenceFace(personId + ":0", null, embedding, analyzer.config().catalog().model(Role.EMBEDDER).id(),
                        (float) face.quality().score(), now)))
                .setCreatedAt(now).setUpdatedAt(now).build();
    }

    private SamplePoi() {
    }
}
