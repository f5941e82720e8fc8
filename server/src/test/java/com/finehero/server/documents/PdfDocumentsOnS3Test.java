package com.finehero.server.documents;

import java.util.Optional;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.blob.BlobConfig;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.OwnS3;
import com.finehero.server.testing.TestPdfs;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PDF contract on PostgreSQL with the originals in an S3-compatible bucket (an s3proxy of the test's
 * own), and what happens when that service goes away and comes back. In the scale-out suite: s3proxy
 * takes half a minute to start on a loaded machine.
 */
@Tag("scaleout")
class PdfDocumentsOnS3Test extends PdfDocumentsContractTest {

    static final OwnS3 S3 = OwnS3.start();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.documents.max-upload-bytes", Integer.toString(MAX_UPLOAD_BYTES))
            .with("finehero.documents.pdf.max-pages", Integer.toString(MAX_PAGES))
            .with("finehero.blobs.store", "s3")
            .with("finehero.blobs.s3.endpoint", S3.endpoint())
            .with("finehero.blobs.s3.bucket", OwnS3.BUCKET)
            .with("finehero.blobs.s3.access-key", OwnS3.ACCESS_KEY)
            .with("finehero.blobs.s3.secret-key", OwnS3.SECRET_KEY);

    @AfterAll
    static void stopS3() {
        S3.close();
    }

    @Override
    FineHeroExtension app() {
        return APP;
    }

    @Test
    void theOriginalIsAnObjectNamedByItsSha256AndDownloadsAsSent() {
        byte[] pdf = TestPdfs.text("Loading zones are for deliveries between 7 and 11.");
        Document uploaded = upload("Loading zones", pdf, Visibility.VISIBILITY_PUBLIC).join();

        assertThat(S3.objects()).contains(DocumentRules.sha256(pdf));
        Download download = download(documents, uploaded.getId(), 1000);
        assertThat(DocumentRules.sha256(download.bytes())).isEqualTo(DocumentRules.sha256(pdf));
        assertThat(download.bytes()).isEqualTo(pdf);
    }

    @Test
    void withTheServiceStoppedAnUploadIsUnavailableAndNothingIsStoredThenItWorksAgain() {
        byte[] pdf = TestPdfs.text("Snow emergency routes are cleared of parked cars.");
        String sha256 = DocumentRules.sha256(pdf);
        S3.stop();
        try {
            StatusRuntimeException e = failure(Code.UNAVAILABLE,
                    () -> upload("Snow routes", pdf, Visibility.VISIBILITY_PUBLIC).join());
            assertThat(reason(e)).isEqualTo("BLOB_STORE_UNAVAILABLE");
            assertThat(e.getStatus().getDescription()).contains("retry");
            assertNothingStored();
        } finally {
            S3.startServer();
        }
        assertThat(S3.objects()).doesNotContain(sha256);

        Document uploaded = upload("Snow routes", pdf, Visibility.VISIBILITY_PUBLIC).join();
        assertThat(S3.objects()).contains(sha256);
        assertThat(download(documents, uploaded.getId(), 0).bytes()).isEqualTo(pdf);
    }

    @Test
    void aBucketThatDoesNotExistFailsStartUpNamingTheKey() {
        BlobConfig config = new BlobConfig("s3", "", new BlobConfig.S3(S3.endpoint(), "us-east-1", "no-such-bucket",
                OwnS3.ACCESS_KEY, OwnS3.SECRET_KEY, true));
        assertThatThrownBy(() -> config.open(Optional.empty(), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("finehero.blobs.s3.bucket = 'no-such-bucket'")
                .hasMessageContaining("no such bucket");
    }
}
