package com.finehero.bench;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.webserver.WebServer;
import org.flywaydb.core.Flyway;

/**
 * What a fresh embedded start cannot avoid besides the transport: Flyway applying FineHero's migrations
 * (the shared ones and H2's own) to a new H2 database in {@code dir}, with the server's JDBC URL options.
 * {@code MigrationsFloor dir} applies them and exits; {@code MigrationsFloor dir port} also starts
 * {@link HelidonPeer} on {@code port} while they are applied on another thread, and its HTTP route answers
 * 503 until they are: the two overlapped as well as two threads can, the floor of a server that is ready
 * only with its schema. {@code src/bench/startup.sh} times both beside FineHero's start.
 */
public final class MigrationsFloor {

    private MigrationsFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        if (args.length == 1) {
            migrate(dir);
            return;
        }
        AtomicBoolean migrated = new AtomicBoolean();
        Thread migrations = Thread.ofPlatform().name("migrations").start(() -> {
            migrate(dir);
            migrated.set(true);
        });
        WebServer server = HelidonPeer.start(Integer.parseInt(args[1]), migrated::get);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        migrations.join();
    }

    private static void migrate(Path dir) {
        String url = "jdbc:h2:" + dir.resolve("floor").toAbsolutePath()
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
