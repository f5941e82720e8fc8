-- Account lifecycle: a forced password change, a one-time reset token, and deletion by pseudonymisation.
-- The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.

-- the next login must change the password first (the bootstrap admin, whose password sat in configuration)
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- SHA-256 of the reset token an admin issued, hex: the token itself is never stored; usable once
ALTER TABLE users ADD COLUMN reset_token_hash CHAR(64);
ALTER TABLE users ADD COLUMN reset_expire_time TIMESTAMP WITH TIME ZONE;
-- set when the user was deleted: the row stays (audit events and fines name its id), pseudonymised
ALTER TABLE users ADD COLUMN delete_time TIMESTAMP WITH TIME ZONE;
