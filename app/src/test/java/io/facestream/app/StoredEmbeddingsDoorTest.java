package io.facestream.app;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.facestream.schemas.StoredEmbeddings;
import io.facestream.schemas.avro.Exemplar;
import io.facestream.schemas.avro.Face;
import io.facestream.schemas.avro.FaceEmbedding;
import io.facestream.schemas.avro.Identity;
import io.facestream.schemas.avro.state.TrackAppearance;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stored face, exemplar or identity (and the embedding stage's output, a FaceEmbedding) keeps its vector as float32 bytes and leaves the old float array empty, which
 * only older records fill: code that read or wrote the array itself would see no vector and no error. So every
 * product class reaches those vectors through {@link StoredEmbeddings} (bytes first, the array for old records).
 */
class StoredEmbeddingsDoorTest {
    private static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.facestream");
    private static final Set<String> RECORDS = Set.of(Face.class.getName(), Exemplar.class.getName(), Identity.class.getName(),
            Face.Builder.class.getName(), Exemplar.Builder.class.getName(), Identity.Builder.class.getName(),
            TrackAppearance.class.getName(), TrackAppearance.Builder.class.getName(),
            FaceEmbedding.class.getName(), FaceEmbedding.Builder.class.getName());
    private static final Set<String> LEGACY_ACCESSORS = Set.of("getEmbedding", "setEmbedding", "getCentroid", "setCentroid",
            "getRecent", "setRecent");

    @Test
    void storedVectorsAreReadAndWrittenOnlyThroughStoredEmbeddings() {
        noClasses().that().resideOutsideOfPackage("io.facestream.schemas.avro..")
                .and().doNotHaveFullyQualifiedName(StoredEmbeddings.class.getName())
                .should().callMethodWhere(describe("read or write the old float array of a stored face, exemplar or identity",
                        (JavaMethodCall call) -> RECORDS.contains(call.getTargetOwner().getFullName())
                                && LEGACY_ACCESSORS.contains(call.getName())))
                .check(PRODUCT);
    }
}
