package com.finehero.server.platform.security;

import java.sql.Connection;
import java.sql.SQLException;

import java.time.Instant;
import java.util.List;

/**
 * Where the {@link AuditLog} keeps the events it records. The feature that owns the audit table and
 * the RPC listing it implements this, so the platform holds no SQL of its own.
 */
public interface AuditStore {

    /** One recorded call. Holds no secrets: ids and names only. */
    record Event(long id, Instant time, String principalId, String principalName, String credential,
                 String method, String resource, String peer, String protocol, String outcome, String requestId) { }

    /**
     * A page of events, newest first, with ids below {@code beforeId}. An empty filter matches any
     * value; {@code method} is a full method name ({@code package.Service/Method}) or a bare method
     * name, which matches it in every service.
     */
    record Query(String principalId, String method, long beforeId, int limit) { }

    /**
     * Writes the events, in one transaction. An event with id 0 is added (the store assigns its id); one
     * with an id amends that event's resource and outcome (see {@link #insert}).
     */
    void write(List<Event> batch);

    /** Adds {@code event} inside the caller's transaction on {@code connection}; returns the id it was given. */
    long insert(Connection connection, Event event) throws SQLException;

    List<Event> list(Query query);
}
