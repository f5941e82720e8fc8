package com.finehero.bench;

import java.nio.file.Path;

import org.flywaydb.core.Flyway;

/**
 * What a fresh embedded start cannot avoid besides the transport: Flyway applying FineHero's migrations
 * (the shared ones and H2's own) to a new H2 database in {@code dir}, with the server's JDBC URL options,
 * and nothing else; the JVM exits when they are applied. {@code src/bench/startup.sh} times it from launch
 * to exit beside FineHero's start and {@link HelidonPeer}'s. {@code MigrationsFloor dir}.
 */
public final class MigrationsFloor {

    private MigrationsFloor() {
    }

    public static void main(String[] args) {
        String url = "jdbc:h2:" + Path.of(args[0]).resolve("floor").toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        int applied = Flyway.configure()
                .dataSource(url, "sa", "")
                .locations("classpath:db/migration", "classpath:db/h2")
                .load()
                .migrate()
                .migrationsExecuted;
        if (applied == 0) {
            throw new IllegalStateException("no migration applied to " + url + ": the database was not new");
        }
        System.err.println("migrations floor: " + applied + " migration(s) applied");
    }
}
