package com.finehero.server.tasks;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
import com.finehero.api.events.v1.Event;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.FeedEvent;
import com.finehero.server.platform.events.ReadyWait;
import com.finehero.server.platform.events.Subscription;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.rpc.Replies;
import com.finehero.server.platform.security.Principal;
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
    private final EventFeed feed;
    private final int maxWatchesPerUser;
    /** Open WatchTask streams per caller (subject) on this instance. */
    private final ConcurrentHashMap<String, Integer> watches = new ConcurrentHashMap<>();

    /**
     * @param feed               where WatchTask hears of changes (made on any instance)
     * @param maxWatchesPerUser  WatchTask streams one caller may hold open at once on this instance
     */
    public TasksGrpcService(TaskEngine engine, EventFeed feed, int maxWatchesPerUser) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.feed = Objects.requireNonNull(feed, "feed");
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
     * Sends the task, then each newer snapshot as the event feed delivers it (changes made on any
     * instance; no re-reading), and ends when the task is finished, the caller goes away, or after
     * {@link #MAX_WATCH}. A watcher that fell behind gets the task re-read once (RESYNC).
     */
    @Override
    public void watchTask(WatchTaskRequest request, StreamObserver<Task> response) {
        String id = id(request.getTaskId());
        Principal caller = Principal.current();
        ServerCallStreamObserver<Task> call = (ServerCallStreamObserver<Task>) response;
        ReadyWait ready = new ReadyWait(call);
        try (AutoCloseable slot = watchSlot(caller.subject());
             Subscription changes = feed.subscribe(caller, com.finehero.server.platform.observe.RequestContext.streamFace(),
                     java.util.Set.of(id), event -> event.topic().equals(TaskFeedEvents.TOPIC) && event.recordId().equals(id), 0)) {
            Task current = require(caller, id);
            response.onNext(current);
            long deadline = System.nanoTime() + MAX_WATCH.toNanos();
            while (!TaskRules.finished(current.getState()) && !ready.cancelled() && System.nanoTime() < deadline) {
                FeedEvent event = changes.next(Duration.ofSeconds(1));
                if (event == null) {
                    if (changes.ended()) {
                        break;
                    }
                    continue;
                }
                Task next = event.isResync() ? engine.find(id).orElse(current) : Event.parseFrom(event.payload()).getTask();
                if (next.getVersion() > current.getVersion() && ready.await()) {
                    response.onNext(next);
                    changes.sent(event);
                    current = next;
                }
            }
            if (!ready.cancelled()) {
                response.onCompleted();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineHeroException.Unavailable("SHUTTING_DOWN", "the server is stopping; watch again", Duration.ofSeconds(1));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
