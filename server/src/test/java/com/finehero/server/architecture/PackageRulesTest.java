package com.finehero.server.architecture;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
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

    /** Each feature's entry class: the one place outside FineHeroApp that builds the feature's stores. */
    private static final Map<String, String> ENTRY_CLASSES = Map.of(
            "fines", "Fines",
            "documents", "Documents",
            "tasks", "Tasks",
            "monitoring", "Monitoring",
            "auth", "Auth",
            "events", "Events");

    /**
     * The public top-level classes of each feature, and why they are public: the entry class, the types its
     * signatures and FineHeroApp's handles name, the seams other features use, and what the bench module
     * uses. Everything else is package-private; making another class public means adding it here.
     */
    private static final Map<String, Set<String>> PUBLIC_CLASSES = Map.of(
            // AppConfig reads AuthConfig; tests watch Revocations; Main runs NewSigningKey
            "auth", Set.of("Auth", "AuthConfig", "Revocations", "NewSigningKey"),
            // the seam fines uses: the store, the rules, and the types in the store's signatures
            // AppConfig reads DocumentsConfig
            "documents", Set.of("Documents", "DocumentStore", "DocumentRules", "Audience", "SearchQuery", "DocumentsConfig"),
            // FineStore for the bench module; OverdueSweeper is a test handle; AppConfig reads PaymentsConfig;
            // FineHeroApp registers FineEvents' topic and read rule with the event feed
            "fines", Set.of("Fines", "FineStore", "OverdueSweeper", "PaymentsConfig", "FineEvents"),
            // Alerts and its evaluator are test handles; AppConfig reads AlertsConfig; AlertEvents as FineEvents
            "monitoring", Set.of("Monitoring", "Alerts", "AlertEvaluator", "AlertsConfig", "AlertEvents"),
            // the engine other features submit to, and the handler SPI they implement; TaskFeedEvents as FineEvents
            "tasks", Set.of("Tasks", "TaskEngine", "TasksConfig", "TaskHandler", "AbstractTaskHandler", "TaskType",
                    "TaskContext", "Payload", "PayloadSpec", "TaskFeedEvents"),
            "events", Set.of("Events"));

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
    void storesAreConstructedOnlyByTheWiringOrTheirFeaturesEntryClass() {
        noClasses().should().callConstructorWhere(DescribedPredicate.describe(
                        "a store's constructor, called outside FineHeroApp and the store's feature entry class",
                        PackageRulesTest::constructsStoreOutsideItsEntry))
                .because("stores are built once, by their feature's entry class or FineHeroApp, and handed to whoever needs them")
                .check(classes);
    }

    @Test
    void featuresArePublicOnlyThroughTheirAllowList() {
        assertThat(PUBLIC_CLASSES.keySet()).isEqualTo(FEATURES);
        for (String feature : FEATURES) {
            Set<String> publicClasses = classes.stream()
                    .filter(c -> c.getPackageName().equals(ROOT + "." + feature))
                    .filter(JavaClass::isTopLevelClass)
                    .filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC))
                    .map(JavaClass::getSimpleName)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(publicClasses)
                    .as("public classes of %s (a class that must be public goes on PUBLIC_CLASSES, with its reason)", feature)
                    .containsExactlyInAnyOrderElementsOf(PUBLIC_CLASSES.get(feature));
            assertThat(publicClasses).as("the entry class of " + feature).contains(ENTRY_CLASSES.get(feature));
        }
    }

    private static boolean constructsStoreOutsideItsEntry(JavaConstructorCall call) {
        JavaClass store = call.getTargetOwner();
        if (!store.getSimpleName().matches("(Jdbc|Cached)\\w*Store")) {
            return false;
        }
        String caller = call.getOriginOwner().getName();
        String feature = store.getPackageName().substring(ROOT.length() + 1);
        return !caller.equals(ROOT + ".FineHeroApp")
                && !caller.equals(store.getPackageName() + "." + ENTRY_CLASSES.get(feature));
    }
}
