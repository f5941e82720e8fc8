#!/usr/bin/env bash
# Whether the stores should use Helidon's DB client (helidon-dbclient-jdbc): the fines store's cache-miss
# read and a filtered ListFines page through the server's plain-JDBC store, the same on the Sql helper and
# the DB-client spike (bench module), in process on PostgreSQL with 10 000 fines, in alternating rounds.
# Writes src/bench/results/dbclient.json: each mode's median calls/s, p50, p99 and CPU time per call, its
# ratios to plain JDBC, and the lines of code each way needs. No FineHero server or Redis is involved.
# Usage: src/bench/dbclient.sh [rounds] [seconds] [warm-up seconds per run] [callers] [fines]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
rounds="${1:-7}" seconds="${2:-6}" warmup="${3:-2}" callers="${4:-4}" fines="${5:-10000}"
pg_url=jdbc:postgresql://127.0.0.1:5432/test schema=bench_dbclient
"$root/mvnw" -q -B -f "$root/pom.xml" -pl bench -am package -DskipTests
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
. "$root/src/bench/lib.sh"
drop_schema() { psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
trap 'drop_schema; rm -rf "$work"' EXIT
drop_schema
run() { "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" "$@"; }

# one process, one database: the server's Flyway migrations make the schema; a warm-up round (not recorded)
# comes before the measured ones, and every mode runs in every round
run com.finehero.bench.DbClientBench measure "$pg_url" postgres "$schema" "$fines" "$callers" "$warmup" "$seconds" "$rounds" \
  "$work/runs.ndjson"
run com.finehero.bench.DbClientBench report "$work/runs.ndjson" "$root" "$root/src/bench/results/dbclient.json"
