-- GetQueueStats counts the tasks in the queue (PENDING, RUNNING, FAILED) and those waiting for an
-- operator (DEAD), never the finished ones kept for their retention, which grow to millions. This
-- partial index holds just those rows, so the count reads them and nothing else. It leads with
-- priority, not state (see V9: an index leading with state misleads the planner of the queue's hot
-- statements); rows leave it as they finish. H2 needs no such index: an embedded queue is small.
CREATE INDEX tasks_in_queue ON tasks (priority) WHERE state IN ('PENDING', 'RUNNING', 'FAILED', 'DEAD');
