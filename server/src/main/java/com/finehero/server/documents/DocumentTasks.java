package com.finehero.server.documents;

import java.util.List;

import com.finehero.server.tasks.TaskHandler;

/** The task types of documents, in one place: document_reindex. */
final class DocumentTasks {

    private DocumentTasks() {
    }

    /** The handlers of the documents task types, to register with the task engine. */
    public static List<TaskHandler> handlers(DocumentStore documents) {
        return List.of(new DocumentReindexHandler(documents));
    }
}
