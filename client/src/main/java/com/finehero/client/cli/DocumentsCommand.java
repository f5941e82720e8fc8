package com.finehero.client.cli;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.Highlight;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.SearchResult;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "documents", description = "Search, read, upload and download legal documents.",
        subcommands = {DocumentsCommand.Search.class, DocumentsCommand.Get.class, DocumentsCommand.Upload.class,
                DocumentsCommand.Download.class})
final class DocumentsCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 2;
    }

    @Command(mixinStandardHelpOptions = true, name = "search", description = "Ranked full-text search: words, word*, \"a phrase\".")
    static final class Search extends FineHeroCli.Sub {
        @Parameters(paramLabel = "QUERY") String query;
        @Option(names = "--kind", defaultValue = "DOCUMENT_KIND_UNSPECIFIED") DocumentKind kind;
        @Option(names = "--jurisdiction", defaultValue = "") String jurisdiction;
        @Option(names = "--page-size", defaultValue = "10") int pageSize;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                SearchDocumentsResponse results = client.documents()
                        .searchDocuments(SearchDocumentsRequest.newBuilder().setQuery(query).setKind(kind)
                                .setJurisdiction(jurisdiction).setPageSize(pageSize).build());
                if (!root().printedAsJson(out(), results)) {
                    out().println(results.getTotalMatches() + " match(es)");
                    Table table = new Table("SCORE", "ID", "TITLE", "SNIPPET");
                    for (SearchResult result : results.getResultsList()) {
                        table.row(String.format(java.util.Locale.ROOT, "%.3f", result.getScore()), result.getDocument().getId(),
                                result.getDocument().getTitle(), marked(result));
                    }
                    table.print(out());
                }
                return 0;
            }
        }

        /** The snippet with its matches in [brackets]. */
        private static String marked(SearchResult result) {
            String text = result.getSnippet().getText();
            StringBuilder out = new StringBuilder();
            int at = 0;
            for (Highlight highlight : result.getSnippet().getHighlightsList()) {
                out.append(text, at, highlight.getStart()).append('[')
                        .append(text, highlight.getStart(), highlight.getEnd()).append(']');
                at = highlight.getEnd();
            }
            return out.append(text.substring(at)).toString();
        }
    }

    @Command(name = "get", description = "Print a document's content (or --output json for everything).")
    static final class Get extends FineHeroCli.Sub {
        @Parameters(paramLabel = "DOCUMENT_ID") String id;
        @Option(names = "--version", defaultValue = "0", description = "A past version (default: current)") long version;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.") boolean help;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Document document = client.documents()
                        .getDocument(GetDocumentRequest.newBuilder().setDocumentId(id).setVersion(version).build());
                if (!root().printedAsJson(out(), document)) {
                    out().println(document.getTitle() + " (version " + document.getVersion() + ")");
                    out().println();
                    out().println(document.getContent());
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "upload", description = "Upload a file as a new document, streamed in chunks with a progress bar.")
    static final class Upload extends FineHeroCli.Sub {
        @Parameters(paramLabel = "FILE") java.nio.file.Path file;
        @Option(names = "--title", required = true) String title;
        @Option(names = "--kind", required = true, description = "STATUTE, REGULATION, TEMPLATE or PRECEDENT") String kind;
        @Option(names = "--jurisdiction", required = true) String jurisdiction;
        @Option(names = "--tag", description = "A tag (repeatable)") java.util.List<String> tags = new java.util.ArrayList<>();
        @Option(names = "--no-progress", description = "No progress bar") boolean noProgress;
        @Option(names = "--content-type", description = "text/plain, text/markdown or application/pdf "
                + "(default: by the file's extension: .pdf, .md/.markdown, else text/plain)") String contentType;

        @Override
        public Integer call() {
            ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "upload", !noProgress && root().output == FineHeroCli.Output.table);
            try (FineHeroClient client = root().client()) {
                Document document;
                try {
                    document = client.uploadDocument(com.finehero.api.documents.v1.UploadHeader.newBuilder()
                            .setDocument(Document.newBuilder().setTitle(title).setJurisdiction(jurisdiction).addAllTags(tags)
                                    .setKind(DocumentKind.valueOf("DOCUMENT_KIND_" + kind.toUpperCase(java.util.Locale.ROOT)))
                                    .setContentType(contentType != null ? contentType : com.finehero.client.Transfers.contentTypeOf(file)))
                            .build(), file, (sent, size) -> bar.update(sent, size, sent / 1024 + " KiB"));
                } finally {
                    bar.finish();
                }
                if (!root().printedAsJson(out(), document)) {
                    out().println("uploaded " + document.getId() + " (" + document.getContentType() + ", " + document.getSizeBytes()
                            + " bytes" + (document.getPageCount() > 0 ? ", " + document.getPageCount() + " pages" : "")
                            + (document.getNoText() ? ", no text found" : "") + ", version " + document.getVersion() + ")");
                }
                return 0;
            }
        }
    }

    @Command(name = "download", description = "Download a document's content to a file (streamed).")
    static final class Download extends FineHeroCli.Sub {
        @Parameters(index = "0", paramLabel = "DOCUMENT_ID") String id;
        @Parameters(index = "1", paramLabel = "FILE") java.nio.file.Path file;
        @Option(names = "--version", defaultValue = "0", description = "A past version (default: current)") long version;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.") boolean help;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                long[] written = {0};
                Document document = client.downloadDocument(com.finehero.api.documents.v1.DownloadDocumentRequest.newBuilder()
                        .setDocumentId(id).setVersion(version).build(), file, (done, total) -> written[0] = done);
                out().println("wrote " + written[0] + " bytes of " + (document.getTitle().isEmpty() ? id : document.getTitle()) + " to " + file);
                return 0;
            }
        }
    }
}
