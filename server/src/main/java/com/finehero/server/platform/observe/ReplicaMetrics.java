package com.finehero.server.platform.observe;

import java.util.List;
import java.util.function.ToDoubleFunction;

import com.finehero.server.platform.db.Database;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Publishes the read replicas ({@code finehero.db.replicas}) to the registry {@code /observe/metrics}
 * serves: per replica {@code finehero_db_replica_lag_seconds}, {@code finehero_db_replica_lag_bytes},
 * {@code finehero_db_replica_usable} (1 or 0) and {@code finehero_db_replica_reads_total}; and
 * {@code finehero_db_reads_total{route=...}}, where each read that tolerates a replica went
 * ("replica", or why the primary: "no-usable-replica", "behind-token", "replica-failed", "background").
 * Read from the database's own figures when scraped.
 */
public final class ReplicaMetrics {

    private ReplicaMetrics() {
    }

    public static void register(MeterRegistry registry, Database database) {
        if (!database.hasReplicas()) {
            return;
        }
        for (Database.ReplicaStats replica : database.replicaStats()) {
            List<Tag> tags = List.of(Tag.create("replica", replica.name()));
            gauge(registry, "finehero.db.replica.lag.seconds", "How far the replica is behind the primary, to within one probe",
                    database, replica.name(), r -> r.lagMillis() / 1000.0, tags);
            gauge(registry, "finehero.db.replica.lag.bytes", "WAL the primary has flushed and the replica has not replayed",
                    database, replica.name(), r -> r.lagBytes(), tags);
            gauge(registry, "finehero.db.replica.usable", "1 while reads may go to the replica, 0 while it is skipped",
                    database, replica.name(), r -> r.usable() ? 1 : 0, tags);
            registry.getOrCreate(FunctionalCounter.builder("finehero.db.replica.reads", database,
                    d -> find(d, replica.name()).reads()).description("Reads the replica served").tags(tags));
        }
        for (String route : database.readRoutes().keySet()) {
            registry.getOrCreate(FunctionalCounter.builder("finehero.db.reads", database, d -> d.readRoutes().get(route))
                    .description("Reads that tolerate a replica, by where they went").tags(List.of(Tag.create("route", route))));
        }
    }

    private static void gauge(MeterRegistry registry, String name, String description, Database database, String replica,
                              ToDoubleFunction<Database.ReplicaStats> value, List<Tag> tags) {
        registry.getOrCreate(Gauge.builder(name, database, d -> value.applyAsDouble(find(d, replica)))
                .description(description).tags(tags));
    }

    private static Database.ReplicaStats find(Database database, String name) {
        return database.replicaStats().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElse(new Database.ReplicaStats(name, false, "gone", 0, 0, 0));
    }
}
