package com.finehero.server.tasks;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import com.finehero.api.tasks.v1.Task;

/**
 * Writes the outcomes of finished attempts in batches: one transaction for everything that finished
 * while the previous batch was being written, so a queue of short tasks costs one commit per batch,
 * not one per task. An outcome not yet written when the process dies is lost with the process; its
 * task's lease then expires and it runs again (handlers are safe to run again).
 */
final class TaskCompleter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskCompleter.class.getName());
    static final int BATCH = 500;

    private final TaskStore store;
    private final String owner;
    private final BlockingQueue<Task> outcomes = new ArrayBlockingQueue<>(20_000);
    private final Thread writer;
    private volatile boolean stopping;

    TaskCompleter(TaskStore store, String owner) {
        this.store = store;
        this.owner = owner;
        this.writer = Thread.ofPlatform().daemon().name("finehero-task-completer").unstarted(this::loop);
    }

    void start() {
        writer.start();
    }

    /** Queues an outcome; blocks only when the writer is far behind. */
    void complete(Task outcome) {
        try {
            outcomes.put(outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the lease expires and the task runs again; nothing is lost but time
        }
    }

    private void loop() {
        List<Task> batch = new ArrayList<>(BATCH);
        while (!stopping || !outcomes.isEmpty()) {
            try {
                Task first = outcomes.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                outcomes.drainTo(batch, BATCH - 1);
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (!stopping) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void write(List<Task> batch) throws InterruptedException {
        Duration pause = Duration.ofMillis(100);
        while (true) {
            try {
                store.finish(owner, batch);
                return;
            } catch (RuntimeException e) {
                if (stopping && pause.toSeconds() >= 2) {
                    LOG.log(Level.WARNING, batch.size() + " task outcome(s) could not be written before shutdown; "
                            + "their leases will expire and they will run again", e);
                    return;
                }
                LOG.log(Level.WARNING, "writing " + batch.size() + " task outcome(s) failed; retrying in " + pause.toMillis() + " ms", e);
                Thread.sleep(pause.toMillis());
                pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : pause.multipliedBy(2);
            }
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        stopping = true;
        try {
            writer.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
