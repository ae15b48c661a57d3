package io.facestream.topologies;

import io.facestream.ingest.testing.KafkaFixture;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.avro.PoiAlert;
import io.facestream.schemas.avro.Sighting;
import io.facestream.schemas.topics.Topics;
import io.facestream.ingest.replay.ReplaySpeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once across a crash: the pipeline runs in its own process, is killed (SIGKILL) in the middle of
 * a real-time replay, and a new process takes over with the same application id. Every alert and every
 * final sighting appears once on the topics, none lost, none twice.
 */
class PipelineCrashTest {

    @Test
    void killedMidReplayLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        PipelineEndToEndTest.setUp();
        try {
            float[] poiEmbedding = PipelineFixture.embeddingOf(PipelineEndToEndTest.analyzer, PipelineEndToEndTest.poiFace);
            Person poi = PipelineFixture.poi(PipelineEndToEndTest.analyzer, "Crash POI", poiEmbedding);
            PipelineFixture.produce(Topics.PEOPLE, poi.getPersonId(), poi, Person.class);
            String appId = "crash-" + UUID.randomUUID();
            KafkaFixture.startAtTheEnd(appId);
            String fileId = "file-" + UUID.randomUUID();
            Path video = PipelineEndToEndTest.video(dir);

            Process first = launch(appId, dir.resolve("state-1"), dir.resolve("vectors"));
            CompletableFuture<?> replay = CompletableFuture.runAsync(() -> {
                try {
                    PipelineEndToEndTest.replay(dir, video, fileId, "gate-cam", new ReplaySpeed(1));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(4000); // halfway through the 8 s clip: the first POI track has alerted, the stranger is live
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            // a fresh state directory: the new process restores every store from its changelog
            Process second = launch(appId, dir.resolve("state-2"), dir.resolve("vectors"));
            try {
                replay.get(60, TimeUnit.SECONDS);
                List<PoiAlert> alerts = PipelineFixture.read(Topics.POI_ALERTS, PoiAlert.class,
                        a -> a.getSourceId().equals(fileId) && a.getPoiId().equals(poi.getPersonId()), 2, Duration.ofSeconds(90));
                assertThat(alerts).as("one alert per POI track, across the crash").hasSize(2);
                assertThat(alerts).extracting(PoiAlert::getTrackId).doesNotHaveDuplicates();

                List<Sighting> finals = PipelineFixture.read(Topics.SIGHTINGS, Sighting.class,
                        s -> s.getFileId() != null && s.getFileId().equals(fileId) && s.getFinal$(), 3, Duration.ofSeconds(90));
                assertThat(finals).as("three tracks, each finalised once").hasSize(3);
                assertThat(finals).extracting(Sighting::getSightingId).doesNotHaveDuplicates();
                assertThat(finals.stream().filter(s -> poi.getPersonId().equals(s.getPersonId())).count()).isEqualTo(2);
                assertThat(finals.stream().filter(s -> s.getPersonId() == null).map(Sighting::getIdentityId)
                        .collect(Collectors.toSet())).as("one automatic identity for the stranger").hasSize(1);
            } finally {
                second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                PipelineFixture.forget(poi);
            }
        } finally {
            PipelineEndToEndTest.tearDown();
        }
    }

    private static Process launch(String appId, Path state, Path vectors) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-javaagent") && !arg.startsWith("-agentlib")) command.add(arg);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PipelineProcess.class.getName(),
                KafkaFixture.bootstrap(), KafkaFixture.registryUrl(), appId, state.toString(), vectors.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        CompletableFuture<Boolean> running = new CompletableFuture<>();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (lines.size() < 200) lines.add(line);
                    if (line.contains("PIPELINE RUNNING")) running.complete(true);
                }
            } catch (Exception ignored) {
                // the process was killed
            }
            running.complete(false);
        });
        assertThat(running.get(120, TimeUnit.SECONDS)).as("the pipeline process started; it said:%n%s", String.join("\n", lines)).isTrue();
        return process;
    }
}
