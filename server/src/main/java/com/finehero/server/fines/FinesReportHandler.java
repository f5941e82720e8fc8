package com.finehero.server.fines;

import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.api.fines.v1.AnalyticsBucket;
import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineAnalyticsResponse;
import com.finehero.server.documents.Audience;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.documents.Documents;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.rpc.RequestRules;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.Payload;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code fines_report}: the fines issued in a range ({@code from} inclusive, {@code to} exclusive, UTC
 * dates), of a {@code jurisdiction} and those below it or of all the submitter may read, bucketed by
 * {@code bucket} (month unless day or week) and split by violation code, rendered as a PDF report
 * (tables and a chart) into a new document PRIVATE to the submitter, tagged {@code fines-report}. It reads
 * exactly what GetFineAnalytics answers the submitter, and is for the same callers (admins, analysts).
 * Run again after losing its lease, it finds the document it wrote instead of writing another.
 */
final class FinesReportHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("fines_report",
            PayloadSpec.builder()
                    .string("from", true, "^\\d{4}-\\d{2}-\\d{2}$", 10)
                    .string("to", true, "^\\d{4}-\\d{2}-\\d{2}$", 10)
                    .string("jurisdiction", false, "^[A-Za-z0-9][A-Za-z0-9_.-]*$", 64)
                    .string("bucket", false, "^(?i)(day|week|month)$", 5)
                    .string("title", false, "^[^\\x00-\\x1F\\x7F]+$", 200)
                    .build(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(30), Duration.ofMinutes(10), 2),
            TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_ANALYST));

    private final FineStore fines;
    private final Documents documents;
    private final Clock clock;
    private final RequestRules requestRules;

    FinesReportHandler(FineStore fines, Documents documents, Clock clock, RequestRules requestRules) {
        super(TYPE);
        this.requestRules = Objects.requireNonNull(requestRules, "requestRules");
        this.fines = Objects.requireNonNull(fines, "fines");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Refuses at submission what GetFineAnalytics would refuse: dates out of order, a range too long for the bucket. */
    @Override
    public void check(Payload payload) {
        request(payload);
    }

    private GetFineAnalyticsRequest request(Payload payload) {
        LocalDate from = date(payload, "from");
        LocalDate to = date(payload, "to");
        AnalyticsBucket bucket = switch (payload.string("bucket", "month").toLowerCase(Locale.ROOT)) {
            case "day" -> AnalyticsBucket.ANALYTICS_BUCKET_DAY;
            case "week" -> AnalyticsBucket.ANALYTICS_BUCKET_WEEK;
            default -> AnalyticsBucket.ANALYTICS_BUCKET_MONTH;
        };
        GetFineAnalyticsRequest request = GetFineAnalyticsRequest.newBuilder()
                .setStartTime(Times.toProto(from.atStartOfDay(ZoneOffset.UTC).toInstant()))
                .setEndTime(Times.toProto(to.atStartOfDay(ZoneOffset.UTC).toInstant()))
                .setBucket(bucket)
                .setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE)
                .setJurisdiction(payload.string("jurisdiction", "").toUpperCase(Locale.ROOT))
                .build();
        List<FineHeroException.FieldViolation> violations = requestRules.violations(request);
        if (!violations.isEmpty()) {
            throw FineHeroException.invalidField("payload", "from " + from + " to " + to + ": " + RequestRules.summary(violations));
        }
        return request;
    }

    private static LocalDate date(Payload payload, String field) {
        String text = payload.string(field, "");
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw FineHeroException.invalidField("payload." + field, "'" + text + "' is not a date (YYYY-MM-DD)");
        }
    }

    @Override
    public Struct run(TaskContext context) {
        GetFineAnalyticsRequest request = request(context.payload());
        Principal submitter = Principal.current();
        String runTag = "report-" + context.taskId().replace("-", "");
        List<Document> earlier = documents.store().list(new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_OTHER, "",
                List.of(runTag), Audience.current()), null, 1);
        if (!earlier.isEmpty()) {
            return result(earlier.getFirst(), -1);
        }
        context.progress(10, "reading the analytics");
        // what GetFineAnalytics answers this submitter: their scope narrows the jurisdiction asked for
        List<FineAnalyticsRow> rows = fines.analytics(FinesGrpcService.analyticsQuery(request, "payload.jurisdiction", submitter.scope()),
                FinesGrpcService.MAX_ANALYTICS_ROWS + 1);
        if (rows.size() > FinesGrpcService.MAX_ANALYTICS_ROWS) {
            throw FineHeroException.invalidField("payload.bucket", "the report would have more than " + FinesGrpcService.MAX_ANALYTICS_ROWS
                    + " rows (buckets x violation codes x currencies); use a shorter range, longer buckets or a jurisdiction");
        }
        context.checkCancelled();
        context.progress(50, rows.size() + " analytics row(s); drawing the report");
        String jurisdiction = !request.getJurisdiction().isEmpty() ? request.getJurisdiction()
                : submitter.scope().limited() ? submitter.scope().code() : "";
        String title = context.payload().string("title", "Fines report " + (jurisdiction.isEmpty() ? "(all jurisdictions)" : jurisdiction)
                + " " + context.payload().string("from", "") + " to " + context.payload().string("to", ""));
        Document.Builder draft = Document.newBuilder()
                .setTitle(title)
                .setKind(DocumentKind.DOCUMENT_KIND_OTHER)
                .addTags("fines-report")
                .addTags(runTag)
                .setAuthor("task " + context.taskId())
                .setOwner(submitter.subject())
                .setVisibility(Visibility.VISIBILITY_PRIVATE);
        if (!jurisdiction.isEmpty()) {
            draft.setJurisdiction(jurisdiction);
        }
        GetFineAnalyticsResponse answer = GetFineAnalyticsResponse.newBuilder().addAllRows(rows).build();
        AnalyticsReportPdf.Heading heading = new AnalyticsReportPdf.Heading(title, clock.instant());
        Document document;
        try {
            document = documents.storePdf(draft.build(), submitter, out -> new AnalyticsReportPdf().write(request, answer, heading, out));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("the report could not be written: " + e.getMessage(), e);
        }
        context.progress(100, "report written to document " + document.getId());
        return result(document, rows.size());
    }

    private static Struct result(Document document, long rows) {
        Struct.Builder result = Struct.newBuilder()
                .putFields("document_id", Value.newBuilder().setStringValue(document.getId()).build());
        if (rows >= 0) {
            result.putFields("rows", FineImportHandler.number(rows));
        }
        return result.build();
    }
}
