package io.facestream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.facestream.ingest.replay.FolderReplay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code facestream replay DIR} and {@code facestream export identities DIR} as a person runs them, against a
 * running standalone: a folder with two clips, a byte-for-byte copy of one and a text file; a second run skips what
 * was indexed and reports a corrupt video; the export writes an identity.json per identity with its file bindings.
 */
class FolderReplayAndExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();


    @Test
    void replaysAFolderOnceAndExportsItsIdentities(@TempDir Path dir) throws Exception {
        Path videos = Files.createDirectories(dir.resolve("videos"));
        Path a = TestStandalone.oneFaceClip(videos.resolve("a.mp4"), 50, 200, 320);
        TestStandalone.oneFaceClip(videos.resolve("b.mkv"), 50, 420, 300);
        Files.copy(a, Files.createDirectories(videos.resolve("more")).resolve("a-copy.mp4"));
        Files.writeString(videos.resolve("notes.txt"), "not a video");
        String aId = FolderReplay.contentId(a), bId = FolderReplay.contentId(videos.resolve("b.mkv"));
        assertThat(aId).startsWith("sha256-").isNotEqualTo(bId);

        try (Standalone standalone = Standalone.start(TestStandalone.config(dir.resolve("data"), 0))) {
            String[] target = {"--bootstrap", standalone.bootstrapServers(), "--registry", standalone.registryUrl(),
                    "--set", "data.dir=" + dir.resolve("data"), "--sample-fps", "5"};
            Cli.Run first = Cli.run(concat(new String[]{"replay", videos.toString()}, target));
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("replayed " + a + " as file " + aId + ": 10 frames, 10 faces")
                    .contains("as file " + bId + ": 10 frames")
                    .contains("skipped " + videos.resolve("more/a-copy.mp4") + " (file " + aId + "): same content as another file")
                    .contains("3 files: 20/20 frames").contains("2 replayed, 1 skipped, 0 failed");

            Files.write(videos.resolve("junk.mp4"), new byte[4096]);
            Cli.Run second = Cli.run(concat(new String[]{"replay", videos.toString()}, target));
            assertThat(second.exit()).isEqualTo(2);
            assertThat(second.out()).contains("skipped " + a + " (file " + aId + "): already indexed")
                    .contains("0 replayed, 3 skipped, 1 failed");
            assertThat(second.err()).contains("facestream replay: " + videos.resolve("junk.mp4") + ": cannot open");
            Cli.Run missing = Cli.run(concat(new String[]{"replay", videos.toString(), dir.resolve("nope").toString()}, target));
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err().strip()).isEqualTo("facestream replay: no such file or folder: " + dir.resolve("nope"));

            // the export reads the API; wait until the pipeline has put the face in both files
            String api = "http://localhost:" + standalone.apiPort();
            String key = Files.readString(dir.resolve("data/api-admin-key")).strip();
            String identity = awaitIdentityIn(api, key, List.of(aId, bId));
            Path out = dir.resolve("export");
            Cli.Run export = Cli.run("export", "identities", out.toString(), "--api", api, "--set", "data.dir=" + dir.resolve("data"));
            assertThat(export.exit()).as(export.err()).isZero();
            assertThat(export.out()).contains("exported ").contains(out.resolve("identities").toString());
            JsonNode file = JSON.readTree(out.resolve("identities").resolve(identity).resolve("identity.json").toFile());
            assertThat(file.get("version").asInt()).isEqualTo(1);
            assertThat(file.get("identity_uuid").asText()).isEqualTo(identity);
            assertThat(file.get("source").asText()).isEqualTo("auto");
            List<String> bound = new ArrayList<>();
            for (JsonNode b : file.get("file_bindings")) {
                bound.add(b.get("file_uuid").asText());
                assertThat(b.get("face_count").asInt()).isPositive();
                assertThat(b.get("trace_ids").size()).isPositive();
            }
            assertThat(bound).containsExactlyInAnyOrder(aId, bId);
        }
    }

    /** The identity seen in every one of these files, once the API shows it. */
    private static String awaitIdentityIn(String api, String key, List<String> files) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/identities?page_size=200"))
                    .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                for (JsonNode identity : JSON.readTree(response.body()).get("identities")) {
                    List<String> in = new ArrayList<>();
                    identity.get("file_uuids").forEach(f -> in.add(f.asText()));
                    if (in.containsAll(files)) return identity.get("identity_uuid").asText();
                }
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no identity in " + files + ": " + response.body());
            Thread.sleep(200);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
