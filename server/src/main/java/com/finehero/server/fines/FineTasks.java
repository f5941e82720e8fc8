package com.finehero.server.fines;

import java.util.List;

import com.finehero.server.documents.DocumentRules;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.tasks.TaskHandler;

/** The task types of fines, in one place: fine_import, fines_export, appeal_letter and overdue_sweep. */
final class FineTasks {

    /** The recurring sweep, scheduled on {@code finehero.tasks.schedules.overdue-sweep}. */
    public static final String OVERDUE_SWEEP = OverdueSweepHandler.TYPE.name();

    private FineTasks() {
    }

    /** The handlers of the fines task types, to register with the task engine. */
    public static List<TaskHandler> handlers(FineStore fines, FineRules rules, OverdueSweeper sweeper,
                                             DocumentStore documents, DocumentRules documentRules) {
        return List.of(
                new OverdueSweepHandler(sweeper),
                new AppealLetterHandler(fines, documents, documentRules),
                new FineImportHandler(fines, rules, documents),
                new FinesExportHandler(fines, documents, documentRules));
    }
}
