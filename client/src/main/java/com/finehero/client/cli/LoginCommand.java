package com.finehero.client.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Logs in and saves the session for later commands against the same server. */
@Command(mixinStandardHelpOptions = true, name = "login", description = "Log in and save the session for this server (see 'logout').")
final class LoginCommand extends FineHeroCli.Sub {

    @Option(names = {"-u", "--username"}, required = true, description = "Your username.")
    String username;

    @Option(names = "--password-stdin", description = "Read the password from standard input instead of prompting "
            + "(or set FINEHERO_PASSWORD).")
    boolean passwordFromStdin;

    @Override
    public Integer call() throws IOException {
        String password = password();
        FineHeroCli root = root();
        try (FineHeroClient client = root.anonymousClient()) {
            TokenResponse session = AuthServiceGrpc.newBlockingStub(client.channel())
                    .login(LoginRequest.newBuilder().setUsername(username).setPassword(password).build());
            root.sessions().save(root.target, session);
            out().println("logged in as " + session.getUser().getUsername() + " " + session.getUser().getRolesList()
                    + "; session saved in " + root.sessions().file(root.target));
        }
        return 0;
    }

    private String password() throws IOException {
        String fromEnv = System.getenv("FINEHERO_PASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        if (passwordFromStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no password on standard input");
            }
            return line;
        }
        Console console = System.console();
        if (console == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no terminal to ask for the password: use --password-stdin or FINEHERO_PASSWORD");
        }
        return new String(console.readPassword("Password for %s: ", username));
    }

    /** Forgets the saved session (and ends it on the server). */
    @Command(mixinStandardHelpOptions = true, name = "logout", description = "End the saved session for this server.")
    static final class Logout extends FineHeroCli.Sub {
        @Override
        public Integer call() {
            FineHeroCli root = root();
            var saved = root.sessions().load(root.target);
            if (saved.isPresent()) {
                try (FineHeroClient client = root.client()) {
                    AuthServiceGrpc.newBlockingStub(client.channel()).logout(com.finehero.api.auth.v1.LogoutRequest.newBuilder()
                            .setRefreshToken(saved.get().getRefreshToken()).build());
                } catch (io.grpc.StatusRuntimeException e) {
                    // the session may have ended already; forgetting it locally is what matters
                }
                root.sessions().delete(root.target);
            }
            out().println("logged out");
            return 0;
        }
    }
}
