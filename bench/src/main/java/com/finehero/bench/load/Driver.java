package com.finehero.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Recorder;

/**
 * Runs the operations with N virtual users: closed loop (each user calls again as soon as it is
 * answered), or open loop at a target rate, where each call has a scheduled start and its latency is
 * measured from that start, so a slow server cannot hide its queueing (no coordinated omission).
 */
final class Driver {

    /** What one operation collected while measuring. */
    static final class Tally {
        final Recorder latencies = new Recorder(3);
        final AtomicLong ok = new AtomicLong();
        final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    }

    private final List<Operation> operations;
    private final int users;
    private final double rate;
    private final int totalWeight;

    Driver(List<Operation> operations, int users, double rate) {
        this.operations = List.copyOf(operations);
        this.users = users;
        this.rate = rate;
        this.totalWeight = operations.stream().mapToInt(Operation::weight).sum();
    }

    /** The measured run's result. */
    record Run(Map<String, Tally> tallies, double seconds, long[] callsPerSecond) {
        Report report(String scenario, String protocol, int users, double rate) {
            return Report.of(scenario, protocol, users, rate, this);
        }
    }

    Run run(Duration warmup, Duration measure) throws InterruptedException {
        drive(warmup, null, null);
        Map<String, Tally> tallies = new LinkedHashMap<>();
        operations.forEach(o -> tallies.put(o.name(), new Tally()));
        AtomicLongArray perSecond = new AtomicLongArray((int) Math.max(1, measure.toSeconds() + 1));
        long start = System.nanoTime();
        drive(measure, tallies, perSecond);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] timeline = new long[perSecond.length()];
        for (int i = 0; i < timeline.length; i++) {
            timeline[i] = perSecond.get(i);
        }
        return new Run(tallies, seconds, timeline);
    }

    private void drive(Duration time, Map<String, Tally> tallies, AtomicLongArray perSecond) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + time.toNanos();
        long intervalNanos = rate > 0 ? (long) (1e9 * users / rate) : 0;
        List<Thread> threads = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            long firstStart = start + (intervalNanos > 0 ? intervalNanos * u / users : 0);
            threads.add(Thread.ofVirtual().start(() -> {
                long scheduled = firstStart;
                while (true) {
                    long now = System.nanoTime();
                    if (intervalNanos > 0) {
                        if (scheduled >= end) {
                            return;
                        }
                        if (scheduled > now) {
                            LockSupport.parkNanos(scheduled - now);
                        }
                    } else if (now >= end) {
                        return;
                    }
                    long began = intervalNanos > 0 ? scheduled : System.nanoTime();
                    Operation operation = pick();
                    String failure = null;
                    try {
                        operation.call().call();
                    } catch (CallFailed e) {
                        failure = e.status();
                    } catch (Exception e) {
                        failure = e.getClass().getSimpleName();
                    }
                    long done = System.nanoTime();
                    if (tallies != null) {
                        Tally tally = tallies.get(operation.name());
                        if (failure == null) {
                            tally.latencies.recordValue(Math.max(1, done - began));
                            tally.ok.incrementAndGet();
                        } else {
                            tally.errors.computeIfAbsent(failure, k -> new AtomicLong()).incrementAndGet();
                        }
                        int second = (int) ((done - start) / 1_000_000_000L);
                        if (second < perSecond.length()) {
                            perSecond.incrementAndGet(second);
                        }
                    }
                    scheduled += intervalNanos;
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private Operation pick() {
        int roll = ThreadLocalRandom.current().nextInt(totalWeight);
        for (Operation operation : operations) {
            roll -= operation.weight();
            if (roll < 0) {
                return operation;
            }
        }
        return operations.getLast();
    }
}
