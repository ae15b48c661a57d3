package io.facestream.app;

import io.facestream.app.bench.SamplePoi;
import io.facestream.app.config.Config;
import io.facestream.ingest.replay.ReplaySpeed;
import io.facestream.ingest.replay.Replayer;
import io.facestream.ingest.video.FaceSprites;
import io.facestream.ingest.video.SceneVideoWriter.Sprite;
import io.facestream.ingest.video.SceneVideoWriter;
import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.Sighting;
import io.facestream.topologies.views.Views;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of one application: the pipeline's views are spread over them, and each instance's API
 * answers for keys the other holds (Kafka Streams' metadata for the key, application.server, an internal
 * HTTP call), so a client may ask either.
 */
class TwoInstancesTest {
    private static final String ADMIN_KEY = "two-instances-admin-key";

    private static Config config(Path dataDir, Map<String, String> more) {
        Map<String, String> values = new HashMap<>(Map.of(
                "data.dir", dataDir.toString(),
                "kafka.embedded.port", "0",
                "kafka.embedded.controller.port", "0",
                "registry.embedded.port", "0",
                "api.port", "0",
                "api.keys", "tester:admin:" + ADMIN_KEY,
                "api.internal.key", "two-instances-internal-key",
                "topologies.threads", "1"));
        values.putAll(more);
        return Config.load(null, Map.of(), values);
    }

    @Test
    void eitherInstanceAnswersForViewsTheOtherHolds(@TempDir Path dir) throws Exception {
        try (Standalone a = Standalone.start(config(dir.resolve("a"), Map.of()));
             Standalone b = Standalone.startApiRole(config(dir.resolve("b"), Map.of(
                     "kafka.bootstrap.servers", a.bootstrapServers(), "registry.url", a.registryUrl())))) {
            FaceAnalyzer analyzer = a.ingest().analyzer();
            List<BufferedImage> faces = FaceSprites.fromPhoto(analyzer, "sample1", 2);
            Person poi = SamplePoi.fromFace(analyzer, faces.get(0), "poi-two-" + System.nanoTime(), "Two Instances", null);
            a.backend().writes().putPerson(poi);
            a.backend().awaitVisible(() -> a.backend().gallery().person(poi.getPersonId()).isPresent()
                    && b.backend().gallery().person(poi.getPersonId()).isPresent(), "the POI on both instances", Duration.ofSeconds(60));

            Path video = dir.resolve("two.mp4");
            SceneVideoWriter.write(video, 640, 360, 10, 40, List.of(
                    new Sprite(faces.get(0), 0, 39, 140, 180, 180, 170, 150, 160),
                    new Sprite(faces.get(1), 0, 39, 470, 190, 440, 180, 150, 150)));
            String fileId = "two-" + System.nanoTime();
            Replayer.Result replayed = a.ingest().replayer().replay(new Replayer.Request(video, fileId, "two-cam", ReplaySpeed.MAX, 10,
                    null, Instant.now().minusSeconds(60), 1), (x, y, z) -> { });
            assertThat(replayed.faces()).isPositive();
            a.backend().awaitVisible(() -> finals(a.backend().router().store(Views.SIGHTINGS.name()), fileId) >= 2, "the sightings",
                    Duration.ofSeconds(90));
            // a face's media time reads the file's record, a view of its own that may arrive after the sightings
            a.backend().awaitVisible(() -> a.backend().queries().file(fileId).isPresent()
                    && b.backend().queries().file(fileId).isPresent(), "the file's record on both instances", Duration.ofSeconds(60));

            // who holds the faces view (one partition, so one instance), and who does not (Kafka Streams names the
            // instance keeping its standby copy too)
            List<StreamsMetadata> holders = a.backend().streams().streamsMetadataForStore(Views.FACES.name()).stream()
                    .filter(m -> m.stateStoreNames().contains(Views.FACES.name())).toList();
            assertThat(holders).hasSize(1);
            Standalone owner = holders.get(0).hostInfo().port() == a.apiPort() ? a : b;
            Standalone other = owner == a ? b : a;
            String faceId = anyFace(owner.backend().router().local(Views.FACES.name()), fileId);

            HttpResponse<String> fromOwner = get(owner, "/api/faces/" + faceId);
            HttpResponse<String> fromOther = get(other, "/api/faces/" + faceId);
            assertThat(fromOwner.statusCode()).isEqualTo(200);
            assertThat(fromOther.statusCode()).as("the instance without the view fetches the face from its owner: %s", fromOther.body()).isEqualTo(200);
            assertThat(fromOther.body()).isEqualTo(fromOwner.body()).contains(faceId);
            assertThat(fromOther.headers().firstValue(io.facestream.api.StaleReads.HEADER)).as("the owner answered: fresh").isEmpty();
            assertThat(get(other, "/api/faces/" + fileId + ":999:0").statusCode()).isEqualTo(404);

            // a prefix scan (the POI's sightings, as search stage 1 reads them): the holder scans its own store
            // under the prefix, the other instance asks it for just those keys
            String prefix = Views.ofIdentity(Views.identityOf(poi));
            List<String> viaOwner = keys(owner.backend().router().store(Views.SIGHTINGS_BY_IDENTITY.name()), prefix);
            assertThat(viaOwner).isNotEmpty().allMatch(k -> k.startsWith(prefix));
            assertThat(keys(other.backend().router().store(Views.SIGHTINGS_BY_IDENTITY.name()), prefix)).isEqualTo(viaOwner);

            HttpResponse<String> alertsA = get(a, "/api/v1/alerts");
            HttpResponse<String> alertsB = get(b, "/api/v1/alerts");
            assertThat(alertsA.statusCode()).as(alertsA.body()).isEqualTo(200);
            assertThat(alertsA.body()).contains(poi.getPersonId()).isEqualTo(alertsB.body());
        }
    }

    private static HttpResponse<String> get(Standalone instance, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + instance.apiPort() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int finals(ReadOnlyKeyValueStore<String, Sighting> sightings, String fileId) {
        int n = 0;
        try (KeyValueIterator<String, Sighting> it = sightings.all()) {
            while (it.hasNext()) {
                Sighting s = it.next().value;
                if (fileId.equals(s.getFileId()) && s.getFinal$()) n++;
            }
        }
        return n;
    }

    private static List<String> keys(ReadOnlyKeyValueStore<String, String> view, String prefix) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> it = view.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private static String anyFace(ReadOnlyKeyValueStore<String, Face> faces, String fileId) {
        try (KeyValueIterator<String, Face> it = faces.all()) {
            while (it.hasNext()) {
                Face f = it.next().value;
                if (fileId.equals(f.getFileId())) return f.getFaceId();
            }
        }
        throw new AssertionError("no face of " + fileId + " in the owner's view");
    }
}
