package com.finehero.bench;

import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import com.finehero.api.fines.v1.Fine;
import com.finehero.server.fines.FineStore;
import com.finehero.server.platform.db.DbConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database-access benchmark's stores on one backend: the DB-client spike and the {@code Sql} version
 * must answer every read and page exactly as the server's store does, or their figures mean nothing.
 */
abstract class DbClientBenchContract {

    private static DbClientBench.Stores stores;
    private static DbClientBench.Workload workload;

    static void open(DbConfig config) {
        stores = new DbClientBench.Stores(config);
        workload = DbClientBench.Workload.load(stores.baseline(), 1000, new Random(1));
    }

    @AfterAll
    static void close() {
        if (stores != null) {
            stores.close();
            stores = null;
        }
    }

    @Test
    void everyStoreAnswersReadsAndPagesAsTheServersStoreDoes() {
        assertEquals(List.of("plain_jdbc", "sql_helper", "dbclient", "dbclient_in_transaction"), List.copyOf(stores.byMode.keySet()));
        assertEquals(1000, workload.ids.size());
        assertTrue(workload.cursors.size() > 200, "cursors with a full page after them: " + workload.cursors.size());

        workload.checkSameAnswers(stores.byMode, 20);
    }

    @Test
    void theWorkloadReadsFullPagesOfOpenFinesFromItsCursor() {
        for (String mode : stores.byMode.keySet()) {
            List<Fine> page = stores.byMode.get(mode).list(workload.randomPageQuery(), DbClientBench.PAGE + 1);
            assertEquals(DbClientBench.PAGE + 1, page.size(), mode);
        }
    }

    @Test
    void aStoreThatAnswersOneReadDifferentlyIsCaught() {
        FineStore baseline = stores.baseline();
        FineStore stale = (FineStore) Proxy.newProxyInstance(FineStore.class.getClassLoader(), new Class<?>[] {FineStore.class},
                (proxy, method, args) -> {
                    Object answer = method.invoke(baseline, args);
                    return answer instanceof Optional<?> found && found.isPresent()
                            ? Optional.of(((Fine) found.get()).toBuilder().setVersion(0).build()) : answer;
                });
        Map<String, FineStore> compared = new LinkedHashMap<>();
        compared.put(DbClientBench.BASELINE, baseline);
        compared.put("stale", stale);

        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> workload.checkSameAnswers(compared, 5));
        assertTrue(failure.getMessage().startsWith("stale answers find"), failure.getMessage());
    }
}
