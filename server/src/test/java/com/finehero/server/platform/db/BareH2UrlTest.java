package com.finehero.server.platform.db;

import java.util.UUID;

import com.finehero.api.tasks.v1.ListTasksRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator who points FineHero at an H2 database of their own gives a plain URL, without the
 * compatibility settings of the shipped one: the server starts and its SQL runs all the same.
 */
class BareH2UrlTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.db.url", "jdbc:h2:mem:bare_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");

    @Test
    void aPlainUrlServesAsTheShippedOneDoes() {
        var tasks = TasksServiceGrpc.newBlockingStub(APP.channel());
        // an insert that skips a duplicate (ON CONFLICT) and lower-case names: H2 in its own mode refuses both
        var submitted = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey("once").build());
        var again = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey("once").build());
        assertThat(again.getId()).isEqualTo(submitted.getId());
        assertThat(tasks.listTasks(ListTasksRequest.newBuilder().setType("noop").build()).getTasksList())
                .extracting(t -> t.getId()).contains(submitted.getId());
    }
}
