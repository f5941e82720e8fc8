-- Every task belongs to the caller who submitted it: who sees and changes it, and whose identity its
-- handler runs with. submitter is the caller's subject ('system' for what the server schedules),
-- submitter_roles the roles the submitting call carried (comma-separated Role names) and
-- submitter_credential how that caller proved who they are (Principal.Credential label). Tasks queued
-- before this column existed were run as the system, and still are.
ALTER TABLE tasks ADD COLUMN submitter VARCHAR(128) NOT NULL DEFAULT 'system';
ALTER TABLE tasks ADD COLUMN submitter_roles VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN submitter_credential VARCHAR(16) NOT NULL DEFAULT 'system';
-- an idempotency key is the submitter's own: another caller's key neither blocks nor returns it
ALTER TABLE tasks DROP CONSTRAINT tasks_idempotency_unique;
ALTER TABLE tasks ADD CONSTRAINT tasks_idempotency_unique UNIQUE (submitter, idempotency_key);
-- ListTasks of a caller who sees only their own tasks, newest first
CREATE INDEX tasks_submitter ON tasks (submitter, create_time, id);
