#!/usr/bin/env bash
# The reliability (fault-injection) suite: FaultInjectionTest with its own PostgreSQL, Redis and two
# FineHero child servers (needs PostgreSQL's initdb/pg_ctl and redis-server installed; no shared
# service is touched). Writes src/bench/results/faults.json: date, machine (nproc, load average at
# start and end), what was run, and per scenario the calls, failures by code, p99/max latency,
# readiness changes and acknowledged writes missing. About 5 minutes. Extra arguments go to Maven,
# e.g. -Dtest='FaultInjectionTest#redisFrozen' for one scenario, -Dfinehero.faults.rate=40.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
. bin/jdk.sh
finehero_select_jdk
mkdir -p src/bench/results
"$root/mvnw" -B -f "$root/pom.xml" -pl server -am verify -Pfaults -Dtest=FaultInjectionTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfinehero.faults.results="$root/src/bench/results/faults.json" "$@"
echo "faults: results in src/bench/results/faults.json"
