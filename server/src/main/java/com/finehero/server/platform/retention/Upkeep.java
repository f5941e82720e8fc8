package com.finehero.server.platform.retention;

import java.util.List;

/**
 * What one retention pass did to one table.
 *
 * @param table   the table
 * @param created partitions created (PostgreSQL)
 * @param dropped partitions dropped whole, every row in them past retention (PostgreSQL)
 * @param deleted rows deleted one by one: every expired row on H2, expired rows that had reached the
 *                default partition on PostgreSQL
 * @param moved   rows moved out of the default partition into a partition created for them
 * @param skipped true when another instance was keeping the table at the same moment, so this pass did nothing
 */
public record Upkeep(String table, List<String> created, List<String> dropped, long deleted, long moved, boolean skipped) {

    public Upkeep {
        created = List.copyOf(created);
        dropped = List.copyOf(dropped);
    }

    static Upkeep skipped(String table) {
        return new Upkeep(table, List.of(), List.of(), 0, 0, true);
    }

    @Override
    public String toString() {
        return table + (skipped ? ": kept by another instance" : ": created " + created + ", dropped " + dropped
                + ", " + deleted + " row(s) deleted, " + moved + " row(s) moved out of the default partition");
    }
}
