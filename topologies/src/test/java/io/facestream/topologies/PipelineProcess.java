package io.facestream.topologies;

import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.registry.RestSchemaRegistryClient;
import io.facestream.schemas.serde.AvroSerdes;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.vectors.EmbeddedVectorStore;

import java.nio.file.Path;
import java.time.Duration;

/** The pipeline alone in a process, so a test can kill it (SIGKILL) mid-stream. Args: bootstrap registry-url app-id state-dir vectors-dir. */
public final class PipelineProcess {
    public static void main(String[] args) throws Exception {
        FaceAnalyzer analyzer = FaceAnalyzer.create();
        var vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(Path.of(args[4])));
        Pipeline pipeline = Pipeline.start(
                new Pipeline.Settings(args[0], args[2], Path.of(args[3]), 1, Duration.ofMillis(50), (short) 1, null),
                PipelineSettings.defaults(analyzer.thresholds()).withAlertCooldown(Duration.ZERO),
                new AvroSerdes(new RestSchemaRegistryClient(args[1])), new AnalyzerEmbedder(analyzer), vectors);
        pipeline.awaitRunning(Duration.ofSeconds(120));
        System.out.println("PIPELINE RUNNING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private PipelineProcess() {
    }
}
