package io.facestream.api;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The API reaches the pipeline through one door: the views contract ({@code topologies.views}) and the read-only
 * gallery with its matching and enrolment ({@code topologies.gallery}, without the processor that fills it). It
 * never reaches ingest (its video stack), a processor, a store name or a key layout of the pipeline.
 */
class ViewsDoorTest {
    private static final JavaClasses API = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.facestream.api");

    @Test
    void theApiReadsThePipelineOnlyThroughTheViewsContractAndTheGallery() {
        ArchRule rule = noClasses().that().resideInAPackage("io.facestream.api..")
                .should().dependOnClassesThat(describe("are pipeline classes outside the views contract and the read-only gallery",
                        ViewsDoorTest::outsideTheDoor));
        rule.check(API);
    }

    @Test
    void theApiNeverDependsOnIngest() {
        noClasses().that().resideInAPackage("io.facestream.api..")
                .should().dependOnClassesThat().resideInAPackage("io.facestream.ingest..")
                .check(API);
    }

    private static boolean outsideTheDoor(JavaClass target) {
        String pkg = target.getPackageName();
        if (!pkg.startsWith("io.facestream.topologies")) return false;
        if (pkg.equals("io.facestream.topologies.views")) return false;
        return !pkg.equals("io.facestream.topologies.gallery") || target.getSimpleName().equals("GalleryUpdater");
    }
}
