package com.finehero.server.monitoring;

import java.util.EnumSet;
import java.util.Set;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.platform.events.EventAccess;
import com.finehero.server.platform.events.NewEvent;
import com.finehero.server.platform.security.AccessRules;
import com.finehero.server.platform.security.Principal;

/**
 * Alerts on the event feed: each change the evaluator records (fired, severity changed, resolved) is
 * an event, heard by the roles the contract lets call ListAlerts.
 */
public final class AlertEvents {

    /** The feed topic of alerts. */
    public static final String TOPIC = "alerts";

    private AlertEvents() {
    }

    /** The alerts topic's read rule: the roles of ListAlerts in the contract, as the access check enforces them. */
    public static EventAccess access(AccessRules rules) {
        Set<Role> readers = EnumSet.noneOf(Role.class);
        rules.rule(MonitoringServiceGrpc.getListAlertsMethod()).ifPresent(rule -> readers.addAll(rule.access().getRolesList()));
        return (caller, event) -> caller.credential() == Principal.Credential.SYSTEM || readers.stream().anyMatch(caller::has);
    }

    static NewEvent of(EventKind kind, Alert alert) {
        byte[] payload = Event.newBuilder().setTopic(EventTopic.EVENT_TOPIC_ALERTS).setKind(kind).setAlert(alert).build().toByteArray();
        return new NewEvent(TOPIC, kind.name(), alert.getId(), "", "", payload);
    }
}
