-- GetQueueStats groups the queue by priority and state, optionally for one type. V24's partial index
-- found those rows but did not hold their state or type, so the count still fetched every row from the
-- table: 0.53 s for 100,000 dead tasks among 10 million finished ones (src/bench/partitions.sh). This
-- index carries state and type as INCLUDE columns: stored, never searched, so no statement can enter it
-- by state (see V9) and it serves exactly what V24's did; the count now reads the index alone wherever
-- vacuum has marked the table's pages all-visible, as it soon does for dead tasks, which no longer change.
--
-- An index on a queue table is paid on every write, not only on inserts. A task's updates change
-- indexed columns (state, lease_owner, ready_key, finish_time), so PostgreSQL cannot make them
-- heap-only (HOT): each new row version gets an entry in every index of the table. That includes
-- tasks_newest (V23), whose comment says it only grows with inserts; it grows with every update too.
-- What the indexes cost the queue is measured in src/bench/tasks-throughput.sh (see docs/tasks.md).
CREATE INDEX tasks_in_queue_with_state ON tasks (priority) INCLUDE (state, type)
    WHERE state IN ('PENDING', 'RUNNING', 'FAILED', 'DEAD');
DROP INDEX tasks_in_queue;
