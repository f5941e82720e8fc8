package com.finehero.server.fines;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.SetUserJurisdictionScopeRequest;
import com.finehero.api.auth.v1.User;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.GetFineStatsRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A jurisdiction scope limits a user or API key to one jurisdiction and those below it, in every
 * query: a US-CA-SF key reads SF and SF-DOWNTOWN, never LA (nor SFO, which only shares letters), writes
 * only there, and its imports and exports stay there. One subclass per backend.
 */
abstract class JurisdictionScopeContractTest {

    abstract FineHeroExtension app();

    String base;
    String sf;
    String downtown;
    String sfo;
    String la;

    @BeforeEach
    void jurisdictions() {
        base = "J" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-CA";
        sf = base + "-SF";
        downtown = sf + "-DOWNTOWN";
        sfo = base + "-SFO";
        la = base + "-LA";
    }

    AuthServiceGrpc.AuthServiceBlockingStub admin() {
        return AuthServiceGrpc.newBlockingStub(app().channel());
    }

    User scopedUser(String scope, Role... roles) {
        String username = "scoped-" + UUID.randomUUID().toString().substring(0, 8);
        return admin().createUser(CreateUserRequest.newBuilder().setUsername(username).setPassword("password-of-" + username)
                .addAllRoles(List.of(roles)).setJurisdictionScope(scope).build());
    }

    /** A new key of {@code owner}, created by the admin. */
    String keyOf(User owner, String scope) {
        return admin().createApiKey(CreateApiKeyRequest.newBuilder().setName("city key").setOwnerId(owner.getUserId())
                .setJurisdictionScope(scope).build()).getSecret();
    }

    Channel withKey(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return ClientInterceptors.intercept(app().anonymousChannel(), MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static FinesServiceGrpc.FinesServiceBlockingStub fines(Channel channel) {
        return FinesServiceGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(20));
    }

    Fine fineIn(String jurisdiction) {
        return Fixtures.fine(app(), app().channel(), "JS-" + UUID.randomUUID().toString().substring(0, 8), jurisdiction);
    }

    Task run(Channel channel, String type, Struct payload) {
        String id = TasksServiceGrpc.newBlockingStub(channel).submitTask(SubmitTaskRequest.newBuilder().setType(type)
                .setPayload(payload).build()).getId();
        TasksServiceGrpc.TasksServiceBlockingStub tasks = TasksServiceGrpc.newBlockingStub(app().channel());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            TaskState state = tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build()).getState();
            return state == TaskState.TASK_STATE_SUCCEEDED || state == TaskState.TASK_STATE_DEAD;
        });
        return tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build());
    }

    static Struct payload(String key, String value) {
        return Struct.newBuilder().putFields(key, Value.newBuilder().setStringValue(value).build()).build();
    }

    @Test
    void aCitysKeyReadsItsJurisdictionAndThoseBelowItOnly() {
        Fine inSf = fineIn(sf);
        Fine inDowntown = fineIn(downtown);
        Fine inSfo = fineIn(sfo);
        List<Fine> inLa = List.of(fineIn(la), fineIn(la), fineIn(la)); // newest: a filter after paging would return short pages
        Channel key = withKey(keyOf(scopedUser(sf, Role.ROLE_API_USER, Role.ROLE_ANALYST), ""));

        assertThat(fines(key).getFine(GetFineRequest.newBuilder().setFineId(inSf.getId()).build())).isEqualTo(inSf);
        assertThat(fines(key).getFine(GetFineRequest.newBuilder().setFineId(inDowntown.getId()).build())).isEqualTo(inDowntown);
        failure(Code.NOT_FOUND, () -> fines(key).getFine(GetFineRequest.newBuilder().setFineId(inLa.getFirst().getId()).build()));
        failure(Code.NOT_FOUND, () -> fines(key).getFine(GetFineRequest.newBuilder().setFineId(inSfo.getId()).build()));

        ListFinesResponse first = fines(key).listFines(ListFinesRequest.newBuilder().setPageSize(1).build());
        ListFinesResponse second = fines(key).listFines(ListFinesRequest.newBuilder().setPageSize(1)
                .setPageToken(first.getNextPageToken()).build());
        assertThat(first.getFinesCount()).isEqualTo(1);
        assertThat(second.getFinesCount()).isEqualTo(1);
        assertThat(List.of(first.getFines(0).getId(), second.getFines(0).getId()))
                .containsExactlyInAnyOrder(inSf.getId(), inDowntown.getId());
        assertThat(fines(key).listFines(ListFinesRequest.newBuilder().setPageSize(10).build()).getFinesList())
                .extracting(Fine::getJurisdiction).allMatch(j -> j.equals(sf) || j.startsWith(sf + "-"));
        assertThat(fines(key).listFines(ListFinesRequest.newBuilder().setJurisdiction(la).build()).getFinesList()).isEmpty();

        List<FineStatsGroup> stats = fines(key).getFineStats(GetFineStatsRequest.getDefaultInstance()).getGroupsList();
        assertThat(stats).extracting(FineStatsGroup::getJurisdiction).allMatch(j -> j.equals(sf) || j.startsWith(sf + "-"))
                .contains(sf, downtown);
        assertThat(fines(key).getFineStats(GetFineStatsRequest.newBuilder().setJurisdiction(la).build()).getTotalCount()).isZero();
    }

    @Test
    void aCitysKeyWritesOnlyWithinItsScope() {
        Fine inSf = fineIn(sf);
        Fine inLa = fineIn(la);
        Channel key = withKey(keyOf(scopedUser(sf, Role.ROLE_API_USER), ""));

        StatusRuntimeException created = failure(Code.PERMISSION_DENIED, () -> fines(key).createFine(CreateFineRequest.newBuilder()
                .setFine(inLa.toBuilder().clearId().setCitationNumber("JS-NEW")).build()));
        assertThat(reason(created)).isEqualTo("OUT_OF_SCOPE");
        assertThat(created.getStatus().getDescription()).contains(la).contains(sf);
        Fine fresh = fines(key).createFine(CreateFineRequest.newBuilder()
                .setFine(inLa.toBuilder().clearId().setCitationNumber("JS-NEW").setJurisdiction(downtown.toLowerCase())).build());
        assertThat(fresh.getJurisdiction()).isEqualTo(downtown);

        FieldMask jurisdiction = FieldMask.newBuilder().addPaths("jurisdiction").build();
        failure(Code.NOT_FOUND, () -> fines(key).updateFine(UpdateFineRequest.newBuilder()
                .setFine(inLa.toBuilder().setJurisdiction(sf)).setUpdateMask(jurisdiction).build()));
        StatusRuntimeException moved = failure(Code.PERMISSION_DENIED, () -> fines(key).updateFine(UpdateFineRequest.newBuilder()
                .setFine(inSf.toBuilder().setJurisdiction(la)).setUpdateMask(jurisdiction).build()));
        assertThat(reason(moved)).isEqualTo("OUT_OF_SCOPE");
        assertThat(fines(app().channel()).getFine(GetFineRequest.newBuilder().setFineId(inLa.getId()).build())).isEqualTo(inLa);
    }

    @Test
    void importsAndExportsStayWithinTheScope() {
        Fine inSf = fineIn(sf);
        Fine inLa = fineIn(la);
        User owner = scopedUser(sf, Role.ROLE_API_USER, Role.ROLE_ANALYST);
        Channel key = withKey(keyOf(owner, ""));

        String header = "citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time\n";
        String csv = header + "JS-IMP-SF," + downtown + ",P,10.00,EUR,2026-11-01T00:00:00Z,2026-12-31T00:00:00Z\n"
                + "JS-IMP-LA," + la + ",P,10.00,EUR,2026-11-01T00:00:00Z,2026-12-31T00:00:00Z\n";
        Task imported = run(key, "fine_import", payload("csv", csv));
        assertThat(imported.getState()).as(imported.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(imported.getResult().getFieldsOrThrow("invalid").getListValue().getValuesList()).hasSize(1)
                .first().extracting(v -> v.getStructValue().getFieldsOrThrow("reason").getStringValue()).asString()
                .contains("jurisdiction: " + la);
        assertThat(fines(app().channel()).listFines(ListFinesRequest.newBuilder().setJurisdiction(la).build()).getFinesList())
                .extracting(Fine::getCitationNumber).containsExactly(inLa.getCitationNumber());
        assertThat(fines(app().channel()).listFines(ListFinesRequest.newBuilder().setJurisdiction(downtown).build()).getFinesList())
                .extracting(Fine::getCitationNumber).containsExactly("JS-IMP-SF");

        Task export = run(key, "fines_export", Struct.getDefaultInstance());
        assertThat(export.getState()).as(export.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        Document document = DocumentsServiceGrpc.newBlockingStub(key).getDocument(GetDocumentRequest.newBuilder()
                .setDocumentId(export.getResult().getFieldsOrThrow("document_id").getStringValue()).build());
        assertThat(document.getJurisdiction()).isEqualTo(sf);
        assertThat(document.getContent()).contains(inSf.getCitationNumber()).contains("JS-IMP-SF")
                .doesNotContain(inLa.getCitationNumber()).doesNotContain("," + la + ",");
        for (String line : document.getContent().lines().skip(1).toList()) {
            assertThat(line).containsPattern("," + sf + "(-[A-Z0-9_.-]+)?,");
        }
    }

    @Test
    void privateDocumentsFollowTheScopeAndPublicOnesStayReadable() {
        DocumentsServiceGrpc.DocumentsServiceBlockingStub asAdmin = DocumentsServiceGrpc.newBlockingStub(app().channel());
        Document publicLa = asAdmin.createDocument(document(la, Visibility.VISIBILITY_PUBLIC));
        Document privateLa = asAdmin.createDocument(document(la, Visibility.VISIBILITY_PRIVATE));
        Document privateSf = asAdmin.createDocument(document(sf, Visibility.VISIBILITY_PRIVATE));
        DocumentsServiceGrpc.DocumentsServiceBlockingStub key = DocumentsServiceGrpc.newBlockingStub(
                withKey(keyOf(scopedUser(sf, Role.ROLE_API_USER, Role.ROLE_ANALYST), "")));

        assertThat(key.getDocument(get(publicLa)).getId()).isEqualTo(publicLa.getId());
        assertThat(key.getDocument(get(privateSf)).getId()).isEqualTo(privateSf.getId());
        failure(Code.NOT_FOUND, () -> key.getDocument(get(privateLa)));
        assertThat(reason(failure(Code.PERMISSION_DENIED, () -> key.createDocument(document(la, Visibility.VISIBILITY_PUBLIC)))))
                .isEqualTo("OUT_OF_SCOPE");
        assertThat(key.createDocument(document("", Visibility.VISIBILITY_PRIVATE)).getJurisdiction()).isEqualTo(sf);
    }

    CreateDocumentRequest document(String jurisdiction, Visibility visibility) {
        return CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder().setTitle("Notes " + jurisdiction)
                .setKind(DocumentKind.DOCUMENT_KIND_GUIDE).setJurisdiction(jurisdiction).setContent("text")
                .setVisibility(visibility)).build();
    }

    static GetDocumentRequest get(Document document) {
        return GetDocumentRequest.newBuilder().setDocumentId(document.getId()).build();
    }

    @Test
    void aKeyReachesNoFurtherThanItsOwner() {
        User owner = scopedUser(sf, Role.ROLE_API_USER);
        for (String wider : List.of(base, la, sfo)) {
            StatusRuntimeException refused = failure(Code.PERMISSION_DENIED, () -> keyOf(owner, wider));
            assertThat(reason(refused)).isEqualTo("SCOPE_WIDER_THAN_OWNER");
            assertThat(refused.getStatus().getDescription()).contains(wider).contains(sf);
        }
        Fine inSf = fineIn(sf);
        Fine inDowntown = fineIn(downtown);
        Channel narrow = withKey(keyOf(owner, downtown));
        failure(Code.NOT_FOUND, () -> fines(narrow).getFine(GetFineRequest.newBuilder().setFineId(inSf.getId()).build()));
        assertThat(fines(narrow).getFine(GetFineRequest.newBuilder().setFineId(inDowntown.getId()).build())).isEqualTo(inDowntown);
        assertThat(AuthServiceGrpc.newBlockingStub(narrow).getMe(GetMeRequest.getDefaultInstance()).getJurisdictionScope())
                .isEqualTo(downtown);

        // the owner's scope narrows: a key that named none follows at once on this instance
        Channel inherited = withKey(keyOf(owner, ""));
        assertThat(fines(inherited).getFine(GetFineRequest.newBuilder().setFineId(inSf.getId()).build())).isEqualTo(inSf);
        admin().setUserJurisdictionScope(SetUserJurisdictionScopeRequest.newBuilder().setUserId(owner.getUserId())
                .setJurisdictionScope(downtown).build());
        failure(Code.NOT_FOUND, () -> fines(inherited).getFine(GetFineRequest.newBuilder().setFineId(inSf.getId()).build()));
        // and moved elsewhere, a key scoped to where the owner no longer reaches stops working
        admin().setUserJurisdictionScope(SetUserJurisdictionScopeRequest.newBuilder().setUserId(owner.getUserId())
                .setJurisdictionScope(la).build());
        failure(Code.UNAUTHENTICATED, () -> fines(narrow).getFine(GetFineRequest.newBuilder().setFineId(inDowntown.getId()).build()));
    }

    @Test
    void adminsAreNeverScoped() {
        StatusRuntimeException refused = failure(Code.INVALID_ARGUMENT, () -> scopedUser(sf, Role.ROLE_ADMIN));
        assertThat(refused.getStatus().getDescription()).contains("jurisdiction_scope").contains("ROLE_ADMIN");
        failure(Code.INVALID_ARGUMENT, () -> scopedUser("not a code!", Role.ROLE_API_USER));
    }

    @Test
    void aScopedUsersAccessTokenCarriesTheScopeOverRest() throws Exception {
        Fine inSf = fineIn(sf);
        Fine inLa = fineIn(la);
        User user = scopedUser(sf, Role.ROLE_VIEWER, Role.ROLE_ANALYST);
        String key = keyOf(user, "");
        HttpResponse<String> hidden = app().sendAnonymous(HttpRequest.newBuilder(app().uri("/v1/fines/" + inLa.getId()))
                .header("x-api-key", key).GET().build());
        assertThat(hidden.statusCode()).isEqualTo(404);
        HttpResponse<String> listed = app().sendAnonymous(HttpRequest.newBuilder(app().uri("/v1/fines?jurisdiction=" + base + "-SF"))
                .header("x-api-key", key).GET().build());
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains(inSf.getId()).doesNotContain(inLa.getId());
        HttpResponse<String> stats = app().sendAnonymous(HttpRequest.newBuilder(app().uri("/v1/fines:stats?jurisdiction=" + la))
                .header("x-api-key", key).GET().build());
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).doesNotContain(la);

        // logged in with a password: the access token carries the scope
        String token = AuthServiceGrpc.newBlockingStub(app().anonymousChannel()).login(com.finehero.api.auth.v1.LoginRequest.newBuilder()
                .setUsername(user.getUsername()).setPassword("password-of-" + user.getUsername()).build()).getAccessToken();
        HttpResponse<String> me = app().sendAnonymous(HttpRequest.newBuilder(app().uri("/v1/auth/me"))
                .header("authorization", "Bearer " + token).GET().build());
        assertThat(me.body()).contains(sf);
        HttpResponse<String> hiddenToToken = app().sendAnonymous(HttpRequest.newBuilder(app().uri("/v1/fines/" + inLa.getId()))
                .header("authorization", "Bearer " + token).GET().build());
        assertThat(hiddenToToken.statusCode()).isEqualTo(404);
    }

    /**
     * Someone who reads: a channel, whose they are, and what they may reach. API users read every
     * owner's fines but only their own PRIVATE documents; analysts every owner's of both.
     */
    record Reader(String name, Channel channel, String subject, boolean everyOwner, boolean apiUser, String scope) {
        boolean reaches(String jurisdiction) {
            return scope.isEmpty() || jurisdiction.equals(scope) || jurisdiction.startsWith(scope + "-");
        }

        boolean mayRead(Fine fine) {
            return (everyOwner || apiUser || fine.getOwnerId().equals(subject)) && reaches(fine.getJurisdiction());
        }

        boolean mayRead(Document document) {
            return document.getVisibility() == Visibility.VISIBILITY_PUBLIC
                    || ((everyOwner || document.getOwner().equals(subject)) && reaches(document.getJurisdiction()));
        }
    }

    @Test
    void nothingAViewerOrScopedKeyReadsOrWatchesBelongsToSomeoneElseOrLiesOutsideItsScope() {
        long seed = System.nanoTime();
        try {
            randomRecordsStayWithinReach(new java.util.Random(seed));
        } catch (AssertionError e) {
            throw new AssertionError("with seed " + seed + ": " + e.getMessage(), e);
        }
    }

    private void randomRecordsStayWithinReach(java.util.Random random) {
        List<String> places = List.of(sf, downtown, sfo, la);
        List<Reader> viewers = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            com.finehero.server.testing.TestSession viewer = app().userWith(Role.ROLE_VIEWER);
            viewers.add(new Reader("viewer " + i, viewer.channel(), viewer.userId(), false, false, ""));
        }
        List<Reader> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String scope = places.get(random.nextInt(places.size()));
            boolean analyst = random.nextBoolean();
            User owner = analyst ? scopedUser(scope, Role.ROLE_API_USER, Role.ROLE_ANALYST) : scopedUser(scope, Role.ROLE_API_USER);
            keys.add(new Reader("key " + i + " in " + scope + (analyst ? " (analyst)" : ""), withKey(keyOf(owner, "")),
                    owner.getUserId(), analyst, true, scope));
        }
        Fine template = fineIn(sf);
        List<Fine> allFines = new java.util.ArrayList<>(List.of(template));
        List<Document> allDocuments = new java.util.ArrayList<>();
        List<Task> allTasks = new java.util.ArrayList<>();
        DocumentsServiceGrpc.DocumentsServiceBlockingStub adminDocuments = DocumentsServiceGrpc.newBlockingStub(app().channel());
        for (int i = 0; i < 200; i++) {
            String place = places.get(random.nextInt(places.size()));
            // every 40 records: one import, one export and one appeal letter; otherwise fines and documents at random
            int what = i % 40 == 9 || i % 40 == 19 || i % 40 == 29 ? 9 : random.nextInt(9);
            if (what < 5) {
                Reader owner = viewers.get(random.nextInt(viewers.size()));
                allFines.add(fines(app().channel()).createFine(CreateFineRequest.newBuilder().setFine(template.toBuilder().setJurisdiction(place)
                        .clearId().setCitationNumber("PR-" + i + "-" + UUID.randomUUID().toString().substring(0, 4))
                        .setOwnerId(random.nextBoolean() ? owner.subject() : "")).build()));
            } else if (what < 9) {
                Visibility visibility = random.nextBoolean() ? Visibility.VISIBILITY_PUBLIC : Visibility.VISIBILITY_PRIVATE;
                Reader writer = random.nextBoolean() ? null : keys.get(random.nextInt(keys.size()));
                if (writer == null) {
                    allDocuments.add(adminDocuments.createDocument(document(place, visibility)));
                } else if (writer.reaches(place)) {
                    allDocuments.add(DocumentsServiceGrpc.newBlockingStub(writer.channel()).createDocument(document(place, visibility)));
                } else {
                    failure(Code.PERMISSION_DENIED, () -> DocumentsServiceGrpc.newBlockingStub(writer.channel())
                            .createDocument(document(place, visibility)));
                }
            } else if (i % 40 == 9) {
                Reader writer = keys.get(random.nextInt(keys.size()));
                String importedPrefix = "PI-" + i + "-";
                String csv = "citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time\n"
                        + "PI-" + i + "-A," + place + ",P,10.00,EUR,2026-11-01T00:00:00Z,2026-12-31T00:00:00Z\n"
                        + "PI-" + i + "-B," + places.get(random.nextInt(places.size()))
                        + ",P,10.00,EUR,2026-11-01T00:00:00Z,2026-12-31T00:00:00Z\n";
                Task imported = run(writer.channel(), "fine_import", payload("csv", csv));
                assertThat(imported.getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
                allTasks.add(imported);
                allFines.addAll(fines(app().channel()).listFines(ListFinesRequest.newBuilder().setPageSize(100).build()).getFinesList()
                        .stream().filter(f -> f.getCitationNumber().startsWith(importedPrefix)).toList());
            } else if (i % 40 == 19) {
                Reader analyst = keys.stream().filter(Reader::everyOwner).findFirst().orElse(null);
                if (analyst != null) {
                    Task export = run(analyst.channel(), "fines_export", Struct.getDefaultInstance());
                    assertThat(export.getState()).as(export.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
                    allTasks.add(export);
                    allDocuments.add(adminDocuments.getDocument(GetDocumentRequest.newBuilder()
                            .setDocumentId(export.getResult().getFieldsOrThrow("document_id").getStringValue()).build()));
                }
            } else if (i % 40 == 29) {
                Reader owner = viewers.get(random.nextInt(viewers.size()));
                Fine fine = fines(app().channel()).createFine(CreateFineRequest.newBuilder().setFine(template.toBuilder().setJurisdiction(place)
                        .clearId().setCitationNumber("PA-" + i).setOwnerId(owner.subject())).build());
                allFines.add(fines(owner.channel()).contestFine(com.finehero.api.fines.v1.ContestFineRequest.newBuilder()
                        .setFineId(fine.getId()).setReason("The sign was hidden.").build()));
                Task letter = run(app().channel(), "appeal_letter", payload("fine_id", fine.getId()));
                assertThat(letter.getState()).as(letter.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
                allTasks.add(letter);
                allDocuments.add(adminDocuments.getDocument(GetDocumentRequest.newBuilder()
                        .setDocumentId(letter.getResult().getFieldsOrThrow("document_id").getStringValue()).build()));
            }
        }
        List<Reader> readers = new java.util.ArrayList<>(viewers);
        readers.addAll(keys);
        for (Reader reader : readers) {
            FinesServiceGrpc.FinesServiceBlockingStub readerFines = fines(reader.channel());
            String token = "";
            do {
                ListFinesResponse page = readerFines.listFines(ListFinesRequest.newBuilder().setPageSize(50).setPageToken(token).build());
                assertThat(page.getFinesList()).as(reader.name() + " lists fines").allMatch(reader::mayRead);
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            DocumentsServiceGrpc.DocumentsServiceBlockingStub readerDocuments = DocumentsServiceGrpc.newBlockingStub(reader.channel());
            token = "";
            do {
                com.finehero.api.documents.v1.ListDocumentsResponse page = readerDocuments.listDocuments(
                        com.finehero.api.documents.v1.ListDocumentsRequest.newBuilder().setPageSize(100).setPageToken(token).build());
                assertThat(page.getDocumentsList()).as(reader.name() + " lists documents").allMatch(reader::mayRead);
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            assertThat(readerDocuments.searchDocuments(com.finehero.api.documents.v1.SearchDocumentsRequest.newBuilder()
                    .setQuery("sign OR text OR fines").setPageSize(100).build()).getResultsList())
                    .as(reader.name() + " searches documents")
                    .allMatch(result -> reader.mayRead(result.getDocument()));
            assertThat(TasksServiceGrpc.newBlockingStub(reader.channel()).listTasks(com.finehero.api.tasks.v1.ListTasksRequest
                    .newBuilder().setPageSize(100).build()).getTasksList()).as(reader.name() + " lists tasks")
                    .allMatch(task -> reader.everyOwner() || task.getSubmitter().equals(reader.subject())); // analysts read every task
            TasksServiceGrpc.TasksServiceBlockingStub readerTasks = TasksServiceGrpc.newBlockingStub(reader.channel());
            for (Task task : allTasks) {
                com.finehero.api.tasks.v1.WatchTaskRequest watch = com.finehero.api.tasks.v1.WatchTaskRequest.newBuilder()
                        .setTaskId(task.getId()).build();
                if (reader.everyOwner() || task.getSubmitter().equals(reader.subject())) {
                    assertThat(readerTasks.watchTask(watch).next().getId()).as(reader.name() + " watches its task").isEqualTo(task.getId());
                } else {
                    failure(Code.NOT_FOUND, () -> readerTasks.watchTask(watch).next());
                }
            }
            for (Fine fine : allFines) {
                GetFineRequest get = GetFineRequest.newBuilder().setFineId(fine.getId()).build();
                if (reader.mayRead(fine)) {
                    assertThat(readerFines.getFine(get).getId()).isEqualTo(fine.getId());
                } else {
                    failure(Code.NOT_FOUND, () -> readerFines.getFine(get));
                }
            }
            for (Document document : allDocuments) {
                com.finehero.api.documents.v1.ListDocumentVersionsRequest versions = com.finehero.api.documents.v1.ListDocumentVersionsRequest
                        .newBuilder().setDocumentId(document.getId()).build();
                if (reader.mayRead(document)) {
                    assertThat(readerDocuments.getDocument(get(document)).getId()).isEqualTo(document.getId());
                    assertThat(readerDocuments.listDocumentVersions(versions).getVersionsList()).isNotEmpty();
                } else {
                    failure(Code.NOT_FOUND, () -> readerDocuments.listDocumentVersions(versions));
                    failure(Code.NOT_FOUND, () -> readerDocuments.getDocument(get(document)));
                    failure(Code.NOT_FOUND, () -> readerDocuments.downloadDocument(com.finehero.api.documents.v1.DownloadDocumentRequest
                            .newBuilder().setDocumentId(document.getId()).build()).next());
                }
            }
        }
    }
}
