package com.finehero.server.architecture;

import java.util.Map;
import java.util.Set;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The dependency rules of docs/ARCHITECTURE.md, checked over the compiled main classes, so a package
 * cycle or a platform package reaching into a feature fails the build instead of a review.
 */
class PackageRulesTest {

    private static final String ROOT = "com.finehero.server";
    private static final Set<String> FEATURES = Set.of("fines", "documents", "tasks", "monitoring", "auth", "events");

    /** The declared seams between features; any other feature-to-feature import is refused. */
    private static final Map<String, Set<String>> ALLOWED_FEATURE_EDGES = Map.of(
            "fines", Set.of("documents", "tasks"),
            "documents", Set.of("tasks"),
            "monitoring", Set.of("tasks"),
            "tasks", Set.of(),
            "auth", Set.of(),
            "events", Set.of());

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void platformNeverImportsAFeatureOrTheWiring() {
        String[] forbidden = FEATURES.stream().map(f -> ROOT + "." + f + "..").toArray(String[]::new);
        noClasses().that().resideInAPackage(ROOT + ".platform..")
                .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                .orShould().dependOnClassesThat().resideInAPackage(ROOT)
                .because("platform packages each do one job for every feature")
                .check(classes);
    }

    @Test
    void featuresImportOtherFeaturesOnlyThroughDeclaredSeams() {
        for (String feature : FEATURES) {
            String[] forbidden = FEATURES.stream()
                    .filter(other -> !other.equals(feature) && !ALLOWED_FEATURE_EDGES.get(feature).contains(other))
                    .map(other -> ROOT + "." + other + "..")
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage(ROOT + "." + feature + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .orShould().dependOnClassesThat().resideInAPackage(ROOT)
                    .because(feature + " may use only " + ALLOWED_FEATURE_EDGES.get(feature) + " among the features")
                    .check(classes);
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
        slices().matching(ROOT + ".platform.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheWiringConstructsStores() {
        noClasses().that().doNotHaveFullyQualifiedName(ROOT + ".FineHeroApp")
                .should().callConstructorWhere(DescribedPredicate.describe("a store's constructor",
                        call -> call.getTargetOwner().getSimpleName().matches("(Jdbc|Cached)\\w*Store")))
                .because("stores are built once, in FineHeroApp, and handed to whoever needs them")
                .check(classes);
    }
}
