package com.finehero.server.auth;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.retention.Retention;
import com.finehero.server.platform.retention.Upkeep;
import com.finehero.server.platform.security.AuditStore;
import com.finehero.server.testing.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ListAuditEvents' queries return the same pages on a plain table (H2) and on the month-partitioned one
 * (PostgreSQL), with events spread over thirteen months, so every page crosses partitions; retention
 * removes only the months past {@code finehero.security.audit.retention}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AuditQueriesContractTest {

    private static final String GET = "finehero.fines.v1.FinesService/GetFine";
    private static final String UPDATE = "finehero.fines.v1.FinesService/UpdateFine";

    final Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Database db;
    private JdbcAuditStore store;
    private String schema;
    private final List<AuditStore.Event> written = new ArrayList<>();

    abstract Backend backend();

    @BeforeAll
    void writeEventsOverThirteenMonths() throws SQLException {
        String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DbConfig.Faults faults = new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1));
        db = switch (backend()) {
            case H2 -> Database.open(new DbConfig("jdbc:h2:mem:audit_" + unique
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "", "",
                    0, 4, Duration.ofSeconds(5), Duration.ofSeconds(5), faults));
            case POSTGRES_REDIS -> {
                schema = "audit_" + unique;
                yield Database.open(new DbConfig(Backend.pgUrl(), Backend.pgUser(), "", schema, 0, 4, Duration.ofSeconds(5),
                        Duration.ofSeconds(5), faults));
            }
        };
        store = new JdbcAuditStore(db);
        // oldest first, as events arrive; older months land in the default partition until a pass moves them
        for (int i = 129; i >= 0; i--) { // up to 387 days old: within the retention
            Instant time = now.minus(Duration.ofDays(3L * i));
            AuditStore.Event event = new AuditStore.Event(0, time, "user-" + (i % 4), "name-" + (i % 4), "jwt",
                    i % 3 == 0 ? UPDATE : GET, "fine-" + i, "10.0.0.1", "grpc", "OK", "req-" + i);
            long id = db.inTransaction(connection -> store.insert(connection, event));
            written.add(withId(event, id));
        }
        new Retention(db, List.of(new Retention.Kept(Auth.AUDIT_EVENTS, Duration.ofDays(400))), Clock.fixed(now, ZoneOffset.UTC)).keep();
    }

    @AfterAll
    void dropSchema() throws SQLException {
        db.close();
        if (schema != null) {
            try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static AuditStore.Event withId(AuditStore.Event e, long id) {
        return new AuditStore.Event(id, e.time(), e.principalId(), e.principalName(), e.credential(), e.method(), e.resource(),
                e.peer(), e.protocol(), e.outcome(), e.requestId());
    }

    private List<Long> expected(Predicate<AuditStore.Event> filter, long beforeId, int limit) {
        return written.stream().filter(filter).filter(e -> e.id() < beforeId).sorted(Comparator.comparingLong(AuditStore.Event::id).reversed())
                .limit(limit).map(AuditStore.Event::id).toList();
    }

    private List<Long> listed(String principal, String method, long beforeId, int limit) {
        return store.list(new AuditStore.Query(principal, method, beforeId, limit)).stream().map(AuditStore.Event::id).toList();
    }

    @Test
    void everyEventNewestFirst() {
        assertThat(listed("", "", Long.MAX_VALUE, 1000)).isEqualTo(expected(e -> true, Long.MAX_VALUE, 1000)).hasSize(130);
        assertThat(store.list(new AuditStore.Query("", "", Long.MAX_VALUE, 1000))).containsExactlyElementsOf(
                written.stream().sorted(Comparator.comparingLong(AuditStore.Event::id).reversed()).toList());
    }

    @Test
    void aPrincipalsEventsPageByPageAcrossMonths() {
        long before = Long.MAX_VALUE;
        List<Long> all = new ArrayList<>();
        for (int page = 0; page < 10; page++) {
            List<Long> ids = listed("user-1", "", before, 7);
            assertThat(ids).isEqualTo(expected(e -> e.principalId().equals("user-1"), before, 7));
            if (ids.isEmpty()) {
                break;
            }
            all.addAll(ids);
            before = ids.getLast();
        }
        assertThat(all).hasSize(33);
    }

    @Test
    void aMethodByFullAndBareName() {
        assertThat(listed("", UPDATE, Long.MAX_VALUE, 20)).isEqualTo(expected(e -> e.method().equals(UPDATE), Long.MAX_VALUE, 20));
        assertThat(listed("", "GetFine", Long.MAX_VALUE, 50)).isEqualTo(expected(e -> e.method().equals(GET), Long.MAX_VALUE, 50));
        assertThat(listed("user-2", "UpdateFine", Long.MAX_VALUE, 50))
                .isEqualTo(expected(e -> e.method().equals(UPDATE) && e.principalId().equals("user-2"), Long.MAX_VALUE, 50));
    }

    @Test
    void anEventMonthsOldIsAmendedInPlace() {
        AuditStore.Event old = written.get(5);
        store.write(List.of(new AuditStore.Event(old.id(), old.time(), old.principalId(), old.principalName(), old.credential(),
                old.method(), "fine-amended", old.peer(), old.protocol(), "INVALID_ARGUMENT", old.requestId())));
        AuditStore.Event amended = store.list(new AuditStore.Query(old.principalId(), "", old.id() + 1, 1)).getFirst();
        written.set(5, amended);
        assertThat(amended.id()).isEqualTo(old.id());
        assertThat(amended.time()).isEqualTo(old.time());
        assertThat(amended.resource()).isEqualTo("fine-amended");
        assertThat(amended.outcome()).isEqualTo("INVALID_ARGUMENT");
    }

    @Test
    @Order(Integer.MAX_VALUE) // removes events the other tests read
    void retentionRemovesOnlyMonthsPastIt() {
        // 400 days after the newest event, everything older than the month of the first 40 days' events goes
        Instant later = now.plus(Duration.ofDays(400));
        List<Upkeep> done = new Retention(db, List.of(new Retention.Kept(Auth.AUDIT_EVENTS, Duration.ofDays(400))),
                Clock.fixed(later, ZoneOffset.UTC)).keep();
        assertThat(done).hasSize(1);
        List<AuditStore.Event> left = store.list(new AuditStore.Query("", "", Long.MAX_VALUE, 1000));
        assertThat(left).isNotEmpty();
        assertThat(left).allMatch(e -> !e.time().isBefore(now.minus(Duration.ofDays(31))),
                "every event left is at most a month older than the cutoff");
        assertThat(left).extracting(AuditStore.Event::id).contains(written.getLast().id());
        written.removeIf(e -> left.stream().noneMatch(l -> l.id() == e.id()));
    }
}
