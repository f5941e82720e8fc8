package com.finehero.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code finehero-load}: runs a named scenario against a running FineHero with N virtual users,
 * closed-loop or at a target rate, over gRPC or REST, and reports throughput, latency percentiles
 * and errors by status per call type, as a table, a JSON report and an HTML chart.
 */
@Command(name = "finehero-load", mixinStandardHelpOptions = true, version = "finehero-load 0.1.0",
        description = "Drive a FineHero server with a named scenario and report per-call latency and errors.",
        footer = {"", "Scenarios: " + Scenarios.NAMES, "",
                "Examples:",
                "  finehero-load --scenario read-heavy-fines --users 32 --duration PT30S",
                "  finehero-load --scenario mixed-day --protocol rest --rate 500 --report day.json --html day.html",
                "", "Credentials: --api-key / FINEHERO_API_KEY, or --user with FINEHERO_PASSWORD."})
public final class LoadTool implements Callable<Integer> {

    public enum Protocol { grpc, rest }

    @Option(names = "--target", defaultValue = "${env:FINEHERO_TARGET:-localhost:8080}", description = "host:port (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--scenario", required = true, description = "One of: " + Scenarios.NAMES)
    String scenario;

    @Option(names = "--users", defaultValue = "16", description = "Concurrent virtual users (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--rate", defaultValue = "0", description = "Target calls/s for all users together; 0 = closed loop (default)")
    double rate;

    @Option(names = "--duration", defaultValue = "PT30S", description = "Measured time, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "PT5S", description = "Unmeasured time first (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = "--protocol", defaultValue = "grpc", description = "grpc or rest (default: ${DEFAULT-VALUE})")
    Protocol protocol;

    @Option(names = "--user", defaultValue = "${env:FINEHERO_USER:-admin}", description = "Log in as (password from FINEHERO_PASSWORD)")
    String user;

    @Option(names = "--api-key", defaultValue = "${env:FINEHERO_API_KEY}", description = "Call with this API key instead")
    String apiKey;

    @Option(names = "--report", description = "Write the JSON report here")
    Path report;

    @Option(names = "--html", description = "Write an HTML latency chart here")
    Path html;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTool()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (users < 1 || users > 10_000) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--users must be 1..10000");
        }
        Scenario chosen = Scenarios.named(scenario).orElseThrow(() -> new CommandLine.ParameterException(
                new CommandLine(this), "unknown scenario '" + scenario + "'; one of: " + Scenarios.NAMES));
        int colon = target.lastIndexOf(':');
        String host = target.substring(0, colon);
        int port = Integer.parseInt(target.substring(colon + 1));
        Credentials credentials = apiKey != null && !apiKey.isBlank() ? Credentials.apiKey(apiKey)
                : Credentials.login(user, requirePassword());
        try (FineHeroClient client = FineHeroClient.builder().target(host, port).credentials(credentials)
                .deadline(Duration.ofSeconds(10)).maxAttempts(1).build()) {
            Calls calls = new Calls(client, credentials, host, port, protocol);
            System.err.println("seeding " + chosen.name() + " ...");
            List<Operation> operations = chosen.prepare(calls);
            System.err.println("running " + chosen.name() + ": " + users + " users, " + (rate > 0 ? rate + " calls/s" : "closed loop")
                    + ", " + protocol + ", warm-up " + warmup + ", measuring " + duration);
            Report result = new Driver(operations, users, rate).run(warmup, duration)
                    .report(chosen.name(), protocol.name(), users, rate);
            System.out.print(result.table());
            if (report != null) {
                Files.writeString(report, result.json());
            }
            if (html != null) {
                Files.writeString(html, result.html());
            }
            return result.successRate() >= 0.99 ? 0 : 1;
        }
    }

    private static String requirePassword() {
        String password = System.getenv("FINEHERO_PASSWORD");
        if (password == null || password.isBlank()) {
            throw new IllegalStateException("set FINEHERO_PASSWORD (or use --api-key)");
        }
        return password;
    }
}
