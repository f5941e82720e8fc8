package com.finehero.server.fines;

import java.time.Clock;
import java.util.List;

import com.finehero.server.platform.rpc.RequestRules;
import com.finehero.server.documents.DocumentRules;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.documents.Documents;
import com.finehero.server.tasks.TaskHandler;

/** The task types of fines, in one place: fine_import, fines_export, appeal_letter, overdue_sweep and analytics_rollup. */
final class FineTasks {

    /** The recurring sweep, scheduled on {@code finehero.tasks.schedules.overdue-sweep}. */
    public static final String OVERDUE_SWEEP = OverdueSweepHandler.TYPE.name();

    /** The recurring rewrite of the analytics rollup, scheduled on {@code finehero.tasks.schedules.analytics-rollup}. */
    public static final String ANALYTICS_ROLLUP = AnalyticsRollupHandler.TYPE.name();

    private FineTasks() {
    }

    /** The handlers of the fines task types, to register with the task engine. */
    public static List<TaskHandler> handlers(FineStore fines, FineRules rules, OverdueSweeper sweeper, Documents documentsFeature,
                                             Clock clock, RequestRules requestRules) {
        DocumentStore documents = documentsFeature.store();
        DocumentRules documentRules = documentsFeature.rules();
        return List.of(
                new OverdueSweepHandler(sweeper),
                new AnalyticsRollupHandler(fines),
                new AppealLetterHandler(fines, documents, documentRules),
                new FineImportHandler(fines, rules, documents, requestRules),
                new FinesExportHandler(fines, documents, documentRules),
                new FinesReportHandler(fines, documentsFeature, clock, requestRules));
    }
}
