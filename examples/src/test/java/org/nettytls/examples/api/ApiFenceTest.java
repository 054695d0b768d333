package org.nettytls.examples.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API fence of the five library modules (netty-tls, -ocsp, -metrics, -redis, -acme), checked on
 * their compiled main classes (never their tests, whose test-jars are on this class path too):
 * no cycles between packages; the {@code internal} packages used by no module but netty-tls and
 * netty-tls-ocsp (their module descriptors export them to nobody else) and by no example;
 * {@code org.nettytls.internal} a leaf; and every public type of an exported package listed in
 * {@code docs/public-types.txt}, so a type becomes API only on purpose.
 */
class ApiFenceTest {
    /** Library main classes: a module's target/classes, or its jar (not its test-jar), never the examples or benchmarks. */
    private static final Pattern LIBRARY = Pattern.compile(
            ".*/(netty-tls|netty-tls-ocsp|netty-tls-metrics|netty-tls-redis|netty-tls-acme)/target/classes/.*"
            + "|.*/netty-tls(-ocsp|-metrics|-redis|-acme)?-[0-9][^/]*(?<!-tests)\\.jar!/.*");
    private static final ImportOption LIBRARY_ONLY = (Location l) -> l.matches(LIBRARY) && !l.contains("META-INF/versions");

    static JavaClasses library;
    static JavaClasses examples;

    @BeforeAll
    static void importClasses() {
        library = new ClassFileImporter().withImportOption(LIBRARY_ONLY).importPackages("org.nettytls");
        examples = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.nettytls.examples");
        assertTrue(library.contain("org.nettytls.TlsClientOptions") && library.contain("org.nettytls.ocsp.OcspStapler")
                && library.contain("org.nettytls.metrics.TlsMetrics") && library.contain("org.nettytls.redis.RedisFleet")
                && library.contain("org.nettytls.acme.AcmeCertificates"),
                "expected the main classes of all five library modules");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.(**)").should().beFreeOfCycles().check(library);
    }

    @Test
    void internalPackagesAreForNettyTlsAndOcspOnly() {
        noClasses().that().resideInAnyPackage("org.nettytls.metrics..", "org.nettytls.redis..", "org.nettytls.acme..")
                .should().dependOnClassesThat().resideInAPackage("org.nettytls..internal..")
                .because("module-info exports the internal packages to netty-tls-ocsp only").check(library);
        noClasses().should().dependOnClassesThat().resideInAPackage("org.nettytls..internal..")
                .because("the examples show the API, and use nothing a user cannot").check(examples);
    }

    @Test
    void theInternalPackageIsALeaf() {
        noClasses().that().resideInAPackage("org.nettytls.internal")
                .should().dependOnClassesThat(DescribedPredicate.describe("in another netty-tls package",
                        c -> c.getPackageName().startsWith("org.nettytls") && !c.getPackageName().equals("org.nettytls.internal")))
                .check(library);
    }

    @Test
    void everyPublicTypeIsDocumented() throws IOException {
        Set<String> found = new TreeSet<>();
        for (JavaClass c : library) {
            if (!c.getPackageName().contains("internal") && isApi(c)) {
                found.add(c.getName().replace('$', '.'));
            }
        }
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("..", "docs", "public-types.txt"), StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                documented.add(t);
            }
        }
        Set<String> undocumented = new TreeSet<>(found);
        undocumented.removeAll(documented);
        Set<String> gone = new TreeSet<>(documented);
        gone.removeAll(found);
        assertEquals("undocumented [] gone []", "undocumented " + undocumented + " gone " + gone,
                "docs/public-types.txt must list exactly the public types of the exported packages");
    }

    /** Public, and nested only in public types: what a user can name. */
    private static boolean isApi(JavaClass c) {
        if (c.isAnonymousClass() || c.isLocalClass() || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
            return false;
        }
        return c.getEnclosingClass().map(ApiFenceTest::isApi).orElse(true);
    }
}
