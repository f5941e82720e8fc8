-- ListTasks without a submitter (staff, API users) walks the table newest first: (create_time, id) is
-- its order and its page token. Without this index a listing sorted every kept task for one page:
-- a sequential scan of 10 million finished tasks at ten times today's volume (src/bench/partitions.sh).
-- create_time never changes, so the index only grows with inserts.
CREATE INDEX tasks_newest ON tasks (create_time, id);
