package com.finehero.server.events;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.api.common.v1.Money;
import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestPaymentProvider;
import com.finehero.server.testing.TestSession;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event feed end to end over gRPC and SSE: a fine's changes arrive in order with growing ids, a
 * watcher resumes after the last event it got, each caller hears exactly what they may read (fines by
 * owner and jurisdiction scope, tasks by submitter, alerts by role). Each backend runs it through a
 * subclass; the apps keep a small watcher queue, so RESYNCs happen along the way and must lose nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EventsContractTest {

    abstract FineHeroExtension app();

    /** Settings every backend's app runs with. */
    static FineHeroExtension configured(FineHeroExtension app) {
        return TestPaymentProvider.configure(app).with("finehero.events.queue", "8")
                .with("finehero.rest.heartbeat", "PT0.5S")
                .with("finehero.monitoring.alerts.interval", "PT1H")
                .with("finehero.monitoring.alerts.cpu.enabled", "false")
                .with("finehero.monitoring.alerts.memory.enabled", "false")
                .with("finehero.monitoring.alerts.disk.warn", "0")
                .with("finehero.monitoring.alerts.disk.critical", "100");
    }

    FinesServiceGrpc.FinesServiceBlockingStub fines() {
        return FinesServiceGrpc.newBlockingStub(app().channel());
    }

    Fine fine(String ownerId, String jurisdiction) {
        long now = app().clock().instant().getEpochSecond();
        return fines().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("EV-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction(jurisdiction)
                .setViolationCode("P").setOwnerId(ownerId)
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
    }

    static WatchEventsRequest.Builder watch() {
        return WatchEventsRequest.newBuilder();
    }

    /** Subscribed once the watcher hears a fine created after it opened (which it must be able to see). */
    Fine awaitSubscribed(EventWatch watch, String ownerId, String jurisdiction) throws InterruptedException {
        // the subscription is made when the call starts; until then a sentinel may be missed, so repeat
        for (int attempt = 0; attempt < 20; attempt++) {
            Fine sentinel = fine(ownerId, jurisdiction);
            Object next;
            while ((next = watch.poll(Duration.ofMillis(500))) != null) {
                if (next instanceof Event event && event.getFine().getId().equals(sentinel.getId())) {
                    return sentinel;
                }
            }
        }
        throw new AssertionError("the watcher never heard a sentinel fine");
    }

    @Test
    void aFinesChangesArriveInOrderAndAWatcherResumesAfterTheLastItGot() throws Exception {
        Fine fine;
        List<Event> heard;
        try (EventWatch all = new EventWatch(app().channel(), watch().addTopics(EventTopic.EVENT_TOPIC_FINES).build())) {
            awaitSubscribed(all, "owner-1", "EV-A");
            fine = fine("owner-1", "EV-A");
            Fine updated = fines().updateFine(UpdateFineRequest.newBuilder()
                    .setFine(fine.toBuilder().setViolationDescription("parked on the cycle lane"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build());
            fines().contestFine(ContestFineRequest.newBuilder().setFineId(fine.getId())
                    .setReason("the sign was covered by a tree").build());
            fines().resolveContest(ResolveContestRequest.newBuilder().setFineId(fine.getId())
                    .setOutcome(ContestOutcome.CONTEST_OUTCOME_DISMISSED).build());
            assertThat(updated.getVersion()).isEqualTo(2);
            String id = fine.getId();
            heard = all.until(e -> e.getFine().getId().equals(id) && e.getKind() == EventKind.EVENT_KIND_FINE_CONTEST_RESOLVED)
                    .stream().filter(e -> e.getFine().getId().equals(id)).toList();
        }
        assertThat(heard).extracting(Event::getKind).containsExactly(EventKind.EVENT_KIND_FINE_CREATED,
                EventKind.EVENT_KIND_FINE_UPDATED, EventKind.EVENT_KIND_FINE_CONTESTED, EventKind.EVENT_KIND_FINE_CONTEST_RESOLVED);
        assertThat(heard).extracting(Event::getId).isSorted().doesNotHaveDuplicates();
        assertThat(heard).extracting(e -> e.getFine().getVersion()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(heard).allSatisfy(e -> assertThat(e.getTopic()).isEqualTo(EventTopic.EVENT_TOPIC_FINES));

        // a new stream after the first event replays the rest, from the outbox, in the same order
        try (EventWatch resumed = new EventWatch(app().channel(), watch().setFineId(fine.getId())
                .setAfterEventId(heard.getFirst().getId()).build())) {
            List<Event> replayed = resumed.until(e -> e.getKind() == EventKind.EVENT_KIND_FINE_CONTEST_RESOLVED);
            assertThat(replayed).extracting(Event::getId).containsExactlyElementsOf(heard.subList(1, 4).stream().map(Event::getId).toList());
        }

        // the same over Server-Sent Events, resuming with Last-Event-ID: id lines carry the event ids
        HttpResponse<InputStream> sse = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        app().uri("/v1/events:watch?fineId=" + fine.getId()))
                .header("authorization", "Bearer " + app().adminAccessToken())
                .header("Last-Event-ID", Long.toString(heard.get(1).getId()))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = sse.body()) {
            assertThat(sse.statusCode()).isEqualTo(200);
            assertThat(sse.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            List<String> ids = new ArrayList<>();
            String line;
            while (ids.size() < 3 && (line = lines.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    ids.add(line.substring(4));
                }
            }
            // first the stream's OPENED event, at the position it resumed from
            assertThat(ids).containsExactly(Long.toString(heard.get(1).getId()),
                    Long.toString(heard.get(2).getId()), Long.toString(heard.get(3).getId()));
        }
    }

    @Test
    void aBusyFineStreamsOverSseAndWebSocketAsFastAsItChanges() throws Exception {
        Fine fine = fine("owner-burst", "EV-B");
        Set<Long> overSse = ConcurrentHashMap.newKeySet();
        Set<Long> overSocket = ConcurrentHashMap.newKeySet();
        // as a browser's EventSource does: when a stream ends (its lifetime here is 5 s), open the next
        // with Last-Event-ID
        Thread sseReader = Thread.ofVirtual().start(() -> {
            String lastEventId = "";
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(app().uri("/v1/events:watch?fineId=" + fine.getId()))
                            .header("authorization", "Bearer " + app().adminAccessToken()).timeout(Duration.ofSeconds(30)).GET();
                    if (!lastEventId.isEmpty()) {
                        request.header("Last-Event-ID", lastEventId);
                    }
                    HttpResponse<InputStream> sse = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream body = sse.body()) {
                        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                        String line;
                        while ((line = lines.readLine()) != null) {
                            if (line.startsWith("id: ")) {
                                lastEventId = line.substring(4);
                            } else if (line.startsWith("data: ")) {
                                versionOf(line.substring(6), overSse);
                            }
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // the test is over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (SocketWatch socket = SocketWatch.open(wsUri("/v1/events?access_token=" + app().adminAccessToken()), null)) {
            socket.send("{\"subscribe\": {\"fineId\": \"" + fine.getId() + "\"}}");
            Thread.ofVirtual().start(() -> {
                try {
                    Object next;
                    while ((next = socket.poll(Duration.ofSeconds(30))) instanceof String text) {
                        versionOf(text, overSocket);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Fine current = fine;
            long subscribing = System.nanoTime();
            while (overSse.isEmpty() || overSocket.isEmpty()) {
                assertThat(Duration.ofNanos(System.nanoTime() - subscribing)).as("both streams hear the fine").isLessThan(Duration.ofSeconds(20));
                current = touched(current);
                Thread.sleep(200);
            }

            long first = current.getVersion() + 1;
            for (int i = 0; i < 200; i++) {
                current = touched(current);
            }
            List<Long> changes = java.util.stream.LongStream.rangeClosed(first, current.getVersion()).boxed().toList();
            // a stream that waited for its call to be ready by polling carried about 25 events a second
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                assertThat(overSse).as("over SSE").containsAll(changes);
                assertThat(overSocket).as("over WebSocket").containsAll(changes);
            });
            assertThat(sentByFace("sse")).as("events the server wrote to SSE streams, in its lag timer").isGreaterThanOrEqualTo(200);
            assertThat(sentByFace("websocket")).as("events the server wrote to WebSockets").isGreaterThanOrEqualTo(200);
            assertThat(app().get("/observe/metrics").body()).as("buckets only, no quantiles worked out per instance")
                    .contains("finehero_events_sent_lag_seconds_bucket")
                    .doesNotContainPattern("finehero_events_sent_lag_seconds\\{[^}]*quantile=");
        } finally {
            sseReader.interrupt();
        }
    }

    /** How many events the server's commit-to-sent lag timer counted for {@code face}. */
    private long sentByFace(String face) {
        java.util.regex.Matcher count = java.util.regex.Pattern
                .compile("(?m)^finehero_events_sent_lag_seconds_count\\{[^}]*face=\"" + face + "\"[^}]*} ([0-9.eE+]+)$")
                .matcher(app().get("/observe/metrics").body());
        return count.find() ? (long) Double.parseDouble(count.group(1)) : 0;
    }

    private Fine touched(Fine fine) {
        return fines().updateFine(UpdateFineRequest.newBuilder()
                .setFine(fine.toBuilder().setViolationDescription("changed at version " + fine.getVersion()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build());
    }

    /** Adds the fine version an event's JSON carries (a RESYNC marker or another frame carries none). */
    private static void versionOf(String json, Set<Long> versions) {
        try {
            Event.Builder event = Event.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(json, event);
            if (event.hasFine()) {
                versions.add(event.getFine().getVersion());
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // not an event
        }
    }

    @Test
    void everyStreamOpensWithWhereItStartsAndResumingThereMissesNothing() throws Exception {
        long opened;
        try (EventWatch first = new EventWatch(app().channel(), watch().addTopics(EventTopic.EVENT_TOPIC_FINES).build())) {
            Event event = (Event) first.poll(Duration.ofSeconds(20));
            assertThat(event.getKind()).isEqualTo(EventKind.EVENT_KIND_OPENED);
            opened = event.getId();
        }
        assertThat(opened).as("the feed's position: earlier tests have made events").isPositive();
        Fine missed = fine("owner-between", "EV-G"); // committed while no stream was open

        try (EventWatch resumed = new EventWatch(app().channel(), watch().addTopics(EventTopic.EVENT_TOPIC_FINES)
                .setAfterEventId(opened).build())) {
            Event event = (Event) resumed.poll(Duration.ofSeconds(20));
            assertThat(event.getKind()).isEqualTo(EventKind.EVENT_KIND_OPENED);
            assertThat(event.getId()).as("a resumed stream starts where it was asked to").isEqualTo(opened);
            List<Event> replayed = resumed.until(e -> e.getFine().getId().equals(missed.getId()));
            assertThat(replayed.getLast().getKind()).isEqualTo(EventKind.EVENT_KIND_FINE_CREATED);
            assertThat(replayed).extracting(Event::getId).allSatisfy(id -> assertThat(id).isGreaterThan(opened));
        }
    }

    @Test
    void theJavaClientResumesWhereItsStreamStartedWhenTheConnectionBreaksBeforeAnyEvent() throws Exception {
        try (com.finehero.server.testing.TcpProxy proxy = com.finehero.server.testing.TcpProxy.to(app().port());
             com.finehero.client.FineHeroClient client = com.finehero.client.FineHeroClient.builder()
                     .target("127.0.0.1", proxy.port()).deadline(Duration.ofSeconds(20))
                     .credentials(FineHeroExtension.ADMIN_USERNAME, FineHeroExtension.ADMIN_PASSWORD).build();
             com.finehero.client.EventStream events = client.events(watch().addTopics(EventTopic.EVENT_TOPIC_FINES).build())) {
            java.util.concurrent.CompletableFuture<Event> firstHeard = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    firstHeard.complete(events.next());
                } catch (RuntimeException e) {
                    firstHeard.completeExceptionally(e);
                }
            });
            // its OPENED came, then its connection breaks (tried again should the client be reconnecting
            // at that moment: a drop must hit an open connection)
            await().atMost(Duration.ofSeconds(20)).until(() -> events.lastEventId() > 0 && proxy.dropAll() > 0);
            Fine committedWhileDisconnected = fine("owner-offline", "EV-R");

            Event heard = firstHeard.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(heard.getKind()).isEqualTo(EventKind.EVENT_KIND_FINE_CREATED);
            assertThat(heard.getFine().getId()).isEqualTo(committedWhileDisconnected.getId());
        }
    }

    @Test
    void aBatchsEventsArriveInTheBatchsOrder() throws Exception {
        var tasks = TasksServiceGrpc.newBlockingStub(app().channel());
        com.finehero.api.tasks.v1.BatchSubmitTasksRequest.Builder batch = com.finehero.api.tasks.v1.BatchSubmitTasksRequest.newBuilder();
        com.google.protobuf.Timestamp tomorrow = Timestamp.newBuilder().setSeconds(app().clock().instant().getEpochSecond() + 86400).build();
        for (int i = 0; i < 500; i++) {
            batch.addRequests(SubmitTaskRequest.newBuilder().setType("noop").setRunAt(tomorrow));
        }
        try (EventWatch watch = new EventWatch(app().channel(), watch().addTopics(EventTopic.EVENT_TOPIC_TASKS).build())) {
            assertThat(((Event) watch.poll(Duration.ofSeconds(20))).getKind()).isEqualTo(EventKind.EVENT_KIND_OPENED);
            List<String> submitted = tasks.batchSubmitTasks(batch.build()).getTasksList().stream().map(Task::getId).toList();
            Set<String> ours = Set.copyOf(submitted);
            List<Event> heard = watch.until(e -> e.getTask().getId().equals(submitted.getLast())).stream()
                    .filter(e -> ours.contains(e.getTask().getId())).toList();
            assertThat(heard).extracting(e -> e.getTask().getId()).containsExactlyElementsOf(submitted);
            assertThat(heard).extracting(Event::getId).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void anIdleSseStreamSendsHeadersAtOnceThenHeartbeats() throws Exception {
        long started = System.nanoTime();
        HttpResponse<InputStream> sse = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        app().uri("/v1/events:watch?topics=EVENT_TOPIC_ALERTS"))
                .header("authorization", "Bearer " + app().adminAccessToken())
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = sse.body()) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("headers come before any event").isLessThan(Duration.ofSeconds(10));
            assertThat(sse.statusCode()).isEqualTo(200);
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            List<String> read = new ArrayList<>();
            String line;
            while ((line = lines.readLine()) != null && !line.equals(": heartbeat")) {
                read.add(line);
            }
            assertThat(line).as("a heartbeat after the opening event").isEqualTo(": heartbeat");
            assertThat(read).as("the opening event, then nothing until the heartbeat")
                    .anySatisfy(l -> assertThat(l).startsWith("id: "))
                    .anySatisfy(l -> assertThat(l).startsWith("data: ").contains("EVENT_KIND_OPENED"))
                    .allSatisfy(l -> assertThat(l).matches("(id: \\d+|event: .*|data: .*|)"));
        }
    }

    @Test
    void eachCallerHearsExactlyWhatTheyMayRead() throws Exception {
        TestSession viewerA = app().userWith(Role.ROLE_VIEWER);
        TestSession viewerB = app().userWith(Role.ROLE_VIEWER);
        TestSession analyst = app().userWith(Role.ROLE_ANALYST);
        TestSession apiUser = app().userWith(Role.ROLE_API_USER);
        String sf = "EV" + UUID.randomUUID().toString().substring(0, 4).toUpperCase() + "-SF";
        String la = sf.replace("-SF", "-LA");
        Channel scopedKey = scopedApiKey(sf);

        Map<String, Channel> callers = new java.util.LinkedHashMap<>();
        callers.put("admin", app().channel());
        callers.put("viewerA", viewerA.channel());
        callers.put("viewerB", viewerB.channel());
        callers.put("analyst", analyst.channel());
        callers.put("apiUser", apiUser.channel());
        callers.put("scopedKey", scopedKey);
        Map<String, EventWatch> watches = new java.util.LinkedHashMap<>();
        try {
            callers.forEach((name, channel) -> watches.put(name, new EventWatch(channel, watch().build())));
            for (Map.Entry<String, EventWatch> watch : watches.entrySet()) {
                String owner = watch.getKey().equals("viewerA") ? viewerA.userId() : watch.getKey().equals("viewerB") ? viewerB.userId() : "x";
                awaitSubscribed(watch.getValue(), owner, sf);
            }

            Fine finesOfA = fine(viewerA.userId(), sf);
            Fine finesOfBInLa = fine(viewerB.userId(), la);
            Task apiUsersTask = TasksServiceGrpc.newBlockingStub(apiUser.channel())
                    .submitTask(SubmitTaskRequest.newBuilder().setType("noop").build());
            app().clock().advance(Duration.ofHours(1));
            String alert = app().app().alerts().evaluator().evaluateNow().changes().stream()
                    .filter(a -> a.getRule().equals("disk")).findFirst().orElseThrow().getId();
            Fine lastForA = fine(viewerA.userId(), sf);
            Fine last = fine(viewerB.userId(), sf);

            Map<String, Set<String>> heard = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, EventWatch> watch : watches.entrySet()) {
                String end = watch.getKey().equals("viewerA") ? lastForA.getId() : last.getId();
                heard.put(watch.getKey(), watch.getValue().until(e -> e.getFine().getId().equals(end)).stream()
                        .map(EventsContractTest::subjectId).collect(Collectors.toSet()));
            }
            String a = finesOfA.getId();
            String b = finesOfBInLa.getId();
            String t = apiUsersTask.getId();
            assertThat(heard.get("admin")).contains(a, b, t, alert);
            assertThat(heard.get("analyst")).contains(a, b, t, alert);
            assertThat(heard.get("viewerA")).contains(a).doesNotContain(b, t, alert);
            assertThat(heard.get("viewerB")).contains(b).doesNotContain(a, t, alert);
            assertThat(heard.get("apiUser")).as("API users see every owner's fines and their own tasks, no alerts")
                    .contains(a, b, t).doesNotContain(alert);
            assertThat(heard.get("scopedKey")).as("a key scoped to " + sf).contains(a).doesNotContain(b, t, alert);
        } finally {
            watches.values().forEach(EventWatch::close);
        }
    }

    @Test
    void paymentsOverdueAndDeletionsReachOnlyThoseWhoMayReadTheFine() throws Exception {
        TestSession viewerA = app().userWith(Role.ROLE_VIEWER);
        TestSession viewerB = app().userWith(Role.ROLE_VIEWER);
        TestSession analyst = app().userWith(Role.ROLE_ANALYST);
        String sf = "EK" + UUID.randomUUID().toString().substring(0, 4).toUpperCase() + "-SF";
        Map<String, TestSession> sessions = Map.of("viewerA", viewerA, "viewerB", viewerB, "analyst", analyst);
        Map<String, EventWatch> watches = new java.util.LinkedHashMap<>();
        try {
            watches.put("admin", new EventWatch(app().channel(), watch().build()));
            sessions.forEach((name, session) -> watches.put(name, new EventWatch(session.channel(), watch().build())));
            for (Map.Entry<String, EventWatch> watch : watches.entrySet()) {
                String owner = watch.getKey().startsWith("viewer") ? sessions.get(watch.getKey()).userId() : "x";
                awaitSubscribed(watch.getValue(), owner, sf);
            }
            Map<String, String> finesOf = new java.util.HashMap<>();
            for (TestSession viewer : List.of(viewerA, viewerB)) {
                String who = viewer == viewerA ? "A" : "B";
                Fine paid = fine(viewer.userId(), sf);
                // the viewer's own payment is recorded, then the provider confirms it; the admin's is recorded confirmed
                new TestPaymentProvider(app()).confirm(FinesServiceGrpc.newBlockingStub(viewer.channel()).payFine(
                        com.finehero.api.fines.v1.PayFineRequest.newBuilder().setFineId(paid.getId())
                                .setIdempotencyKey("pay-" + paid.getId()).setAmount(paid.getAmount()).build()).getPayment());
                Fine settled = fine(viewer.userId(), sf);
                fines().payFine(com.finehero.api.fines.v1.PayFineRequest.newBuilder().setFineId(settled.getId())
                        .setIdempotencyKey("desk-" + settled.getId()).setAmount(settled.getAmount()).build());
                Fine late = lateFine(viewer.userId(), sf);
                Fine gone = fine(viewer.userId(), sf);
                fines().deleteFine(com.finehero.api.fines.v1.DeleteFineRequest.newBuilder().setFineId(gone.getId()).build());
                finesOf.put("paid" + who, paid.getId());
                finesOf.put("settled" + who, settled.getId());
                finesOf.put("late" + who, late.getId());
                finesOf.put("gone" + who, gone.getId());
            }
            app().app().overdueSweeper().sweep();
            Fine endA = fine(viewerA.userId(), sf);
            Fine endB = fine(viewerB.userId(), sf);

            Map<String, Set<String>> heard = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, EventWatch> watch : watches.entrySet()) {
                String end = watch.getKey().equals("viewerA") ? endA.getId() : endB.getId();
                heard.put(watch.getKey(), watch.getValue().until(e -> e.getFine().getId().equals(end)).stream()
                        .filter(e -> e.getSubjectCase() == Event.SubjectCase.FINE)
                        .map(e -> e.getKind().name().substring("EVENT_KIND_".length()) + " " + e.getFine().getId())
                        .collect(Collectors.toSet()));
            }
            for (String who : List.of("A", "B")) {
                Set<String> expected = Set.of("FINE_PAYMENT_RECORDED " + finesOf.get("paid" + who),
                        "FINE_PAYMENT_CONFIRMED " + finesOf.get("paid" + who),
                        "FINE_PAYMENT_RECORDED " + finesOf.get("settled" + who),
                        "FINE_OVERDUE " + finesOf.get("late" + who),
                        "FINE_DELETED " + finesOf.get("gone" + who));
                String other = who.equals("A") ? "B" : "A";
                assertThat(heard.get("viewer" + who)).as("viewer " + who + " hears each kind about their own fines")
                        .containsAll(expected);
                assertThat(heard.get("viewer" + other)).as("viewer " + other + " hears nothing of " + who + "'s fines")
                        .doesNotContainAnyElementsOf(expected);
                assertThat(heard.get("admin")).containsAll(expected);
                assertThat(heard.get("analyst")).containsAll(expected);
            }
        } finally {
            watches.values().forEach(EventWatch::close);
        }
    }

    /** A fine already past its due time, for the overdue sweep. */
    private Fine lateFine(String ownerId, String jurisdiction) {
        long now = app().clock().instant().getEpochSecond();
        return fines().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("EV-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction(jurisdiction)
                .setViolationCode("P").setOwnerId(ownerId)
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now - 3 * 86400))
                .setDueTime(Timestamp.newBuilder().setSeconds(now - 86400))).build());
    }

    @Test
    void overWebSocketEachCallerHearsWhatTheyMayReadAsTheSameJsonSseSends() throws Exception {
        TestSession viewerA = app().userWith(Role.ROLE_VIEWER);
        TestSession viewerB = app().userWith(Role.ROLE_VIEWER);
        String sf = "WS" + UUID.randomUUID().toString().substring(0, 4).toUpperCase() + "-SF";
        // a browser cannot set headers on a WebSocket: the token comes as a query parameter
        try (SocketWatch socket = SocketWatch.open(wsUri("/v1/events?access_token=" + viewerA.accessToken()), null)) {
            socket.send("{\"subscribe\": {\"topics\": [\"EVENT_TOPIC_FINES\"], \"mine\": true}}");
            Fine mine = awaitOnSocket(socket, viewerA.userId(), sf);
            Fine othersFine = fine(viewerB.userId(), sf);
            fines().updateFine(UpdateFineRequest.newBuilder().setFine(mine.toBuilder().setViolationDescription("double parked"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build());
            List<Event> heard = new ArrayList<>();
            while (heard.stream().noneMatch(e -> e.getKind() == EventKind.EVENT_KIND_FINE_UPDATED)) {
                Object next = socket.poll(Duration.ofSeconds(10));
                assertThat(next).as("the update arrives on the socket").isInstanceOf(String.class);
                Event.Builder event = Event.newBuilder();
                JsonFormat.parser().merge((String) next, event);
                heard.add(event.build());
            }
            assertThat(heard).extracting(e -> e.getFine().getId()).containsOnly(mine.getId()).doesNotContain(othersFine.getId());
            assertThat(heard.getLast().getFine().getViolationDescription()).isEqualTo("double parked");
        }
    }

    @Test
    void aWebSocketWithoutGoodCredentialsIsClosedWithTheReason() throws Exception {
        try (SocketWatch none = SocketWatch.open(wsUri("/v1/events"), null)) {
            SocketWatch.Closed closed = none.awaitClose(Duration.ofSeconds(10));
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).startsWith("UNAUTHENTICATED");
        }
        try (SocketWatch forged = SocketWatch.open(wsUri("/v1/events"), "Bearer not-a-token")) {
            assertThat(forged.awaitClose(Duration.ofSeconds(10))).satisfies(c -> {
                assertThat(c.code()).isEqualTo(1008);
                assertThat(c.reason()).startsWith("UNAUTHENTICATED");
            });
        }
        String expiring = app().userWith(Role.ROLE_VIEWER).accessToken();
        app().clock().advance(Duration.ofMinutes(16)); // past finehero.auth.access-token-ttl (15 min)
        try (SocketWatch expired = SocketWatch.open(wsUri("/v1/events"), "Bearer " + expiring)) {
            assertThat(expired.awaitClose(Duration.ofSeconds(10))).satisfies(c -> {
                assertThat(c.code()).isEqualTo(1008);
                assertThat(c.reason()).startsWith("UNAUTHENTICATED").contains("expired");
            });
        }
        TestSession revoked = app().userWith(Role.ROLE_VIEWER);
        String token = revoked.accessToken();
        AuthServiceGrpc.newBlockingStub(app().channel()).revokeUserTokens(
                com.finehero.api.auth.v1.RevokeUserTokensRequest.newBuilder().setUserId(revoked.userId()).build());
        try (SocketWatch stale = SocketWatch.open(wsUri("/v1/events"), "Bearer " + token)) {
            assertThat(stale.awaitClose(Duration.ofSeconds(10))).satisfies(c -> {
                assertThat(c.code()).isEqualTo(1008);
                assertThat(c.reason()).contains("revoked");
            });
        }
    }

    @Test
    void aBadSubscribeIsAnsweredAndTheSocketStaysOpen() throws Exception {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        String sf = "WB" + UUID.randomUUID().toString().substring(0, 4).toUpperCase() + "-SF";
        try (SocketWatch socket = SocketWatch.open(wsUri("/v1/events"), "Bearer " + viewer.accessToken())) {
            socket.send("not json");
            assertThat((String) socket.poll(Duration.ofSeconds(10))).contains("\"error\"").contains("malformed JSON");
            socket.send("{\"subscribe\": {\"fineId\": \"not-a-uuid\"}}");
            assertThat((String) socket.poll(Duration.ofSeconds(10))).contains("\"error\"").contains("fine_id");
            socket.send("{\"subscribe\": {\"mine\": true}}");
            awaitOnSocket(socket, viewer.userId(), sf);
        }
    }

    /** Subscribed once the socket hears a fine of {@code ownerId} created after the subscribe. */
    private Fine awaitOnSocket(SocketWatch socket, String ownerId, String jurisdiction) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Fine sentinel = fine(ownerId, jurisdiction);
            Object next;
            while ((next = socket.poll(Duration.ofMillis(500))) != null) {
                assertThat(next).as("the socket stays open").isInstanceOf(String.class);
                if (((String) next).contains(sentinel.getId())) {
                    return sentinel;
                }
            }
        }
        throw new AssertionError("the socket never heard a sentinel fine");
    }

    private java.net.URI wsUri(String path) {
        return java.net.URI.create(app().uri(path).toString().replaceFirst("^http", "ws"));
    }

    private static String subjectId(Event event) {
        return switch (event.getSubjectCase()) {
            case FINE -> event.getFine().getId();
            case TASK -> event.getTask().getId();
            case ALERT -> event.getAlert().getId();
            default -> "";
        };
    }

    /** A channel calling with an API key of a new API user scoped to {@code scope}. */
    private Channel scopedApiKey(String scope) {
        AuthServiceGrpc.AuthServiceBlockingStub admin = AuthServiceGrpc.newBlockingStub(app().channel());
        String username = "scoped-" + UUID.randomUUID().toString().substring(0, 8);
        User owner = admin.createUser(CreateUserRequest.newBuilder().setUsername(username).setPassword("password-of-" + username)
                .addRoles(Role.ROLE_API_USER).setJurisdictionScope(scope).build());
        String key = admin.createApiKey(CreateApiKeyRequest.newBuilder().setName("city key").setOwnerId(owner.getUserId())
                .build()).getSecret();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return ClientInterceptors.intercept(app().anonymousChannel(), MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
