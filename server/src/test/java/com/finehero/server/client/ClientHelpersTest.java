package com.finehero.server.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.tasks.v1.GetQueueStatsRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.client.FineHeroClient;
import com.finehero.client.FineHeroException;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's accessors and streaming helpers against a real server. */
class ClientHelpersTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    static FineHeroClient admin() {
        return FineHeroClient.builder().target("127.0.0.1", APP.port())
                .credentials(FineHeroExtension.ADMIN_USERNAME, FineHeroExtension.ADMIN_PASSWORD).build();
    }

    @Test
    void uploadFromAFileAndDownloadIntoOneWithProgress(@TempDir Path files) {
        String text = "Section 2. No stopping in a bus zone.\n".repeat(20_000); // ~760 KB: several chunks
        Path source = files.resolve("bus.txt");
        try (FineHeroClient finehero = admin()) {
            Files.writeString(source, text);
            List<Long> sent = new ArrayList<>();
            Document uploaded = finehero.uploadDocument(header("Bus zones"), source, (done, total) -> {
                assertThat(total).isEqualTo(text.length());
                sent.add(done);
            });
            assertThat(sent).as("progress after each chunk").hasSizeGreaterThan(1).isSorted().endsWith((long) text.length());
            assertThat(uploaded.getChecksumSha256()).as("the server stored the bytes of the file").isEqualTo(java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8))));

            Path copy = files.resolve("copy.txt");
            List<Long> received = new ArrayList<>();
            Document downloaded = finehero.downloadDocument(DownloadDocumentRequest.newBuilder().setDocumentId(uploaded.getId()).build(),
                    copy, (done, total) -> received.add(done));
            assertThat(Files.readString(copy)).isEqualTo(text);
            assertThat(downloaded.getTitle()).isEqualTo("Bus zones");
            assertThat(received).isSorted().endsWith((long) text.length());
            assertThat(files.resolve("copy.txt.part")).doesNotExist();
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void streamsWorkTooAndFailuresAreTyped() {
        try (FineHeroClient finehero = admin()) {
            byte[] content = "Section 3. Hydrants.".getBytes(StandardCharsets.UTF_8);
            Document uploaded = finehero.uploadDocument(header("Hydrants"), new ByteArrayInputStream(content), content.length,
                    com.finehero.client.Transfers.Progress.none());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            finehero.downloadDocument(DownloadDocumentRequest.newBuilder().setDocumentId(uploaded.getId()).build(), out,
                    com.finehero.client.Transfers.Progress.none());
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("Section 3. Hydrants.");

            assertThatThrownBy(() -> finehero.downloadDocument(DownloadDocumentRequest.newBuilder()
                    .setDocumentId("00000000-0000-0000-0000-000000000000").build(), new ByteArrayOutputStream(),
                    com.finehero.client.Transfers.Progress.none()))
                    .isInstanceOf(FineHeroException.NotFound.class);
            assertThatThrownBy(() -> finehero.uploadDocument(UploadHeader.newBuilder().setDocument(Document.newBuilder().setTitle("x")).build(),
                    new ByteArrayInputStream(content), content.length, com.finehero.client.Transfers.Progress.none()))
                    .isInstanceOf(FineHeroException.InvalidArgument.class);
        }
    }

    @Test
    void watchTaskFollowsATaskToItsEnd() {
        try (FineHeroClient finehero = admin()) {
            Task submitted = finehero.tasks().submitTask(SubmitTaskRequest.newBuilder().setType("fines_export")
                    .setPayload(Struct.getDefaultInstance()).build());
            List<TaskState> seen = new ArrayList<>();
            Task last = finehero.watchTask(submitted.getId(), Duration.ofMinutes(2), update -> seen.add(update.getState()));
            assertThat(last.getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
            assertThat(seen).isNotEmpty().endsWith(TaskState.TASK_STATE_SUCCEEDED);
        }
    }

    @Test
    void futureAccessorsAnswerAndFailTyped() throws Exception {
        try (FineHeroClient finehero = admin()) {
            assertThat(finehero.async(finehero.tasksAsync().getQueueStats(GetQueueStatsRequest.getDefaultInstance()))
                    .get(20, TimeUnit.SECONDS).getRunningHere()).isNotNegative();
            assertThat(finehero.monitoring().getHealth(com.finehero.api.monitoring.v1.GetHealthRequest.getDefaultInstance()))
                    .isNotNull();
            assertThatThrownBy(() -> finehero.async(finehero.finesAsync().getFine(GetFineRequest.newBuilder()
                    .setFineId("00000000-0000-0000-0000-000000000000").build())).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(FineHeroException.NotFound.class);
        }
    }

    private static UploadHeader header(String title) {
        return UploadHeader.newBuilder().setDocument(Document.newBuilder().setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                .setJurisdiction("CLIENT-HELPERS")).build();
    }
}
