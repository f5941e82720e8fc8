package com.finehero.client.cli;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.client.EventStream;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The event feed: changes of fines, tasks and alerts as they happen. */
@Command(mixinStandardHelpOptions = true, name = "events", description = "Follow changes as they happen.", subcommands = {EventsCommand.Watch.class})
final class EventsCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    static String line(Event e) {
        String subject = switch (e.getSubjectCase()) {
            case FINE -> "fine " + e.getFine().getId() + " " + e.getFine().getStatus().name().replace("FINE_STATUS_", "");
            case TASK -> "task " + e.getTask().getId() + " " + e.getTask().getState().name().replace("TASK_STATE_", "")
                    + (e.getTask().getProgressPercent() > 0 ? " " + e.getTask().getProgressPercent() + "%" : "");
            case ALERT -> "alert " + e.getAlert().getRule() + " " + e.getAlert().getSummary();
            default -> "";
        };
        return (e.getId() + " " + e.getKind().name().replace("EVENT_KIND_", "") + " " + subject).strip();
    }

    @Command(mixinStandardHelpOptions = true, name = "watch", description = "Print every change you may see as it happens (Ctrl-C to stop); resumes by itself after a dropped connection.")
    static final class Watch extends FineHeroCli.Sub {
        @Option(names = "--fine", description = "Only this fine's events") String fine;
        @Option(names = "--mine", description = "Only your fines and tasks") boolean mine;
        @Option(names = "--after", description = "Replay the events after this event id first") Long after;
        @Option(names = "--count", description = "Stop after this many events (for scripts)") Integer count;

        @Override
        public Integer call() {
            WatchEventsRequest.Builder request = WatchEventsRequest.newBuilder().setMine(mine);
            if (fine != null) {
                request.setFineId(fine);
            }
            if (after != null) {
                request.setAfterEventId(after);
            }
            try (FineHeroClient client = root().client();
                 EventStream events = client.events(request.build())) {
                int seen = 0;
                while ((count == null || seen < count) && events.hasNext()) {
                    Event event = events.next();
                    seen++;
                    if (!root().printedAsJson(out(), event)) {
                        out().println(line(event));
                    }
                    out().flush();
                }
                return 0;
            }
        }
    }
}
