package com.finehero.client.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.finehero.api.tasks.v1.CancelTaskRequest;
import com.finehero.api.tasks.v1.ListTasksRequest;
import com.finehero.api.tasks.v1.ListTasksResponse;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.tasks.v1.WatchTaskRequest;
import com.finehero.client.FineHeroClient;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Background work: submit, list, watch with a live progress bar, cancel. */
@Command(mixinStandardHelpOptions = true, name = "tasks", description = "Submit, list, watch and cancel background tasks.",
        subcommands = {TasksCommand.Submit.class, TasksCommand.List.class, TasksCommand.Watch.class, TasksCommand.Cancel.class})
final class TasksCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    /** Follows a task until it ends; returns 0 when it SUCCEEDED, 1 otherwise. */
    static int watch(FineHeroCli.Sub command, FineHeroClient client, String taskId) {
        ProgressBar bar = new ProgressBar(command.spec.commandLine().getErr(), "task", command.root().output == FineHeroCli.Output.table);
        Task last;
        try {
            last = client.watchTask(taskId, java.time.Duration.ofHours(24), update -> bar.update(update.getProgressPercent(), 100,
                    update.getState().name().replace("TASK_STATE_", "") + " " + update.getProgressMessage()));
        } finally {
            bar.finish();
        }
        if (!command.root().printedAsJson(command.out(), last)) {
            command.out().println(last.getId() + " " + last.getState().name().replace("TASK_STATE_", "")
                    + (last.getLastError().isEmpty() ? "" : ": " + last.getLastError())
                    + (last.hasResult() ? " " + compact(last.getResult()) : ""));
        }
        return last.getState() == TaskState.TASK_STATE_SUCCEEDED ? 0 : 1;
    }

    static String compact(Struct struct) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(struct);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "submit", description = "Submit a task; --wait follows it to the end with a progress bar.")
    static final class Submit extends FineHeroCli.Sub {
        @Parameters(paramLabel = "TYPE", description = "e.g. fine_import, fines_export, document_reindex, appeal_letter") String type;
        @Option(names = "--payload", description = "The payload as JSON, e.g. '{\"fine_id\": \"...\"}'") String payload;
        @Option(names = "--payload-file", description = "Read the payload JSON from a file") Path payloadFile;
        @Option(names = "--priority", description = "LOW, NORMAL, HIGH, URGENT or CRITICAL") String priority;
        @Option(names = "--key", description = "Idempotency key: the same key returns the same task") String key;
        @Option(names = "--wait", description = "Follow the task until it ends") boolean await;

        @Override
        public Integer call() throws Exception {
            SubmitTaskRequest.Builder request = SubmitTaskRequest.newBuilder().setType(type);
            String json = payloadFile != null ? Files.readString(payloadFile) : payload;
            if (json != null) {
                Struct.Builder struct = Struct.newBuilder();
                JsonFormat.parser().merge(json, struct);
                request.setPayload(struct);
            }
            if (priority != null) {
                request.setPriority(TaskPriority.valueOf("TASK_PRIORITY_" + priority.toUpperCase(Locale.ROOT)));
            }
            if (key != null) {
                request.setIdempotencyKey(key);
            }
            try (FineHeroClient client = root().client()) {
                Task task = client.tasks().submitTask(request.build());
                if (await) {
                    return watch(this, client, task.getId());
                }
                if (!root().printedAsJson(out(), task)) {
                    out().println(task.getId() + " " + task.getState().name().replace("TASK_STATE_", ""));
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List tasks, newest first.")
    static final class List extends FineHeroCli.Sub {
        @Option(names = "--type") String type;
        @Option(names = "--state", description = "PENDING, RUNNING, SUCCEEDED, FAILED, DEAD or CANCELLED") java.util.List<String> states = new java.util.ArrayList<>();
        @Option(names = "--page-size", defaultValue = "20") int pageSize;
        @Option(names = "--page-token") String pageToken;

        @Override
        public Integer call() {
            ListTasksRequest.Builder request = ListTasksRequest.newBuilder().setPageSize(pageSize);
            if (type != null) {
                request.setType(type);
            }
            states.forEach(s -> request.addStates(TaskState.valueOf("TASK_STATE_" + s.toUpperCase(Locale.ROOT))));
            if (pageToken != null) {
                request.setPageToken(pageToken);
            }
            try (FineHeroClient client = root().client()) {
                ListTasksResponse page = client.tasks().listTasks(request.build());
                if (!root().printedAsJson(out(), page)) {
                    Table table = new Table("ID", "TYPE", "STATE", "PRIORITY", "PROGRESS", "ATTEMPTS");
                    for (Task t : page.getTasksList()) {
                        table.row(t.getId(), t.getType(), t.getState().name().replace("TASK_STATE_", ""),
                                t.getPriority().name().replace("TASK_PRIORITY_", ""), t.getProgressPercent() + "%",
                                t.getAttempts() + "/" + t.getMaxAttempts());
                    }
                    table.print(out());
                    if (!page.getNextPageToken().isEmpty()) {
                        out().println("next page: --page-token " + page.getNextPageToken());
                    }
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "watch", description = "Follow a task with a live progress bar until it ends (exit 0 if it succeeded).")
    static final class Watch extends FineHeroCli.Sub {
        @Parameters(paramLabel = "TASK_ID") String id;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                return watch(this, client, id);
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "cancel", description = "Cancel a pending or running task.")
    static final class Cancel extends FineHeroCli.Sub {
        @Parameters(paramLabel = "TASK_ID") String id;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Task task = client.tasks().cancelTask(CancelTaskRequest.newBuilder().setTaskId(id).build());
                if (!root().printedAsJson(out(), task)) {
                    out().println(task.getId() + " " + task.getState().name().replace("TASK_STATE_", ""));
                }
                return 0;
            }
        }
    }
}
