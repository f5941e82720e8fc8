package com.finehero.server.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertEvent;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * One WatchAlerts stream: the alerts firing when it starts, then each change the feed hears. Changes
 * heard while the first event is being read are held and sent after it, so none falls in between (one
 * may repeat what the first event already shows; alerts carry ids and update times). Sends are
 * serialised: the feed may call from several threads.
 */
final class AlertWatch {

    private final ServerCallStreamObserver<AlertEvent> call;
    private final String rule;
    private final List<Alert> held = new ArrayList<>();
    private boolean started;
    private boolean ended;

    AlertWatch(ServerCallStreamObserver<AlertEvent> call, String rule) {
        this.call = Objects.requireNonNull(call, "call");
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /** Sends the first event: the alerts firing now (of the watched rule), then what was held. */
    synchronized void start(List<Alert> firing) {
        if (ended) {
            return;
        }
        call.onNext(AlertEvent.newBuilder().addAllFiring(firing.stream().filter(this::watched).toList()).build());
        started = true;
        held.forEach(this::send);
        held.clear();
    }

    /** A change heard by the feed. */
    synchronized void change(Alert change) {
        if (ended || !watched(change)) {
            return;
        }
        if (started) {
            send(change);
        } else {
            held.add(change);
        }
    }

    /** The server is stopping: the stream ends normally. */
    synchronized void end() {
        if (!ended) {
            ended = true;
            if (!call.isCancelled()) {
                call.onCompleted();
            }
        }
    }

    /** The caller went away. */
    synchronized void cancelled() {
        ended = true;
    }

    private boolean watched(Alert alert) {
        return rule.isEmpty() || rule.equals(alert.getRule());
    }

    private void send(Alert change) {
        if (!call.isCancelled()) {
            call.onNext(AlertEvent.newBuilder().setAlert(change).build());
        }
    }
}
