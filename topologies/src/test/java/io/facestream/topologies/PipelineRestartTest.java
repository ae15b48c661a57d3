package io.facestream.topologies;

import io.facestream.models.FaceAnalyzer;
import io.facestream.schemas.avro.Person;
import io.facestream.schemas.topics.Topics;
import io.facestream.topologies.embedding.AnalyzerEmbedder;
import io.facestream.vectors.EmbeddedVectorStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A pipeline restarted on its own state directory still knows every person (the gallery comes back from the store). */
class PipelineRestartTest {

    @Test
    void theGalleryIsWholeAfterARestartOnTheSameState(@TempDir Path dir) throws Exception {
        PipelineFixture.ensureTopics();
        try (FaceAnalyzer analyzer = FaceAnalyzer.create()) {
            float[] embedding = new float[512];
            embedding[0] = 1;
            Person person = PipelineFixture.poi(analyzer, "Restart POI", embedding);
            PipelineFixture.produce(Topics.PEOPLE, person.getPersonId(), person, Person.class);
            Pipeline.Settings settings = PipelineFixture.settings(dir.resolve("streams"));
            PipelineSettings pipelineSettings = PipelineSettings.defaults(analyzer.thresholds());
            try {
                for (int start = 1; start <= 2; start++) {
                    try (EmbeddedVectorStore vectors = new EmbeddedVectorStore(EmbeddedVectorStore.Config.defaults(dir.resolve("vectors")));
                         Pipeline pipeline = Pipeline.start(settings, pipelineSettings, PipelineFixture.serdes(), new AnalyzerEmbedder(analyzer), vectors)) {
                        pipeline.awaitRunning(Duration.ofSeconds(60));
                        PipelineEndToEndTest.awaitTrue(() -> pipeline.gallery().person(person.getPersonId()).isPresent(),
                                "the person is in the gallery at start " + start);
                        assertThat(pipeline.gallery().person(person.getPersonId()).orElseThrow().getName()).isEqualTo("Restart POI");
                    }
                }
            } finally {
                PipelineFixture.forget(person);
            }
        }
    }
}
