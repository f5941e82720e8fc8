package com.finehero.server.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Java example runs against a real server, and the README shows exactly the code run
 * here (its port and its System.out aside), so neither can change without the other.
 */
class ReadmeExampleTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final String BEGIN = "// README example: begin";
    private static final String END = "// README example: end";

    @Test
    void theReadmeExampleRuns() {
        Fixtures.fine(APP, APP.channel(), "README-1", "US-CA-SF");
        int port = APP.port();
        String password = FineHeroExtension.ADMIN_PASSWORD;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        // README example: begin
        try (FineHeroClient finehero = FineHeroClient.builder()
                .target("localhost", port)
                .credentials("admin", password)      // or .apiKey(System.getenv("FINEHERO_API_KEY"))
                .build()) {
            var page = finehero.call(() -> finehero.fines().listFines(ListFinesRequest.newBuilder()
                    .setJurisdiction("US-CA-SF").setPageSize(10).build()));
            page.getFinesList().forEach(fine -> out.println(fine.getCitationNumber() + " " + fine.getStatus()));
        }
        // README example: end
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("README-1 FINE_STATUS_OPEN");
    }

    @Test
    void theReadmeShowsTheCodeThatRuns() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("```java\n");
        assertThat(start).as("a ```java block in README.md").isNotNegative();
        String shown = readme.substring(start + "```java\n".length(), readme.indexOf("\n```", start + 1))
                .replace(".target(\"localhost\", 8080)", ".target(\"localhost\", port)")
                .replace("System.out.println(", "out.println(");

        String source = Files.readString(ROOT.resolve("server/src/test/java/com/finehero/server/client/ReadmeExampleTest.java"));
        int begin = source.lastIndexOf(BEGIN);
        String run = source.substring(source.indexOf('\n', begin) + 1, source.lastIndexOf(END));

        assertThat(lines(shown)).isEqualTo(lines(run));
    }

    private static List<String> lines(String code) {
        return Arrays.stream(code.split("\n")).map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
}
