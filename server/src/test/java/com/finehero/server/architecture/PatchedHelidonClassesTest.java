package com.finehero.server.architecture;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Helidon class FineHero patches (a copy under server/src/main/java/io/helidon) is the one loaded, ahead
 * of Helidon's own in its jar, and was copied from the Helidon release the build uses: a Helidon upgrade
 * fails here until each patch is carried over to the new release's class or dropped.
 */
class PatchedHelidonClassesTest {

    private static final Path PATCHES = Path.of("src/main/java/io/helidon");
    private static final Pattern TAG = Pattern.compile("FineHero patch of Helidon [0-9.]+'s \\w+ \\(tag ([0-9.]+)[,)]");

    @Test
    void eachPatchedClassIsLoadedAheadOfHelidonsFromTheReleaseItWasCopiedFrom() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(PATCHES)) {
            sources = files.filter(file -> file.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(sources).as("the patched Helidon classes").hasSizeGreaterThanOrEqualTo(4);

        for (Path source : sources) {
            String resource = "io/helidon/" + PATCHES.relativize(source).toString().replace('\\', '/').replace(".java", ".class");
            Matcher tag = TAG.matcher(Files.readString(source));
            assertThat(tag.find()).as(source + " names the Helidon tag it was copied from").isTrue();

            List<URL> copies = Collections.list(getClass().getClassLoader().getResources(resource));
            assertThat(copies).as("FineHero's copy and Helidon's of " + resource).hasSize(2);
            assertThat(copies.get(0).toString()).as(resource + " first from FineHero's classes").contains("/target/classes/");
            assertThat(copies.get(1).toString()).as(resource + " second from a Helidon jar of the patched release")
                    .contains("/io/helidon/").contains("-" + tag.group(1) + ".jar!");
        }
    }
}
