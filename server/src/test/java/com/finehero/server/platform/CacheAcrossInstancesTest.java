package com.finehero.server.platform;

import java.time.Duration;

import com.finehero.api.fines.v1.ContestFineRequest;

import com.finehero.api.fines.v1.DeleteFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.common.v1.Money;
import com.google.protobuf.FieldMask;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two FineHero instances sharing PostgreSQL and Redis, with the shipped cache settings: once a write
 * returns on one, the other never serves the old value. {@link NearCacheWindowTest} covers the relaxed
 * mode, a bounded window.
 */
class CacheAcrossInstancesTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Test
    void documentAndSearchChangesOnOneInstanceAreSeenOnTheOther() throws Exception {
        try (FineHeroApp sibling = APP.startSibling();
             com.finehero.client.FineHeroClient other = APP.clientFor(sibling)) {
            var a = com.finehero.api.documents.v1.DocumentsServiceGrpc.newBlockingStub(APP.channel());
            var b = com.finehero.api.documents.v1.DocumentsServiceGrpc.newBlockingStub(other.channel());
            var created = a.createDocument(com.finehero.api.documents.v1.CreateDocumentRequest.newBuilder()
                    .setDocument(com.finehero.api.documents.v1.Document.newBuilder().setTitle("Meter rules")
                            .setKind(com.finehero.api.documents.v1.DocumentKind.DOCUMENT_KIND_REGULATION)
                            .setJurisdiction("XI").setContent("meters run until nine")).build());
            var get = com.finehero.api.documents.v1.GetDocumentRequest.newBuilder().setDocumentId(created.getId()).build();
            var search = com.finehero.api.documents.v1.SearchDocumentsRequest.newBuilder().setQuery("nine").setJurisdiction("XI").build();
            assertThat(b.getDocument(get)).isEqualTo(created);
            assertThat(b.getDocument(get)).isEqualTo(created); // now also a near copy on b
            assertThat(b.searchDocuments(search).getResultsCount()).isEqualTo(1); // search page cached

            var updated = a.updateDocument(com.finehero.api.documents.v1.UpdateDocumentRequest.newBuilder()
                    .setDocument(com.finehero.api.documents.v1.Document.newBuilder().setId(created.getId()).setVersion(1)
                            .setContent("meters run until ten"))
                    .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("content")).build());
            assertThat(b.getDocument(get)).isEqualTo(updated);
            assertThat(b.searchDocuments(search).getResultsCount()).isZero();

            a.deleteDocument(com.finehero.api.documents.v1.DeleteDocumentRequest.newBuilder().setDocumentId(created.getId()).build());
            assertThatThrownBy(() -> b.getDocument(get)).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    @Test
    void writeOnOneInstanceIsSeenOnTheOther() throws Exception {
        try (FineHeroApp sibling = APP.startSibling()) {
            com.finehero.client.FineHeroClient siblingClient = APP.clientFor(sibling);
            try {
                var a = FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(10));
                var b = FinesServiceGrpc.newBlockingStub(siblingClient.channel()).withDeadlineAfter(Duration.ofSeconds(10));
                Fine created = Fixtures.fine(APP, APP.channel(), "X-1", "XI");
                GetFineRequest get = GetFineRequest.newBuilder().setFineId(created.getId()).build();

                assertThat(b.getFine(get)).isEqualTo(created); // now cached in Redis
                Fine contested = a.contestFine(ContestFineRequest.newBuilder().setFineId(created.getId())
                        .setReason("The meter was broken that day.").build());
                assertThat(b.getFine(get).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
                assertThat(b.getFine(get)).isEqualTo(contested);

                a.deleteFine(DeleteFineRequest.newBuilder().setFineId(created.getId()).build());
                assertThatThrownBy(() -> b.getFine(get))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            } finally {
                siblingClient.close();
            }
        }
    }

    @Test
    void everyReadOnTheOtherInstanceRightAfterAnUpdateSeesIt() throws Exception {
        try (FineHeroApp sibling = APP.startSibling(); com.finehero.client.FineHeroClient siblingClient = APP.clientFor(sibling)) {
            var a = FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(60));
            var b = FinesServiceGrpc.newBlockingStub(siblingClient.channel()).withDeadlineAfter(Duration.ofSeconds(60));
            Fine fine = Fixtures.fine(APP, APP.channel(), "RYW-1", "XR");
            GetFineRequest get = GetFineRequest.newBuilder().setFineId(fine.getId()).build();
            assertThat(b.getFine(get)).isEqualTo(fine);
            assertThat(b.getFine(get)).isEqualTo(fine); // b's near copy, confirmed by Redis
            int stale = 0;
            for (int i = 0; i < 200; i++) {
                fine = a.updateFine(UpdateFineRequest.newBuilder()
                        .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion())
                                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(1000 + i)))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build());
                if (b.getFine(get).getVersion() < fine.getVersion()) {
                    stale++;
                }
            }
            assertThat(stale).as("reads on b older than the update a had just returned").isZero();
        }
    }
}
