-- A queue table's statistics are stale by nature: thousands of rows change state a second, and a new
-- table has none. Without them PostgreSQL guesses that any equality on state matches a row or two, so
-- an index that leads with state looks like the cheapest way into the table for any statement that
-- names a state, and it then walks every (often dead) RUNNING entry: up to seconds a statement, measured
-- in src/bench/tasks-throughput.sh. No index leads with state any more; each serves one access path,
-- and partial indexes skip the rows that have no value (most versions of a row have no lease).
DROP INDEX tasks_leases;
DROP INDEX tasks_owner;
DROP INDEX tasks_finished;
-- lease-expiry rescue
CREATE INDEX tasks_lease_expiry ON tasks (lease_until) WHERE lease_until IS NOT NULL;
-- heartbeats, cancellation checks and release at shutdown: an instance's own leases
CREATE INDEX tasks_owner ON tasks (lease_owner) WHERE lease_owner IS NOT NULL;
-- statistics and retention
CREATE INDEX tasks_finish_time ON tasks (finish_time) WHERE finish_time IS NOT NULL;
-- vacuum and analyze after 2% of the rows changed, not the default 20% / 10%: dead queue entries and
-- stale statistics are what slow a queue down
ALTER TABLE tasks SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
