package com.finehero.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Podman as this machine runs it: runc and cgroupfs (crun does not start containers on this cgroup
 * layout), explicit ulimits (the defaults are refused), and commands that must succeed unless asked.
 */
final class Podman {

    static final Path ROOT = Path.of(System.getProperty("finehero.root", "..")).toAbsolutePath().normalize();

    private Podman() {
    }

    record Result(int exitCode, String output) {
        String trimmed() {
            return output.strip();
        }
    }

    /** {@code podman --runtime runc --cgroup-manager cgroupfs ARGS}; fails unless it exits 0. */
    static String podman(String... args) {
        Result result = run(Duration.ofMinutes(2), command(args));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("podman " + String.join(" ", args) + " exited " + result.exitCode()
                    + ":\n" + result.output());
        }
        return result.trimmed();
    }

    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "--runtime", "/usr/sbin/runc", "--cgroup-manager=cgroupfs"));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a command (stdout and stderr together) in the repository root. */
    static Result run(Duration timeout, List<String> command) {
        try {
            Path out = Files.createTempFile("finehero-cmd", ".log");
            try {
                Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout
                            + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** Open files a container may have: what this process's hard limit allows, at most 65536. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? 65536 : Math.min(65536, Long.parseLong(hard));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 4096;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
