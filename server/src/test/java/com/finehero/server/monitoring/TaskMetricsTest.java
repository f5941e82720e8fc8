package com.finehero.server.monitoring;

import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.tasks.v1.QueueDepth;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The task queue shows in GetMetrics and in the Prometheus exposition. */
class TaskMetricsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void queueDepthIsInGetMetricsAndPrometheus() {
        var tasks = TasksServiceGrpc.newBlockingStub(APP.channel());
        for (int i = 0; i < 2; i++) {
            tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop")
                    .setRunAt(Timestamp.newBuilder().setSeconds(APP.clock().instant().plusSeconds(3600).getEpochSecond())).build());
        }
        var metrics = MonitoringServiceGrpc.newBlockingStub(APP.channel()).getMetrics(GetMetricsRequest.getDefaultInstance());
        long pending = metrics.getTasks().getDepthsList().stream().filter(d -> d.getState() == TaskState.TASK_STATE_PENDING)
                .mapToLong(QueueDepth::getCount).sum();
        assertThat(pending).isGreaterThanOrEqualTo(2);
        assertThat(APP.get("/observe/metrics").body()).contains("finehero_tasks_pending").contains("finehero_tasks_oldest_pending_seconds");
    }
}
