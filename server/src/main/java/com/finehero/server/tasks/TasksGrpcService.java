package com.finehero.server.tasks;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
import com.finehero.server.platform.security.Principal;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.reply;

/** The gRPC face of the task engine. Requests arrive validated against the contract's rules. */
final class TasksGrpcService extends TasksServiceGrpc.TasksServiceImplBase {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    /** A watch ends after this long even if the task has not (clients re-watch). */
    static final Duration MAX_WATCH = Duration.ofHours(1);

    private final TaskEngine engine;
    private final Duration watchPoll;
    private final int maxWatchesPerUser;
    /** Open WatchTask streams per caller (subject) on this instance. */
    private final ConcurrentHashMap<String, Integer> watches = new ConcurrentHashMap<>();

    /**
     * @param watchPoll          how often WatchTask re-reads a task that changes on another instance
     * @param maxWatchesPerUser  WatchTask streams one caller may hold open at once on this instance
     */
    public TasksGrpcService(TaskEngine engine, Duration watchPoll, int maxWatchesPerUser) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.watchPoll = Objects.requireNonNull(watchPoll, "watchPoll");
        if (maxWatchesPerUser < 1) {
            throw new IllegalArgumentException("maxWatchesPerUser: " + maxWatchesPerUser + " (expected: >= 1)");
        }
        this.maxWatchesPerUser = maxWatchesPerUser;
    }

    @Override
    public void submitTask(SubmitTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.submit(Principal.current(), request));
    }

    @Override
    public void batchSubmitTasks(BatchSubmitTasksRequest request, StreamObserver<BatchSubmitTasksResponse> response) {
        reply(response, BatchSubmitTasksResponse.newBuilder()
                .addAllTasks(engine.submitAll(Principal.current(), request.getRequestsList())).build());
    }

    @Override
    public void getTask(GetTaskRequest request, StreamObserver<Task> response) {
        reply(response, require(Principal.current(), id(request.getTaskId())));
    }

    @Override
    public void listTasks(ListTasksRequest request, StreamObserver<ListTasksResponse> response) {
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        String scope = request.getType() + "|" + request.getStatesList().stream().map(Enum::name).sorted()
                .collect(Collectors.joining(",")) + "|" + request.getPriorityValue();
        TaskStore.TaskQuery query = new TaskStore.TaskQuery(request.getType(), request.getStatesList(),
                request.getPriorityValue(), KeysetPage.after(request.getPageToken(), scope, TaskStore.Cursor::new), null);
        Principal caller = Principal.current();
        KeysetPage<Task> page = KeysetPage.fetch(limit, scope, n -> engine.list(caller, query, n),
                task -> KeysetPage.position(task.getCreateTime(), task.getId()));
        reply(response, ListTasksResponse.newBuilder().addAllTasks(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    @Override
    public void cancelTask(CancelTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.cancel(Principal.current(), id(request.getTaskId())));
    }

    @Override
    public void retryTask(RetryTaskRequest request, StreamObserver<Task> response) {
        reply(response, engine.retry(Principal.current(), id(request.getTaskId())));
    }

    @Override
    public void getQueueStats(GetQueueStatsRequest request, StreamObserver<QueueStats> response) {
        reply(response, engine.stats(request.getType()));
    }

    /**
     * Sends the task, then each newer snapshot: those this instance publishes as they happen, and
     * what a re-read finds every watch-poll (changes made on another instance). Ends when the task
     * is finished, the caller goes away, or after {@link #MAX_WATCH}. Each open watch re-reads the
     * database, so a caller may hold only {@code maxWatchesPerUser} at once.
     */
    @Override
    public void watchTask(WatchTaskRequest request, StreamObserver<Task> response) {
        String id = id(request.getTaskId());
        Principal caller = Principal.current();
        LinkedBlockingQueue<Task> updates = new LinkedBlockingQueue<>();
        try (AutoCloseable slot = watchSlot(caller.subject());
             AutoCloseable subscription = engine.events().watch(id, updates::add)) {
            Task current = require(caller, id);
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

    /** Takes one of the caller's watch slots, released on close; RESOURCE_EXHAUSTED when all are taken. */
    private AutoCloseable watchSlot(String subject) {
        boolean[] taken = {false};
        watches.compute(subject, (who, open) -> {
            int now = open == null ? 0 : open;
            if (now >= maxWatchesPerUser) {
                return open;
            }
            taken[0] = true;
            return now + 1;
        });
        if (!taken[0]) {
            throw new FineHeroException.RateLimited("TOO_MANY_WATCHES", "you have " + maxWatchesPerUser
                    + " WatchTask streams open, the most one caller may hold at once (finehero.tasks.max-watches-per-user = "
                    + maxWatchesPerUser + "); close one first", Duration.ofSeconds(1));
        }
        return () -> watches.computeIfPresent(subject, (who, open) -> open <= 1 ? null : open - 1);
    }

    private Task require(Principal caller, String id) {
        return engine.find(caller, id).orElseThrow(() -> FineHeroException.notFound("task", id));
    }
}
