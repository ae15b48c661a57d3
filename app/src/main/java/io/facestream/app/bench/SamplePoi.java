package io.facestream.app.bench;

import io.facestream.models.DetectedFace;
import io.facestream.models.FaceAnalyzer;
import io.facestream.models.image.ImageCodec;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Severity;
import io.facestream.schemas.avro.Watchlist;
import io.facestream.schemas.avro.WatchlistStatus;
import io.facestream.topologies.gallery.Enrolment;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A high-severity person of interest enrolled from the largest face of an image (the demo's and the benchmarks' POI). */
public final class SamplePoi {

    public static Person fromFace(FaceAnalyzer analyzer, BufferedImage image, String personId, String name, String notes) throws Exception {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", jpeg);
        Enrolment enrolment = new Enrolment(analyzer);
        DetectedFace face = enrolment.subject(ImageCodec.decode(jpeg.toByteArray(), analyzer.config().maxPixels())).orElseThrow();
        Instant now = Instant.now();
        return Person.newBuilder().setPersonId(personId).setName(name).setMetadata(Map.of())
                .setWatchlist(new Watchlist(Severity.HIGH, WatchlistStatus.ACTIVE, notes, now))
                .setFaces(List.of(enrolment.reference(face, personId + ":0", null, now)))
                .setCreatedAt(now).setUpdatedAt(now).build();
    }

    private SamplePoi() {
    }
}
