package com.finehero.server.documents;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsProto;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.ListDocumentVersionsRequest;
import com.finehero.api.documents.v1.ListDocumentsRequest;
import com.finehero.api.documents.v1.RestoreDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.UpdateDocumentRequest;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.google.protobuf.Descriptors;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Every unary Documents request, sent over gRPC and over REST, gives the same outcome. */
class DocumentsRestParityTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    record Fixture(String jurisdiction, Document live, Document deleted) { }

    record Case(String name, String rpc, Status.Code expected, boolean read, Function<Fixture, Message> request) { }

    static final List<Case> CASES = List.of(
            new Case("create", "CreateDocument", Status.Code.OK, false, f -> CreateDocumentRequest.newBuilder()
                    .setDocument(draft(f.jurisdiction(), "New")).build()),
            new Case("create without kind", "CreateDocument", Status.Code.INVALID_ARGUMENT, false, f -> CreateDocumentRequest.newBuilder()
                    .setDocument(draft(f.jurisdiction(), "No kind").clearKind()).build()),
            new Case("get", "GetDocument", Status.Code.OK, true, f -> GetDocumentRequest.newBuilder()
                    .setDocumentId(f.live().getId()).build()),
            new Case("get version", "GetDocument", Status.Code.OK, true, f -> GetDocumentRequest.newBuilder()
                    .setDocumentId(f.live().getId()).setVersion(1).build()),
            new Case("get deleted", "GetDocument", Status.Code.NOT_FOUND, true, f -> GetDocumentRequest.newBuilder()
                    .setDocumentId(f.deleted().getId()).build()),
            new Case("list", "ListDocuments", Status.Code.OK, true, f -> ListDocumentsRequest.newBuilder()
                    .setJurisdiction(f.jurisdiction()).setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setPageSize(5).build()),
            new Case("update", "UpdateDocument", Status.Code.OK, false, f -> UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(f.live().getId()).setVersion(f.live().getVersion()).addTags("updated"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("tags")).build()),
            new Case("update stale", "UpdateDocument", Status.Code.ABORTED, false, f -> UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(f.live().getId()).setVersion(99).setTitle("x"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("title")).build()),
            new Case("versions", "ListDocumentVersions", Status.Code.OK, true, f -> ListDocumentVersionsRequest.newBuilder()
                    .setDocumentId(f.live().getId()).build()),
            new Case("delete", "DeleteDocument", Status.Code.OK, false, f -> DeleteDocumentRequest.newBuilder()
                    .setDocumentId(f.live().getId()).build()),
            new Case("delete twice", "DeleteDocument", Status.Code.NOT_FOUND, false, f -> DeleteDocumentRequest.newBuilder()
                    .setDocumentId(f.deleted().getId()).build()),
            new Case("restore", "RestoreDocument", Status.Code.OK, false, f -> RestoreDocumentRequest.newBuilder()
                    .setDocumentId(f.deleted().getId()).build()),
            new Case("restore live", "RestoreDocument", Status.Code.FAILED_PRECONDITION, false, f -> RestoreDocumentRequest.newBuilder()
                    .setDocumentId(f.live().getId()).build()),
            new Case("search", "SearchDocuments", Status.Code.OK, true, f -> SearchDocumentsRequest.newBuilder()
                    .setQuery("\"bus zone\" tow*").setJurisdiction(f.jurisdiction()).addTags("parking").build()),
            new Case("search nothing", "SearchDocuments", Status.Code.INVALID_ARGUMENT, true, f -> SearchDocumentsRequest.newBuilder()
                    .setQuery("!!!").build()));

    @TestFactory
    Stream<DynamicTest> sameResultOnBothProtocols() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Descriptors.MethodDescriptor method = DocumentsProto.getDescriptor().findServiceByName("DocumentsService")
                    .findMethodByName(c.rpc());
            Fixture grpcFixture = fixture();
            Fixture restFixture = c.read() ? grpcFixture : fixture();
            Status.Code grpcCode = Status.Code.OK;
            Message grpcResponse = null;
            try {
                grpcResponse = callGrpc(c.rpc(), c.request().apply(grpcFixture));
            } catch (StatusRuntimeException e) {
                grpcCode = e.getStatus().getCode();
            }
            HttpResponse<String> rest = APP.send(RestCalls.toHttp(APP.uri("/"), method, c.request().apply(restFixture)));
            assertThat(grpcCode).as("gRPC " + c.name()).isEqualTo(c.expected());
            assertThat(rest.statusCode()).as("REST " + c.name() + ": " + rest.body()).isEqualTo(HttpStatusMapping.httpStatus(c.expected()));
            if (c.expected() == Status.Code.OK && c.read()) {
                assertThat(RestCalls.parse(rest, grpcResponse.getDefaultInstanceForType())).isEqualTo(grpcResponse);
            } else if (c.expected() != Status.Code.OK) {
                assertThat(RestCalls.statusCode(rest)).isEqualTo(c.expected().value());
            }
        }));
    }

    @Test
    void tableCoversEveryUnaryRpc() {
        Set<String> covered = CASES.stream().map(Case::rpc).collect(Collectors.toSet());
        Set<String> unary = DocumentsProto.getDescriptor().findServiceByName("DocumentsService").getMethods().stream()
                .filter(m -> !m.isClientStreaming() && !m.isServerStreaming())
                .map(Descriptors.MethodDescriptor::getName).collect(Collectors.toSet());
        assertThat(covered).containsExactlyInAnyOrderElementsOf(unary);
    }

    @SuppressWarnings("unchecked")
    private static Message callGrpc(String rpc, Message request) {
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) DocumentsServiceGrpc.getServiceDescriptor()
                .getMethods().stream().filter(m -> m.getBareMethodName().equals(rpc)).findFirst().orElseThrow();
        return ClientCalls.blockingUnaryCall(APP.channel(), method, CallOptions.DEFAULT, request);
    }

    private static Fixture fixture() {
        var documents = DocumentsServiceGrpc.newBlockingStub(APP.channel());
        String jurisdiction = "DP-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        Document live = documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(draft(jurisdiction, "Bus zone towing")).build());
        live = documents.updateDocument(UpdateDocumentRequest.newBuilder()
                .setDocument(Document.newBuilder().setId(live.getId()).setVersion(1).setContent("Cars in a bus zone are towed."))
                .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
        Document deleted = documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(draft(jurisdiction, "Gone")).build());
        documents.deleteDocument(DeleteDocumentRequest.newBuilder().setDocumentId(deleted.getId()).build());
        return new Fixture(jurisdiction, live, deleted);
    }

    private static Document.Builder draft(String jurisdiction, String title) {
        return Document.newBuilder().setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setJurisdiction(jurisdiction)
                .addTags("parking").setContent("Vehicles parked in a bus zone will be towed.");
    }
}
