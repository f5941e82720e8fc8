package com.finehero.server.fines;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.rpc.RequestRules;
import com.finehero.server.documents.Documents;
import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.tasks.TaskHandler;
import io.grpc.BindableService;

/**
 * The fines feature as the wiring sees it: its gRPC service, its task handlers, the overdue sweep the
 * recurring task runs, and the name of that task type. Everything else in this package stays inside it.
 */
public final class Fines {

    /** The recurring task type that marks fines overdue; the wiring schedules it. */
    public static final String OVERDUE_SWEEP = FineTasks.OVERDUE_SWEEP;

    /** The recurring task type that rewrites the analytics rollup of changed days; the wiring schedules it. */
    public static final String ANALYTICS_ROLLUP = FineTasks.ANALYTICS_ROLLUP;

    private final FineStore store;
    private final FineRules rules;
    private final OverdueSweeper overdueSweeper;
    private final Documents documents;
    private final PaymentsConfig payments;
    private final Clock clock;

    private Fines(FineStore store, FineRules rules, Documents documents, PaymentsConfig payments, Clock clock) {
        this.store = store;
        this.rules = rules;
        this.overdueSweeper = new OverdueSweeper(store, rules);
        this.documents = documents;
        this.payments = payments;
        this.clock = clock;
    }

    /**
     * The fines store on {@code database}, cached in the {@code fines} region.
     *
     * @param documents  the documents fines cite and the tasks write (appeal letters, exports)
     * @param outbox     where each change writes its event, in the change's transaction
     */
    public static Fines create(Database database, Caches caches, Clock clock, PaymentsConfig payments, Documents documents,
                               Outbox outbox) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(clock, "clock");
        return new Fines(new CachedFineStore(new JdbcFineStore(database, Objects.requireNonNull(outbox, "outbox")), caches.region("fines")), new FineRules(clock),
                Objects.requireNonNull(documents, "documents"), Objects.requireNonNull(payments, "payments"), clock);
    }

    /** The store as the server runs it, without its cache: for measuring the JDBC store alone (the bench module). */
    public static FineStore storeWithoutCache(Database database) {
        return new JdbcFineStore(Objects.requireNonNull(database, "database"));
    }

    /** The sweep the recurring overdue_sweep task runs. */
    public OverdueSweeper overdueSweeper() {
        return overdueSweeper;
    }

    /** The {@code finehero.fines.v1.FinesService} implementation, reading the payment signature header. */
    public BindableService service() {
        return new FinesGrpcService(store, rules, documents.store()::existing, new HmacPaymentProvider(payments, clock))
                .withSignatureHeader();
    }

    /**
     * The handlers of the fines task types, to register with the task engine.
     *
     * @param requestRules the contract's protovalidate rules, which imported fines and report requests are checked against
     */
    public List<TaskHandler> taskHandlers(RequestRules requestRules) {
        return FineTasks.handlers(store, rules, overdueSweeper, documents, clock, requestRules);
    }
}
