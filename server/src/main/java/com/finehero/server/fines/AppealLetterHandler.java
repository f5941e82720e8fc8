package com.finehero.server.fines;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.server.documents.Audience;
import com.finehero.server.documents.DocumentRules;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.documents.SearchQuery;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.Payload;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code appeal_letter}: for a CONTESTED fine, searches the statutes, regulations and precedents of
 * its jurisdiction and the jurisdictions above it (US-CA-SF, then US-CA, then US) for its violation
 * code, adds the documents its contest cites, and drafts a letter from a template (the payload's
 * {@code template_id}, else the newest TEMPLATE document tagged {@code appeal} in those jurisdictions,
 * else a built-in one). The letter is a document tagged {@code appeal-letter} and {@code fine-<id>}
 * (the link to the fine); running again writes a new version of the same letter. The letter is PRIVATE
 * to the fine's owner, whoever submitted the task: the submitter is that owner or staff, who read every
 * owner's documents anyway. Whatever it cites or fills in (citations, template) is a document that
 * owner may read, so the letter shows them nothing of another owner's private documents.
 * The template is filled in one pass that stops at the document size limit, so placeholders repeated
 * in a template cannot build a letter far larger than any document.
 */
final class AppealLetterHandler extends AbstractTaskHandler {

    static final int MAX_CITATIONS = 10;
    static final Set<DocumentKind> LEGAL = Set.of(DocumentKind.DOCUMENT_KIND_STATUTE, DocumentKind.DOCUMENT_KIND_REGULATION,
            DocumentKind.DOCUMENT_KIND_PRECEDENT);
    static final String DEFAULT_TEMPLATE = """
            To the Traffic Adjudication Office, {{jurisdiction}}

            Re: citation {{citation_number}}, violation {{violation_code}} ({{violation_description}}), issued {{issue_date}}, amount {{amount}}

            I contest this citation. {{contest_reason}}

            The following provisions and decisions bear on this case:
            {{citations}}

            For these reasons I ask that the citation be dismissed.
            """;
    private static final String UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    static final TaskType TYPE = new TaskType("appeal_letter",
            PayloadSpec.builder()
                    .string("fine_id", true, UUID, 36)
                    .string("template_id", false, UUID, 36)
                    .build(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(5), 4),
            TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_VIEWER));

    private final FineStore fines;
    private final DocumentStore documents;
    private final DocumentRules documentRules;

    AppealLetterHandler(FineStore fines, DocumentStore documents, DocumentRules documentRules) {
        super(TYPE);
        this.fines = Objects.requireNonNull(fines, "fines");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.documentRules = Objects.requireNonNull(documentRules, "documentRules");
    }

    @Override
    public void check(Payload payload) {
        contested(payload);
        if (payload.has("template_id")) {
            template(payload, "", Audience.current());
        }
    }

    /**
     * The payload's fine, if it is contested and the submitter (the current principal, at submission
     * and while the task runs) may see it: a viewer drafts letters only for their own fines, and
     * another owner's fine does not exist for them.
     */
    private Fine contested(Payload payload) {
        String id = payload.string("fine_id", "").toLowerCase(Locale.ROOT);
        Principal submitter = Principal.current();
        Fine fine = fines.find(id)
                .filter(found -> submitter.seesEveryOwner() || found.getOwnerId().equals(submitter.subject()))
                .filter(found -> submitter.scope().reaches(found.getJurisdiction()))
                .orElseThrow(() -> FineHeroException.invalidField("payload.fine_id", "fine " + id + " does not exist"));
        if (fine.getStatus() != FineStatus.FINE_STATUS_CONTESTED) {
            throw FineHeroException.failedPrecondition("FINE_NOT_CONTESTED", "fine " + id + " is "
                    + fine.getStatus().name().substring("FINE_STATUS_".length()) + "; appeal letters are drafted for CONTESTED fines");
        }
        return fine;
    }

    @Override
    public Struct run(TaskContext context) {
        Fine fine = contested(context.payload());
        String letterOwner = fine.getOwnerId().isEmpty() ? Principal.current().subject() : fine.getOwnerId();
        Audience audience = new Audience(letterOwner, false);
        List<String> jurisdictions = chain(fine.getJurisdiction());
        context.progress(10, "searching " + String.join(", ", jurisdictions) + " for " + fine.getViolationCode());
        Map<String, Document> cited = new LinkedHashMap<>();
        SearchQuery query = SearchQuery.parse("\"" + fine.getViolationCode().replace("\"", "") + "\"");
        for (String jurisdiction : jurisdictions) {
            context.checkCancelled();
            DocumentStore.SearchPage page = documents.search(query,
                    new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_UNSPECIFIED, jurisdiction, List.of(), audience), 0, MAX_CITATIONS);
            for (DocumentStore.Hit hit : page.hits()) {
                if (LEGAL.contains(hit.document().getKind()) && cited.size() < MAX_CITATIONS) {
                    cited.putIfAbsent(hit.document().getId(), hit.document());
                }
            }
        }
        for (String id : fine.getContest().getCitedDocumentIdsList()) {
            if (cited.size() < MAX_CITATIONS) {
                documents.find(id, 0, audience).ifPresent(document -> cited.putIfAbsent(document.getId(), document));
            }
        }
        context.progress(50, cited.size() + " document(s) to cite");
        String template = template(context.payload(), fine.getJurisdiction(), audience);
        String letter = render(template, fine, new ArrayList<>(cited.values()), documentRules.maxContentBytes());
        context.checkCancelled();
        String fineTag = "fine-" + fine.getId().replace("-", "");
        List<Document> earlier = documents.list(new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_OTHER, "",
                List.of("appeal-letter", fineTag), audience), null, 1);
        Document saved;
        if (earlier.isEmpty()) {
            saved = documents.create(documentRules.newDocument(Document.newBuilder()
                    .setTitle("Appeal letter for citation " + fine.getCitationNumber() + " (" + fine.getJurisdiction() + ")")
                    .setKind(DocumentKind.DOCUMENT_KIND_OTHER)
                    .setJurisdiction(fine.getJurisdiction())
                    .addTags("appeal-letter")
                    .addTags(fineTag)
                    .setContent(letter)
                    .setContentType("text/plain")
                    .setAuthor("task " + context.taskId())
                    .setOwner(letterOwner)
                    .setVisibility(Visibility.VISIBILITY_PRIVATE)
                    .build()));
        } else {
            saved = documents.change(earlier.getFirst().getId(), audience, current -> documentRules.update(current,
                    Document.newBuilder().setVersion(current.getVersion()).setContent(letter).setAuthor("task " + context.taskId()).build(),
                    com.google.protobuf.FieldMask.newBuilder().addPaths("content").addPaths("author").build()));
        }
        context.progress(100, "letter saved as document " + saved.getId());
        return Struct.newBuilder()
                .putFields("document_id", Value.newBuilder().setStringValue(saved.getId()).build())
                .putFields("fine_id", Value.newBuilder().setStringValue(fine.getId()).build())
                .putFields("cited_document_ids", Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(
                        cited.keySet().stream().map(id -> Value.newBuilder().setStringValue(id).build()).toList())).build())
                .build();
    }

    /** US-CA-SF -> [US-CA-SF, US-CA, US]. */
    static List<String> chain(String jurisdiction) {
        List<String> chain = new ArrayList<>();
        String current = jurisdiction.toUpperCase(Locale.ROOT);
        while (!current.isEmpty()) {
            chain.add(current);
            int dash = current.lastIndexOf('-');
            current = dash < 0 ? "" : current.substring(0, dash);
        }
        return chain;
    }

    private String template(Payload payload, String jurisdiction, Audience audience) {
        if (payload.has("template_id")) {
            String id = payload.string("template_id", "").toLowerCase(Locale.ROOT);
            Document template = documents.find(id, 0, audience).orElseThrow(() ->
                    FineHeroException.invalidField("payload.template_id", "document " + id + " does not exist"));
            if (template.getKind() != DocumentKind.DOCUMENT_KIND_TEMPLATE) {
                throw FineHeroException.invalidField("payload.template_id", "document " + id + " is not a TEMPLATE");
            }
            return template.getContent();
        }
        for (String level : chain(jurisdiction)) {
            List<Document> templates = documents.list(new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_TEMPLATE, level,
                    List.of("appeal"), audience), null, 1);
            if (!templates.isEmpty()) {
                return documents.find(templates.getFirst().getId(), 0, audience).map(Document::getContent).orElse(DEFAULT_TEMPLATE);
            }
        }
        return DEFAULT_TEMPLATE;
    }

    /** The template with its placeholders filled in; FAILED_PRECONDITION (not retried) once it passes {@code maxChars}. */
    static String render(String template, Fine fine, List<Document> cited, long maxChars) {
        StringBuilder citations = new StringBuilder();
        for (Document document : cited) {
            citations.append("- ").append(document.getTitle()).append(" (")
                    .append(document.getKind().name().substring("DOCUMENT_KIND_".length()).toLowerCase(Locale.ROOT))
                    .append(", ").append(document.getJurisdiction()).append(", document ").append(document.getId()).append(")\n");
        }
        if (cited.isEmpty()) {
            citations.append("- (no statute or precedent on file for this violation code)\n");
        }
        Map<String, String> values = Map.of(
                "jurisdiction", fine.getJurisdiction(),
                "citation_number", fine.getCitationNumber(),
                "violation_code", fine.getViolationCode(),
                "violation_description", fine.getViolationDescription(),
                "issue_date", Times.toInstant(fine.getIssueTime()).toString().substring(0, 10),
                "amount", BigDecimal.valueOf(fine.getAmount().getAmountMinor(), 2).toPlainString() + " "
                        + fine.getAmount().getCurrencyCode(),
                "contest_reason", fine.getContest().getReason(),
                "citations", citations.toString().stripTrailing());
        // one pass: a value is never scanned for placeholders, and the size is checked before each piece grows the letter
        StringBuilder letter = new StringBuilder();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf("{{", at);
            int close = open < 0 ? -1 : template.indexOf("}}", open + 2);
            String value = close < 0 ? null : values.get(template.substring(open + 2, close));
            int literalEnd = open < 0 ? template.length() : value == null ? open + 2 : open;
            String piece = value == null ? "" : value;
            if ((long) letter.length() + (literalEnd - at) + piece.length() > maxChars) {
                throw FineHeroException.failedPrecondition("LETTER_TOO_LARGE", "the appeal letter passed " + maxChars
                        + " characters (finehero.documents.max-bytes) while its template was filled in; shorten the template "
                        + "or the contest reason");
            }
            letter.append(template, at, literalEnd).append(piece);
            at = value == null ? literalEnd : close + 2;
        }
        return letter.toString();
    }
}
