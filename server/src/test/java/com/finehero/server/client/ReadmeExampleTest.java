package com.finehero.server.client;

import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's client example, kept in step with it: it must compile and run against a real server. */
class ReadmeExampleTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void theReadmeExampleRuns() {
        Fixtures.fine(APP, APP.channel(), "README-1", "US-CA-SF");
        int port = APP.port();
        String password = FineHeroExtension.ADMIN_PASSWORD;
        StringBuilder printed = new StringBuilder();
        // README example: begin
        try (FineHeroClient finehero = FineHeroClient.builder()
                .target("localhost", port)
                .credentials("admin", password)      // or .apiKey(System.getenv("FINEHERO_API_KEY"))
                .build()) {
            var page = finehero.call(() -> finehero.fines().listFines(ListFinesRequest.newBuilder()
                    .setJurisdiction("US-CA-SF").setPageSize(10).build()));
            page.getFinesList().forEach(fine -> printed.append(fine.getCitationNumber()).append(' ')
                    .append(fine.getStatus()).append('\n'));
        }
        // README example: end
        assertThat(printed.toString()).contains("README-1 FINE_STATUS_OPEN");
    }
}
