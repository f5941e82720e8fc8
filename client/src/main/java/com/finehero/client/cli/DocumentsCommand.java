package com.finehero.client.cli;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.Highlight;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.SearchResult;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "documents", description = "Search and read legal documents.",
        subcommands = {DocumentsCommand.Search.class, DocumentsCommand.Get.class})
final class DocumentsCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 2;
    }

    @Command(name = "search", description = "Ranked full-text search: words, word*, \"a phrase\".")
    static final class Search extends FineHeroCli.Sub {
        @Parameters(paramLabel = "QUERY") String query;
        @Option(names = "--kind", defaultValue = "DOCUMENT_KIND_UNSPECIFIED") DocumentKind kind;
        @Option(names = "--jurisdiction", defaultValue = "") String jurisdiction;
        @Option(names = "--page-size", defaultValue = "10") int pageSize;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                SearchDocumentsResponse results = DocumentsServiceGrpc.newBlockingStub(client.channel())
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

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Document document = DocumentsServiceGrpc.newBlockingStub(client.channel())
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
}
