-- The claim scans due tasks in queue order; only PENDING and FAILED rows are in this index, so it
-- stays small however many finished tasks the table keeps.
CREATE INDEX tasks_ready ON tasks (ready_key, seq) WHERE state IN ('PENDING', 'FAILED');
