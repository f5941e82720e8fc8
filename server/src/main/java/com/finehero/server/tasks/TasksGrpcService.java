package com.finehero.server.tasks;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.finehero.api.tasks.v1.BatchSubmitTasksRequest;
import com.finehero.api.tasks.v1.BatchSubmitTasksResponse;
import com.finehero.api.tasks.v1.CancelTaskRequest;
import com.finehero.api.tasks.v1.GetQueueStatsRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.ListTasksRequest;
import com.finehero.api.tasks.v1.ListTasksResponse;
import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.RetryTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.tasks.v1.WatchTaskRequest;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.rpc.Replies;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.reply;

/** The gRPC face of the task engine. Requests arrive validated against the contract's rules. */
public final class TasksGrpcService extends TasksServiceGrpc.TasksServiceImplBase {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    /** A watch ends after this long even if the task has not (clients re-watch). */
    static final Duration MAX_WATCH = Duration.ofHours(1);

    private final TaskEngine engine;
    private final Duration watchPoll;

    /** @param watchPoll  how often WatchTask re-reads a task that changes on another instance */
    public TasksGrpcService(TaskEngine engine, Duration watchPoll) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.watchPoll = Objects.requireNonNull(watchPoll, "watchPoll");
    }

    @Override
    public void submitTask(SubmitTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.submit(request));
    }

    @Override
    public void batchSubmitTasks(BatchSubmitTasksRequest request, StreamObserver<BatchSubmitTasksResponse> response) {
        reply(response, BatchSubmitTasksResponse.newBuilder().addAllTasks(engine.submitAll(request.getRequestsList())).build());
    }

    @Override
    public void getTask(GetTaskRequest request, StreamObserver<Task> response) {
        reply(response, require(id(request.getTaskId())));
    }

    @Override
    public void listTasks(ListTasksRequest request, StreamObserver<ListTasksResponse> response) {
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        String scope = request.getType() + "|" + request.getStatesList().stream().map(Enum::name).sorted()
                .collect(Collectors.joining(",")) + "|" + request.getPriorityValue();
        TaskStore.TaskQuery query = new TaskStore.TaskQuery(request.getType(), request.getStatesList(),
                request.getPriorityValue(), KeysetPage.after(request.getPageToken(), scope, TaskStore.Cursor::new));
        KeysetPage<Task> page = KeysetPage.fetch(limit, scope, n -> engine.list(query, n),
                task -> KeysetPage.position(task.getCreateTime(), task.getId()));
        reply(response, ListTasksResponse.newBuilder().addAllTasks(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    @Override
    public void cancelTask(CancelTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.cancel(id(request.getTaskId())));
    }

    @Override
    public void retryTask(RetryTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.retry(id(request.getTaskId())));
    }

    @Override
    public void getQueueStats(GetQueueStatsRequest request, StreamObserver<QueueStats> response) {
        reply(response, engine.stats(request.getType()));
    }

    /**
     * Sends the task, then each newer snapshot: those this instance publishes as they happen, and
     * what a re-read finds every watch-poll (changes made on another instance). Ends when the task
     * is finished, the caller goes away, or after {@link #MAX_WATCH}.
     */
    @Override
    public void watchTask(WatchTaskRequest request, StreamObserver<Task> response) {
        String id = id(request.getTaskId());
        LinkedBlockingQueue<Task> updates = new LinkedBlockingQueue<>();
        try (AutoCloseable subscription = engine.events().watch(id, updates::add)) {
            Task current = require(id);
            response.onNext(current);
            long deadline = System.nanoTime() + MAX_WATCH.toNanos();
            while (!TaskRules.finished(current.getState()) && !gone(response) && System.nanoTime() < deadline) {
                Task next = updates.poll(watchPoll.toMillis(), TimeUnit.MILLISECONDS);
                if (next == null) {
                    next = engine.find(id).orElse(current);
                }
                if (next.getVersion() > current.getVersion()) {
                    response.onNext(next);
                    current = next;
                }
            }
            response.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineHeroException.Unavailable("SHUTTING_DOWN", "the server is stopping; watch again", Duration.ofSeconds(1));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean gone(StreamObserver<Task> response) {
        if (response instanceof ServerCallStreamObserver<Task> call && call.isCancelled()) {
            return true;
        }
        return Context.current().isCancelled();
    }

    private Task require(String id) {
        return engine.find(id).orElseThrow(() -> FineHeroException.notFound("task", id));
    }
}
