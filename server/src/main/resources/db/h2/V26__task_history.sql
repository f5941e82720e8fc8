-- Finished tasks (SUCCEEDED, CANCELLED) move from the queue table to task_history once they are a few
-- minutes old (JdbcTaskStore.archive), as on PostgreSQL, where the table is partitioned by day of
-- finish_time; H2 keeps a plain table whose expired rows retention deletes. The columns are those a
-- task is read with; the queue's own (seq, ready_key, lease_until) stay behind.
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
    CONSTRAINT task_history_pkey PRIMARY KEY (id)
);

-- ListTasks newest first, for everyone (staff) and for a caller who sees only their own tasks (V23, V10)
CREATE INDEX task_history_newest ON task_history (create_time, id);
CREATE INDEX task_history_submitter ON task_history (submitter, create_time, id);
-- a repeated submission finds the task its idempotency key first queued
CREATE INDEX task_history_idempotency ON task_history (submitter, idempotency_key);
