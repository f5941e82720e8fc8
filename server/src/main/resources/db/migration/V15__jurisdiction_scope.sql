-- Jurisdiction scope: a user, an API key or a queued task may be limited to one jurisdiction code and
-- the codes below it (US-CA-SF reaches US-CA-SF and US-CA-SF-...). NULL: no limit. Codes are stored
-- upper-case, as fines and documents store theirs. The same SQL runs on PostgreSQL and H2.
ALTER TABLE users ADD COLUMN jurisdiction_scope VARCHAR(64);
ALTER TABLE api_keys ADD COLUMN jurisdiction_scope VARCHAR(64);
-- the scope of the submitting call, which the task's handler runs with (as submitter_roles)
ALTER TABLE tasks ADD COLUMN submitter_scope VARCHAR(64);
