package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Redis deployments of a test's own, made of {@link OwnRedis} processes on free ports: a master with a
 * replica watched by three sentinels ({@link #sentinel()}), or a three-master Redis Cluster
 * ({@link #cluster()}). {@link #settings()} are the {@code finehero.redis.*} overrides that point
 * FineHero at it. Closing stops every process it started, by process id.
 */
public final class OwnRedisTopology implements AutoCloseable {

    public static final String MASTER_NAME = "finehero-test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String mode;
    private final List<OwnRedis> servers;
    private final List<OwnRedis> sentinels;

    private OwnRedisTopology(String mode, List<OwnRedis> servers, List<OwnRedis> sentinels) {
        this.mode = mode;
        this.servers = servers;
        this.sentinels = sentinels;
    }

    /** A master, one replica in sync with it, and three sentinels (quorum two) watching them. */
    public static OwnRedisTopology sentinel() {
        List<OwnRedis> servers = new ArrayList<>();
        List<OwnRedis> sentinels = new ArrayList<>();
        OwnRedisTopology topology = new OwnRedisTopology("sentinel", servers, sentinels);
        try {
            OwnRedis master = OwnRedis.start();
            servers.add(master);
            OwnRedis replica = OwnRedis.startReplicaOf(master);
            servers.add(replica);
            awaitUntil("the replica of " + master.port() + " to be in sync", () -> replica.cli("INFO", "replication")
                    .contains("master_link_status:up"));
            for (int i = 0; i < 3; i++) {
                sentinels.add(OwnRedis.startSentinel(MASTER_NAME, master, 2));
            }
            awaitUntil("the sentinels to know the replica and each other", () -> sentinels.stream().allMatch(s -> {
                String info = s.cli("SENTINEL", "MASTER", MASTER_NAME);
                return field(info, "num-slaves").equals("1") && field(info, "num-other-sentinels").equals("2");
            }));
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    /** Three masters holding every slot between them ({@code redis-cli --cluster create}), no replicas. */
    public static OwnRedisTopology cluster() {
        List<OwnRedis> servers = new ArrayList<>();
        OwnRedisTopology topology = new OwnRedisTopology("cluster", servers, List.of());
        try {
            for (int i = 0; i < 3; i++) {
                servers.add(OwnRedis.startClusterNode());
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            servers.forEach(s -> create.add("127.0.0.1:" + s.port()));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(create);
            awaitUntil("every node to see the cluster ok", () -> servers.stream()
                    .allMatch(s -> s.cli("CLUSTER", "INFO").contains("cluster_state:ok")));
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    /** The {@code finehero.redis.*} settings for this deployment (they replace a test backend's single address). */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("finehero.redis.address", "");
        settings.put("finehero.redis.mode", mode);
        if (mode.equals("sentinel")) {
            settings.put("finehero.redis.sentinel.master", MASTER_NAME);
            settings.put("finehero.redis.sentinel.addresses", addresses(sentinels));
        } else {
            settings.put("finehero.redis.cluster.addresses", addresses(servers));
        }
        return settings;
    }

    /** The data nodes: in a sentinel deployment the first started as master, the second as its replica. */
    public List<OwnRedis> servers() {
        return List.copyOf(servers);
    }

    public List<OwnRedis> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The port of the master the sentinels name now. */
    public int masterPort() {
        String reply = sentinels.getFirst().cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(reply.strip().split("\\s+")[1]);
    }

    /** The data node listening on {@code port}. */
    public OwnRedis server(int port) {
        return servers.stream().filter(s -> s.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no server of this topology on port " + port));
    }

    /** Waits until every sentinel names a master other than {@code oldPort}; returns the new master's port. */
    public int awaitNewMaster(int oldPort) {
        awaitUntil("the sentinels to promote a new master in place of " + oldPort, () -> sentinels.stream()
                .allMatch(s -> !s.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).contains(Integer.toString(oldPort))));
        return masterPort();
    }

    @Override
    public void close() {
        sentinels.forEach(OwnRedis::close);
        servers.forEach(OwnRedis::close);
    }

    private static String addresses(List<OwnRedis> nodes) {
        return nodes.stream().map(OwnRedis::address).collect(Collectors.joining(","));
    }

    /** The value after {@code name} in a flat reply of alternating names and values, one a line. */
    private static String field(String reply, String name) {
        String[] lines = reply.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].strip().equals(name)) {
                return lines[i + 1].strip();
            }
        }
        return "";
    }

    private static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // a node still starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    /** Runs a command, returns its output; fails with the output if it exits non-zero or takes over 30 s. */
    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
