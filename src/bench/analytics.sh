#!/usr/bin/env bash
# GetFineAnalytics' query at scale on PostgreSQL: generates the fines in bulk SQL (seeded: the same data on
# every run) in its own schema, bench_analytics, builds the daily rollup from them (timed), then measures
# p50/p99 of typical queries (a year by month by jurisdiction; a year by month of one city; a quarter by
# day by violation code of one state) through the server's JDBC fines store at a few concurrent callers,
# each from the fines alone (live) and as GetFineAnalytics answers (rollup), and checks both answer the
# same. Writes src/bench/results/analytics.json unless told another file. The schema is dropped afterwards.
# Usage: src/bench/analytics.sh [fines] [seconds per run] [callers, comma-separated] [out.json]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
fines="${1:-1000000}" seconds="${2:-20}" callers="${3:-1,4,8}" out="${4:-$root/src/bench/results/analytics.json}"
pg_url=jdbc:postgresql://127.0.0.1:5432/test schema=bench_analytics
"$root/mvnw" -q -B -f "$root/pom.xml" -pl bench -am package -DskipTests
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
. "$root/src/bench/lib.sh"
drop_schema() { psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; }
trap drop_schema EXIT
drop_schema
"$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.AnalyticsBench "$pg_url" postgres "$schema" \
  "$fines" "$seconds" "$callers" "$out"
cat "$out"
