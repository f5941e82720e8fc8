-- Finished tasks (SUCCEEDED, CANCELLED) move from the queue table to task_history once they are a few
-- minutes old (JdbcTaskStore.archive), so that tasks holds the live queue and the recent past and stays
-- small whatever the history, and so that retention (finehero.tasks.retention) drops a day of history
-- as one partition instead of deleting it row by row from the queue table
-- (docs/decisions/2026-12-03-time-partitioned-append-only-tables.md). Range-partitioned by UTC day of
-- finish_time, like event_outbox; platform.retention creates the partitions ahead (three days) and drops
-- the expired ones; the DEFAULT partition takes any row outside them.
--
-- The columns are those a task is read with; the queue's own (seq, ready_key, lease_until) stay behind.
-- The primary key carries the partition key, as a partitioned table's unique keys must: ids are unique
-- because a task is inserted once and moved once. An idempotency key stays its submitter's across both
-- tables: the store checks the history after every keyed insert (a unique index cannot span them).
CREATE TABLE task_history (
    id                   VARCHAR(36)              NOT NULL,
    type                 VARCHAR(64)              NOT NULL,
    payload              TEXT                     NOT NULL,
    priority             SMALLINT                 NOT NULL,
    state                VARCHAR(16)              NOT NULL,
    run_at               TIMESTAMP WITH TIME ZONE NOT NULL,
    cron                 VARCHAR(120),
    idempotency_key      VARCHAR(128),
    attempts             INT                      NOT NULL,
    max_attempts         INT                      NOT NULL,
    backoff_ms           BIGINT                   NOT NULL,
    lease_owner          VARCHAR(64),
    cancel_requested     BOOLEAN                  NOT NULL,
    progress_percent     INT                      NOT NULL,
    progress_message     VARCHAR(500)             NOT NULL,
    result               TEXT,
    last_error           VARCHAR(2000)            NOT NULL,
    create_time          TIMESTAMP WITH TIME ZONE NOT NULL,
    update_time          TIMESTAMP WITH TIME ZONE NOT NULL,
    start_time           TIMESTAMP WITH TIME ZONE,
    finish_time          TIMESTAMP WITH TIME ZONE NOT NULL,
    version              BIGINT                   NOT NULL,
    submitter            VARCHAR(128)             NOT NULL,
    submitter_roles      VARCHAR(200)             NOT NULL,
    submitter_credential VARCHAR(16)              NOT NULL,
    submitter_scope      VARCHAR(64),
    CONSTRAINT task_history_pkey PRIMARY KEY (id, finish_time)
) PARTITION BY RANGE (finish_time);
CREATE TABLE task_history_default PARTITION OF task_history DEFAULT;

-- this day's partition and the three retention keeps ahead; bounds are UTC, whatever the session's zone
DO $$
DECLARE
    slice TIMESTAMP;
BEGIN
    FOR slice IN
        SELECT date_trunc('day', now() AT TIME ZONE 'UTC') + make_interval(days => ahead) FROM generate_series(0, 3) AS ahead
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF task_history FOR VALUES FROM (%L) TO (%L)',
                       'task_history_p' || to_char(slice, 'YYYYMMDD'),
                       to_char(slice, 'YYYY-MM-DD HH24:MI:SS') || '+00',
                       to_char(slice + INTERVAL '1 day', 'YYYY-MM-DD HH24:MI:SS') || '+00');
    END LOOP;
END $$;

-- ListTasks newest first, for everyone (staff) and for a caller who sees only their own tasks (V23, V10)
CREATE INDEX task_history_newest ON task_history (create_time, id);
CREATE INDEX task_history_submitter ON task_history (submitter, create_time, id);
-- a repeated submission finds the task its idempotency key first queued
CREATE INDEX task_history_idempotency ON task_history (submitter, idempotency_key) WHERE idempotency_key IS NOT NULL;
