-- H2 has no partial indexes: the claim's index leads with the state.
CREATE INDEX tasks_ready ON tasks (state, ready_key, seq);
