-- The first maintenance rounds after V26 move every SUCCEEDED and CANCELLED task kept in the queue table
-- (up to finehero.tasks.retention of them) to task_history, oldest first. V26 made partitions only for
-- today and the days ahead, so those older days would land in the DEFAULT partition, and the next
-- retention pass would have to move them out under a lock that makes every read of the history wait.
-- A partition for each day that finished tasks still in the queue table fell on avoids that; the
-- retention pass drops the ones already past retention.
DO $$
DECLARE
    slice TIMESTAMP;
BEGIN
    FOR slice IN
        SELECT DISTINCT date_trunc('day', finish_time AT TIME ZONE 'UTC') FROM tasks
        WHERE state IN ('SUCCEEDED', 'CANCELLED') AND finish_time IS NOT NULL
    LOOP
        -- a day the DEFAULT partition already holds rows of cannot get a partition this way; the
        -- retention pass moves those rows into one of their own
        CONTINUE WHEN EXISTS (SELECT 1 FROM task_history_default
                              WHERE finish_time >= slice AT TIME ZONE 'UTC' AND finish_time < (slice + INTERVAL '1 day') AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF task_history FOR VALUES FROM (%L) TO (%L)',
                       'task_history_p' || to_char(slice, 'YYYYMMDD'),
                       to_char(slice, 'YYYY-MM-DD HH24:MI:SS') || '+00',
                       to_char(slice + INTERVAL '1 day', 'YYYY-MM-DD HH24:MI:SS') || '+00');
    END LOOP;
END $$;
