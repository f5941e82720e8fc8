#!/usr/bin/env bash
# The time-partitioned audit_events and event_outbox on PostgreSQL at volume: generates audit events over
# 13 months and outbox rows over 3 days straight in SQL (generate_series, deterministic) in a schema of
# its own, bench_partitions, migrated as the server migrates it, with partitions made by the server's
# retention pass, plus plain copies laid out as before partitioning. Then, for each query ListAuditEvents
# and the event feed run, on both layouts: EXPLAIN (ANALYZE, BUFFERS) (index used, sequential scans,
# partitions in the plan and pruned) and p50/p99 over a few seconds; last, dropping the oldest partition
# against DELETE and VACUUM of the same rows. Writes src/bench/results/partitions.json unless told another
# file. The schema is dropped afterwards. At the defaults (50,000,000 audit events, 10,000,000 outbox rows)
# generation takes a long while and the schema needs tens of GB (both layouts): check the disk first.
# Last, the tasks as the server lays them out at [finished tasks] (10,000,000 by default): the moved ones
# in task_history's day partitions, the dead ones with a live queue in the tasks table; every statement
# the queue and the tasks API run, under EXPLAIN and repeated, the rate at which the maintenance moves
# finished tasks to the history, and dropping the history's oldest day against DELETE and VACUUM.
# Usage: src/bench/partitions.sh [audit events] [outbox rows] [seconds per query] [out.json] [notes for the record] [finished tasks]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
audit="${1:-50000000}" outbox="${2:-10000000}" seconds="${3:-5}" out="${4:-$root/src/bench/results/partitions.json}" notes="${5:-}" tasks="${6:-10000000}"
pg_url=jdbc:postgresql://127.0.0.1:5432/test schema=bench_partitions
"$root/mvnw" -q -B -f "$root/pom.xml" -pl bench -am package -DskipTests
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
. "$root/src/bench/lib.sh"
drop_schema() { psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
trap drop_schema EXIT
drop_schema
"$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.PartitionsBench "$pg_url" postgres "$schema" \
  "$audit" "$outbox" "$seconds" "$out" "$notes" "$tasks"
cat "$out"
