package com.finehero.client.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code finehero} command. Subcommands call the server through {@link FineHeroClient} and print
 * a table (default) or JSON ({@code --output json}). Exit codes: 0 done, 2 usage, 3 not found,
 * 4 rejected (invalid, conflict, precondition), 5 unavailable or too slow, 6 not allowed, 1 other.
 */
@Command(name = "finehero", mixinStandardHelpOptions = true, version = "finehero 0.1.0",
        description = {"Work with a FineHero server: fines, documents, tasks, monitoring, users and keys.",
                "Besides the commands below, every RPC of the contract has a command 'finehero <service> <rpc>' "
                        + "(e.g. 'finehero fines update-fine'); '<service> --help' lists them."},
        subcommands = {LoginCommand.class, LoginCommand.Logout.class, HealthCommand.class, FinesCommand.class, DocumentsCommand.class, TasksCommand.class, AlertsCommand.class, EventsCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class},
        footer = {"", "Examples:",
                "  finehero login -u alice",
                "  finehero health",
                "  finehero fines list --jurisdiction US-CA-SF --status FINE_STATUS_OPEN",
                "  finehero documents search '\"bus zone\" tow*' --output json",
                "  finehero fines import city-export.csv",
                "  finehero tasks submit fines_export --payload '{\"jurisdiction\": \"US-CA-SF\"}' --wait",
                "  finehero alerts list --state firing",
                "  finehero fines update-fine --set fine.id=<id> --set fine.version=<version> --set fine.vehicle_plate='7ABC 123' --set update_mask=vehicle_plate",
                "  finehero tasks get-queue-stats -o yaml",
                "", "Environment: FINEHERO_TARGET (host:port) sets --target, FINEHERO_API_KEY --api-key,",
                "FINEHERO_TOKEN --token. Without either, the session saved by 'finehero login' is used."})
public final class FineHeroCli {

    public enum Output { table, json, yaml }

    @Option(names = "--target", defaultValue = "${env:FINEHERO_TARGET:-localhost:8080}",
            description = "Server as host:port (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml (default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = "--deadline", defaultValue = "PT10S", description = "Per-call deadline, ISO-8601 (default: ${DEFAULT-VALUE}).",
            converter = DurationConverter.class)
    Duration deadline;

    @Option(names = "--api-key", defaultValue = "${env:FINEHERO_API_KEY}", description = "Call with this API key.")
    String apiKey;

    @Option(names = "--token", defaultValue = "${env:FINEHERO_TOKEN}", description = "Call with this access token.")
    String token;

    @Option(names = "--sessions-dir", description = "Where 'login' saves sessions (default: ~/.config/finehero/sessions).")
    java.nio.file.Path sessionsDir;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** The clients this invocation opened, whose consistency tokens it saves at the end. */
    private final java.util.List<FineHeroClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The token saved by an earlier invocation ("" when none); null until read. */
    private String loadedConsistency;

    private FineHeroClient track(FineHeroClient client) {
        clients.add(client);
        return client;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: tests run it in-process with their own writers. */
    public static CommandLine commandLine() {
        FineHeroCli root = new FineHeroCli();
        CommandLine line = new CommandLine(root);
        RpcCommand.addAll(line, root);
        line.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } finally {
                root.saveConsistencyToken();
            }
        });
        line.setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
            PrintWriter err = TerminalText.cleaning(commandLine.getErr());
            if (failure instanceof StatusRuntimeException status) {
                err.println("error: " + status.getStatus().getCode() + ": " + status.getStatus().getDescription());
                return exitCode(status.getStatus().getCode());
            }
            if (failure instanceof com.finehero.client.FineHeroException typed) {
                err.println("error: " + typed.getMessage());
                return exitCode(typed.code());
            }
            err.println("error: " + failure.getMessage());
            return 1;
        });
        return line;
    }

    static int exitCode(io.grpc.Status.Code code) {
        return switch (code) {
            case NOT_FOUND -> 3;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS, ABORTED -> 4;
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> 5;
            case UNAUTHENTICATED, PERMISSION_DENIED -> 6;
            default -> 1;
        };
    }

    Sessions sessions() {
        return new Sessions(sessionsDir == null ? Sessions.defaultDirectory() : sessionsDir);
    }

    /** Opens a client with the caller's credentials (API key, token, or saved session); the caller closes it. */
    FineHeroClient client() {
        if (apiKey != null && !apiKey.isBlank()) {
            return track(builder().credentials(Credentials.apiKey(apiKey.strip())).build());
        }
        if (token != null && !token.isBlank()) {
            return track(builder().credentials(Credentials.accessToken(token.strip())).build());
        }
        try (FineHeroClient anonymous = anonymousClient()) {
            java.util.Optional<String> saved = sessions().accessToken(target, anonymous.channel());
            if (saved.isPresent()) {
                return track(builder().credentials(Credentials.accessToken(saved.get())).build());
            }
        }
        return anonymousClient();
    }

    FineHeroClient anonymousClient() {
        return track(builder().build());
    }

    /**
     * Saves the newest consistency token any client of this invocation was given, next to the saved
     * sessions, so the next invocation reads its writes even from a lagging replica.
     */
    void saveConsistencyToken() {
        String newest = null;
        long position = -1;
        for (FineHeroClient opened : clients) {
            java.util.Optional<String> token = opened.consistencyToken();
            if (token.isPresent() && position(token.get()) > position) {
                newest = token.get();
                position = position(token.get());
            }
        }
        if (newest != null && !newest.equals(loadedConsistency)) {
            sessions().saveConsistencyToken(target, newest);
        }
    }

    private static long position(String lsn) {
        int slash = lsn.indexOf('/');
        return Long.parseLong(lsn, 0, slash, 16) << 32 | Long.parseLong(lsn, slash + 1, lsn.length(), 16);
    }

    private FineHeroClient.Builder builder() {
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--target must be host:port, not '" + target + "'");
        }
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--target port must be a number: '" + target + "'");
        }
        FineHeroClient.Builder builder = FineHeroClient.builder().target(target.substring(0, colon), port).deadline(deadline);
        if (loadedConsistency == null) {
            loadedConsistency = sessions().consistencyToken(target).orElse("");
        }
        if (!loadedConsistency.isEmpty()) {
            builder.consistencyToken(loadedConsistency);
        }
        return builder;
    }

    /** Prints a message as JSON or YAML (--output json|yaml) or, for tables, lets the command print rows. */
    boolean printedAsJson(PrintWriter out, MessageOrBuilder message) {
        if (output == Output.yaml) {
            out.print(MessageText.yaml(message));
            out.flush();
            return true;
        }
        if (output != Output.json) {
            return false;
        }
        try {
            out.println(JsonFormat.printer().print(message));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        return true;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Duration.parse(value);
        }
    }

    /** Base of subcommands: reach the top command's options and writers. */
    abstract static class Sub implements Callable<Integer> {
        @CommandLine.ParentCommand
        Object parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        FineHeroCli root() {
            Object current = parent;
            while (!(current instanceof FineHeroCli)) {
                current = ((Sub) current).parent;
            }
            return (FineHeroCli) current;
        }

        /** Standard output for what the server sent: control characters in it never reach the terminal. */
        PrintWriter out() {
            return TerminalText.cleaning(spec.commandLine().getOut());
        }
    }
}
