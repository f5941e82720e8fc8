package com.finehero.server.documents;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentResponse;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.DownloadDocumentResponse;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.ListDocumentVersionsRequest;
import com.finehero.api.documents.v1.ListDocumentVersionsResponse;
import com.finehero.api.documents.v1.ListDocumentsRequest;
import com.finehero.api.documents.v1.ListDocumentsResponse;
import com.finehero.api.documents.v1.RestoreDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.SearchResult;
import com.finehero.api.documents.v1.UpdateDocumentRequest;
import com.finehero.api.documents.v1.UploadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.server.platform.blob.BlobStore;
import com.finehero.server.platform.cache.PageCache;
import com.finehero.server.platform.cache.ProtoPages;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.paging.PageTokens;
import com.finehero.server.platform.rpc.Replies;
import com.finehero.server.platform.security.Principal;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.reply;

/** The gRPC face of documents: CRUD with versions, streamed upload and download, cached search. */
final class DocumentsGrpcService extends DocumentsServiceGrpc.DocumentsServiceImplBase {

    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;
    static final int DEFAULT_SEARCH_PAGE = 10;
    static final int MAX_SEARCH_PAGE = 50;
    static final int DEFAULT_CHUNK = 64 * 1024;
    static final String PDF = DocumentRules.PDF;

    private final DocumentStore store;
    private final DocumentRules rules;
    private final PageCache searchPages;
    private final PageCache listPages;
    private final BlobStore blobs;
    private final DocumentsConfig config;
    private final PdfOriginals pdfs;

    public DocumentsGrpcService(DocumentStore store, DocumentRules rules, PageCache searchPages, PageCache listPages,
                                BlobStore blobs, DocumentsConfig config) {
        this.store = Objects.requireNonNull(store, "store");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.config = Objects.requireNonNull(config, "config");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.searchPages = Objects.requireNonNull(searchPages, "searchPages");
        this.listPages = Objects.requireNonNull(listPages, "listPages");
        this.pdfs = new PdfOriginals(store, rules, blobs, config);
    }

    @Override
    public void createDocument(CreateDocumentRequest request, StreamObserver<Document> response) {
        if (PDF.equals(request.getDocument().getContentType())) {
            throw FineHeroException.invalidField("document.content_type",
                    "application/pdf arrives by UploadDocument, which keeps the original file");
        }
        reply(response, store.create(rules.newDocument(request.getDocument(), Principal.current())));
    }

    @Override
    public void getDocument(GetDocumentRequest request, StreamObserver<Document> response) {
        reply(response, require(id(request.getDocumentId()), request.getVersion(), Audience.current()));
    }

    @Override
    public void listDocuments(ListDocumentsRequest request, StreamObserver<ListDocumentsResponse> response) {
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE);
        DocumentStore.Filter filter = new DocumentStore.Filter(request.getKind(),
                request.getJurisdiction().toUpperCase(Locale.ROOT), request.getTag().isEmpty() ? List.of() : List.of(request.getTag()),
                Audience.current());
        String scope = "list|" + filter;
        DocumentStore.Cursor after = KeysetPage.after(request.getPageToken(), scope, DocumentStore.Cursor::new);
        String key = scope + "|" + limit + "|" + request.getPageToken();
        reply(response, ProtoPages.through(listPages, key, ListDocumentsResponse.parser(), () -> {
            KeysetPage<Document> page = KeysetPage.fetch(limit, scope, n -> store.list(filter, after, n),
                    document -> KeysetPage.position(document.getCreateTime(), document.getId()));
            return ListDocumentsResponse.newBuilder().addAllDocuments(page.items()).setNextPageToken(page.nextPageToken()).build();
        }));
    }

    @Override
    public void updateDocument(UpdateDocumentRequest request, StreamObserver<Document> response) {
        Principal caller = Principal.current();
        reply(response, store.change(id(request.getDocument().getId()), Audience.of(caller),
                current -> rules.update(current, request.getDocument(), request.getUpdateMask(), caller)));
    }

    @Override
    public void listDocumentVersions(ListDocumentVersionsRequest request, StreamObserver<ListDocumentVersionsResponse> response) {
        String id = id(request.getDocumentId());
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE);
        Audience audience = Audience.current();
        String scope = "versions|" + id + "|" + audience;
        long before = versionBefore(request.getPageToken(), scope);
        KeysetPage<Document> page = KeysetPage.fetch(limit, scope, n -> store.versions(id, before, n, audience),
                version -> List.of(Long.toString(version.getVersion())));
        reply(response, ListDocumentVersionsResponse.newBuilder().addAllVersions(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    /** The version a ListDocumentVersions token says the page starts below; 0 (from the newest) for none. */
    private static long versionBefore(String token, String scope) {
        if (token.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(PageTokens.decode(token, scope, 1).getFirst());
        } catch (NumberFormatException e) {
            throw FineHeroException.invalidField("page_token", "is not a token returned by this listing");
        }
    }

    @Override
    public void deleteDocument(DeleteDocumentRequest request, StreamObserver<DeleteDocumentResponse> response) {
        store.delete(id(request.getDocumentId()), rules.now());
        reply(response, DeleteDocumentResponse.getDefaultInstance());
    }

    @Override
    public void restoreDocument(RestoreDocumentRequest request, StreamObserver<Document> response) {
        reply(response, store.restore(id(request.getDocumentId())));
    }

    @Override
    public StreamObserver<UploadDocumentRequest> uploadDocument(StreamObserver<Document> response) {
        return new StreamObserver<>() {
            // the stream's later messages may run outside the call's context: the caller is read once, here
            private final Principal caller = Principal.current();
            private UploadHeader header;
            private boolean pdf;
            private long limit;
            private Spool spool;

            @Override
            public void onNext(UploadDocumentRequest part) {
                try {
                    if (header == null) {
                        if (!part.hasHeader()) {
                            throw FineHeroException.invalidField("header", "the first message of an upload must be the header");
                        }
                        header = part.getHeader();
                        pdf = PDF.equals(header.getDocument().getContentType());
                        limit = pdf ? config.maxUploadBytes() : rules.maxContentBytes();
                        spool = Spool.create();
                        return;
                    }
                    if (part.hasHeader()) {
                        throw FineHeroException.invalidField("header", "only the first message may be the header");
                    }
                    if (spool.size() + part.getChunk().size() > limit) {
                        throw new FineHeroException.ResourceExhausted("DOCUMENT_TOO_LARGE", "the upload exceeds the limit of "
                                + limit + " bytes (" + (pdf ? "finehero.documents.max-upload-bytes" : "finehero.documents.max-bytes") + ")");
                    }
                    spool.write(part.getChunk());
                } catch (RuntimeException e) {
                    discard(); // the call ends with this failure: nothing is stored, and the spooled part goes
                    throw e;
                }
            }

            @Override
            public void onError(Throwable t) {
                discard(); // the client gave up; nothing was stored
            }

            @Override
            public void onCompleted() {
                try {
                    if (header == null) {
                        throw FineHeroException.invalidField("header", "the upload sent no header");
                    }
                    String actual = spool.finish();
                    String expected = header.getChecksumSha256();
                    if (!expected.isEmpty() && !expected.equals(actual)) {
                        throw FineHeroException.invalidField("header.checksum_sha256",
                                "the content received has SHA-256 " + actual + ", not " + expected);
                    }
                    Document draft = header.getDocument().toBuilder().clearContent().clearPageCount().clearNoText().build();
                    if (draft.getTitle().isBlank() || draft.getKindValue() == 0) {
                        throw FineHeroException.invalidField("header.document", "title and kind are required");
                    }
                    reply(response, pdf ? pdfs.store(draft, caller, spool) : store.create(rules.newDocument(
                            draft.toBuilder().setContent(utf8(spool.file())).build(), caller)));
                } finally {
                    discard();
                }
            }

            private void discard() {
                if (spool != null) {
                    spool.close();
                    spool = null;
                }
            }
        };
    }

    /** The spooled upload as text; INVALID_ARGUMENT when it is not UTF-8. */
    private static String utf8(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(in.readAllBytes())).toString();
        } catch (CharacterCodingException e) {
            throw FineHeroException.invalidField("chunk", "the content is not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read an upload's temporary file", e);
        }
    }

    @Override
    public void downloadDocument(DownloadDocumentRequest request, StreamObserver<DownloadDocumentResponse> response) {
        Document document = require(id(request.getDocumentId()), request.getVersion(), Audience.current());
        int chunk = request.getChunkSize() == 0 ? DEFAULT_CHUNK : request.getChunkSize();
        DownloadDocumentResponse.Builder first = DownloadDocumentResponse.newBuilder()
                .setDocument(document.toBuilder().clearContent());
        InputStream content;
        if (PDF.equals(document.getContentType())) {
            try {
                content = blobs.open(document.getChecksumSha256());
            } catch (NoSuchFileException e) {
                throw new IllegalStateException("the original of document " + document.getId() + " version "
                        + document.getVersion() + " (" + document.getChecksumSha256() + ") is missing from " + blobs, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read an original from " + blobs, e);
            }
        } else {
            content = new ByteArrayInputStream(document.getContent().getBytes(StandardCharsets.UTF_8));
        }
        try (content) {
            Downloads.send(content, chunk, first, response);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read an original from " + blobs, e);
        }
    }

    @Override
    public void searchDocuments(SearchDocumentsRequest request, StreamObserver<SearchDocumentsResponse> response) {
        SearchQuery query = SearchQuery.parse(request.getQuery());
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE);
        DocumentStore.Filter filter = new DocumentStore.Filter(request.getKind(),
                request.getJurisdiction().toUpperCase(Locale.ROOT), request.getTagsList().stream().sorted().distinct().toList(),
                Audience.current());
        String scope = "search|" + query.canonical() + "|" + filter;
        int offset = 0;
        if (!request.getPageToken().isEmpty()) {
            try {
                offset = Integer.parseInt(PageTokens.decode(request.getPageToken(), scope, 1).getFirst());
            } catch (NumberFormatException e) {
                throw FineHeroException.invalidField("page_token", "is not a token returned by this search");
            }
        }
        int from = offset;
        String key = scope + "|" + limit + "|" + offset;
        String dependency = SearchDependencies.of(query, filter.jurisdiction());
        reply(response, ProtoPages.through(searchPages, key, dependency, SearchDocumentsResponse.parser(), () -> {
            DocumentStore.SearchPage page = store.search(query, filter, from, limit);
            SearchDocumentsResponse.Builder results = SearchDocumentsResponse.newBuilder().setTotalMatches(page.totalMatches());
            for (DocumentStore.Hit hit : page.hits()) {
                results.addResults(SearchResult.newBuilder()
                        .setDocument(hit.document())
                        .setScore(hit.score())
                        .setSnippet(Snippets.of(hit.excerpt(), query, PDF.equals(hit.document().getContentType()))));
            }
            if (from + page.hits().size() < page.totalMatches()) {
                results.setNextPageToken(PageTokens.encode(scope, List.of(Integer.toString(from + page.hits().size()))));
            }
            return results.build();
        }));
    }

    /** The document if the audience may read it; NOT_FOUND, as if absent, otherwise. */
    private Document require(String id, long version, Audience audience) {
        return store.find(id, version, audience).orElseThrow(() -> version == 0
                ? FineHeroException.notFound("document", id)
                : FineHeroException.notFound("document", id + " version " + version));
    }



}
