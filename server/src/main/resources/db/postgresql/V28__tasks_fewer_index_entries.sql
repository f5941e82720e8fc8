-- Every row version of a task goes into every index whose condition it meets (see V25), three versions
-- per task at least (queued, running, finished). Two indexes held an entry per version that nothing
-- reads:
-- * the idempotency key's uniqueness covered the tasks without a key too, most of them; a partial
--   unique index holds only the keyed ones. ON CONFLICT DO NOTHING (no conflict target) still stops at
--   it, and tasks without a key never conflicted on it (NULLs are distinct).
-- * seq's uniqueness: seq only orders the queue (tasks_ready, V8) and an identity column already gives
--   each row its own value.
CREATE UNIQUE INDEX tasks_idempotency ON tasks (submitter, idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE tasks DROP CONSTRAINT tasks_idempotency_unique;
ALTER TABLE tasks DROP CONSTRAINT tasks_seq_unique;
