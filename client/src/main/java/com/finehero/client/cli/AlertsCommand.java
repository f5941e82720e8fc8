package com.finehero.client.cli;

import java.util.Iterator;
import java.util.Locale;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertEvent;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.api.monitoring.v1.ListAlertsRequest;
import com.finehero.api.monitoring.v1.ListAlertsResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.WatchAlertsRequest;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Alerts: what fired and resolved, and a live feed. */
@Command(mixinStandardHelpOptions = true, name = "alerts", description = "List alerts or follow them live.",
        subcommands = {AlertsCommand.List.class, AlertsCommand.Watch.class})
final class AlertsCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    static String line(Alert a) {
        return String.join(" ", a.getState().name().replace("ALERT_STATE_", ""), a.getSeverity().name().replace("ALERT_SEVERITY_", ""),
                a.getRule(), a.getSubject().isEmpty() ? "" : "(" + a.getSubject() + ")", a.getSummary()).replaceAll(" +", " ");
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List alerts, newest first.")
    static final class List extends FineHeroCli.Sub {
        @Option(names = "--state", description = "firing or resolved") String state;
        @Option(names = "--severity", description = "warning or critical") String severity;
        @Option(names = "--rule") String rule;
        @Option(names = "--page-size", defaultValue = "20") int pageSize;

        @Override
        public Integer call() {
            ListAlertsRequest.Builder request = ListAlertsRequest.newBuilder().setPageSize(pageSize);
            if (state != null) {
                request.setState(AlertState.valueOf("ALERT_STATE_" + state.toUpperCase(Locale.ROOT)));
            }
            if (severity != null) {
                request.setSeverity(AlertSeverity.valueOf("ALERT_SEVERITY_" + severity.toUpperCase(Locale.ROOT)));
            }
            if (rule != null) {
                request.setRule(rule);
            }
            try (FineHeroClient client = root().client()) {
                ListAlertsResponse page = client.monitoring().listAlerts(request.build());
                if (!root().printedAsJson(out(), page)) {
                    Table table = new Table("STATE", "SEVERITY", "RULE", "SUBJECT", "SUMMARY");
                    for (Alert a : page.getAlertsList()) {
                        table.row(a.getState().name().replace("ALERT_STATE_", ""), a.getSeverity().name().replace("ALERT_SEVERITY_", ""),
                                a.getRule(), a.getSubject(), a.getSummary());
                    }
                    table.print(out());
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "watch", description = "Print the firing alerts, then every change as it happens (Ctrl-C to stop).")
    static final class Watch extends FineHeroCli.Sub {
        @Option(names = "--rule") String rule;
        @Option(names = "--count", description = "Stop after this many changes (for scripts)") Integer count;

        @Override
        public Integer call() {
            WatchAlertsRequest.Builder request = WatchAlertsRequest.newBuilder();
            if (rule != null) {
                request.setRule(rule);
            }
            try (FineHeroClient client = root().client()) {
                Iterator<AlertEvent> events = client.monitoring()
                        .withDeadlineAfter(7, java.util.concurrent.TimeUnit.DAYS).watchAlerts(request.build());
                int changes = 0;
                while (events.hasNext() && (count == null || changes < count)) {
                    AlertEvent event = events.next();
                    if (root().printedAsJson(out(), event)) {
                        changes += event.hasAlert() ? 1 : 0;
                        continue;
                    }
                    event.getFiringList().forEach(a -> out().println("firing: " + line(a)));
                    if (event.hasAlert()) {
                        out().println(line(event.getAlert()));
                        changes++;
                    }
                    out().flush();
                }
                return 0;
            }
        }
    }
}
