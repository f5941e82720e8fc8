package com.finehero.client.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

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
        description = "Work with a FineHero server: fines, documents, health.",
        subcommands = {HealthCommand.class, FinesCommand.class, DocumentsCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class},
        footer = {"", "Examples:",
                "  finehero health",
                "  finehero fines list --jurisdiction US-CA-SF --status FINE_STATUS_OPEN",
                "  finehero documents search '\"bus zone\" tow*' --output json",
                "", "Environment: FINEHERO_TARGET (host:port) sets --target."})
public final class FineHeroCli {

    public enum Output { table, json }

    @Option(names = "--target", defaultValue = "${env:FINEHERO_TARGET:-localhost:8080}",
            description = "Server as host:port (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Option(names = "--deadline", defaultValue = "PT10S", description = "Per-call deadline, ISO-8601 (default: ${DEFAULT-VALUE}).",
            converter = DurationConverter.class)
    Duration deadline;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: tests run it in-process with their own writers. */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new FineHeroCli());
        line.setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (failure instanceof StatusRuntimeException status) {
                err.println("error: " + status.getStatus().getCode() + ": " + status.getStatus().getDescription());
                return exitCode(status.getStatus().getCode());
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

    /** Opens a client for one command; the caller closes it. */
    FineHeroClient client() {
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
        return FineHeroClient.builder().target(target.substring(0, colon), port).deadline(deadline).build();
    }

    /** Prints a message as JSON (--output json) or, for tables, lets the command print rows. */
    boolean printedAsJson(PrintWriter out, MessageOrBuilder message) {
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

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }
}
