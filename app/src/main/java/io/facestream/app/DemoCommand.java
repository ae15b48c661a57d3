package io.facestream.app;

import io.facestream.api.backend.Backend;
import io.facestream.app.bench.SamplePoi;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.Views;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code facestream demo}: the product on its embedded default, shown end to end. A person from a package
 * photo is put on the watch list, a generated video where they appear twice beside a stranger is replayed,
 * and the alerts and identities the pipeline found are printed; the product then keeps running so the
 * API can be explored.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the product, enrol a POI from a photo, replay a generated video where they appear, print the alerts "
                + "and identities found, and keep running for exploration (Ctrl-C stops).")
final class DemoCommand implements Runnable {
    private static final double FPS = 10;
    private static final int FRAMES = 80;

    @Mixin
    Facestream.ConfigOptions config;

    @Override
    public void run() {
        PrintStream out = System.out;
        Standalone standalone = Standalone.start(config.load());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            standalone.close();
            stopped.countDown();
        }, "facestream-shutdown"));
        standalone.endpoints().forEach((part, where) -> out.printf("  %-16s %s%n", part, where));
        try {
            standalone.awaitReady(java.time.Duration.ofMinutes(5), reason -> out.printf("facestream: waiting: %s%n", reason));
            demo(standalone, out);
            out.println("facestream: the product keeps running for exploration (Ctrl-C stops); try GET /api/v1/alerts, /docs");
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("demo failed: " + e.getMessage(), e);
        }
    }

    private static void demo(Standalone standalone, PrintStream out) throws Exception {
        Backend backend = standalone.backend();
        FaceAnalyzer analyzer = standalone.ingest().analyzer();
        List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
        Person poi = SamplePoi.fromFace(analyzer, faces.get(0), "poi-demo", "Demo POI", "enrolled by facestream demo");
        backend.writes().putPerson(poi);
        backend.awaitVisible(() -> backend.gallery().person(poi.getPersonId()).isPresent(), "the POI");
        out.printf("%nenrolled POI %s (%s) from a face of the package photo sample1%n", poi.getName(), poi.getPersonId());

        Path video = Files.createTempFile("facestream-demo", ".mp4");
        try {
            SceneVideoWriter.write(video, 640, 360, FPS, FRAMES, List.of(
                    new Sprite(faces.get(0), 0, 19, 140, 180, 180, 170, 150, 160),
                    new Sprite(faces.get(0), 50, 79, 170, 170, 130, 180, 160, 150),
                    new Sprite(faces.get(1), 10, 69, 470, 190, 440, 180, 150, 150)));
            String fileId = "demo-" + Instant.now().toEpochMilli();
            Replayer.Result result = standalone.ingest().replayer().replay(new Replayer.Request(video, fileId, "demo-cam",
                    ReplaySpeed.MAX, FPS, null, Instant.now(), 1), (frames, expected, found) -> { });
            out.printf("replayed an 8 s video as file %s (camera demo-cam): %d frames, %d faces; the POI walks in twice, a stranger once%n",
                    fileId, result.frames(), result.faces());
            backend.awaitVisible(() -> finals(backend.router().store(Views.SIGHTINGS.name()), fileId).size() >= 3, "the sightings of the demo video",
                    java.time.Duration.ofMinutes(2));
            ReadOnlyKeyValueStore<String, Sighting> sightings = backend.router().store(Views.SIGHTINGS.name());

            out.println("\nPOI alerts (one per track; at one camera, a POI's later tracks within topologies.alert.cooldown.seconds stay quiet):");
            for (PoiAlert a : backend.queries().recentAlerts(50)) {
                if (!a.getSourceId().equals(fileId)) continue;
                out.printf("  %s  %s (%s)  camera %s  frame %d  similarity %.2f  track %s%n", a.getTimestamp(), a.getPoiName(),
                        a.getSeverity(), a.getCameraId(), a.getFrameNumber(), a.getSimilarity(), a.getTrackId());
            }
            out.println("\nsightings and identities:");
            for (Sighting s : finals(sightings, fileId)) {
                Identity identity = backend.queries().identity(s.getIdentityId()).orElse(null);
                out.printf("  frames %d-%d  %-8s identity %s (%s, %d faces)%s%n", s.getEntryFrame(), s.getExitFrame(), s.getMatchKind(),
                        s.getIdentityId(), identity == null ? "?" : identity.getStatus().name().toLowerCase(),
                        identity == null ? 0 : identity.getFaceCount(), s.getPersonId() == null ? "" : "  = " + poi.getName());
            }
        } finally {
            Files.deleteIfExists(video);
        }
    }

    private static List<Sighting> finals(ReadOnlyKeyValueStore<String, Sighting> sightings, String fileId) {
        List<Sighting> out = new ArrayList<>();
        try (KeyValueIterator<String, Sighting> it = sightings.all()) {
            it.forEachRemaining(kv -> {
                if (fileId.equals(kv.value.getFileId()) && kv.value.getFinal$()) out.add(kv.value);
            });
        }
        out.sort(Comparator.comparingLong(Sighting::getEntryFrame));
        return out;
    }
}
