#!/usr/bin/env bash
# The whole cluster on loopback: PostgreSQL primary + pg_basebackup streaming replica
# (finehero.db.replicas), Redis master + replica + 3 sentinels, three FineHero child JVMs and HAProxy in
# front (h2c for gRPC, HTTP/1.1 for REST), all started by ClusterTest as processes of its own (needs
# PostgreSQL's initdb/pg_ctl/pg_basebackup, redis-server, redis-sentinel and haproxy: `apt-get install haproxy redis-sentinel`; no
# shared service is touched). A mixed load runs through HAProxy; a third of the way in one FineHero is
# SIGKILLed, two thirds in the Redis master is, and the sentinels fail it over. Writes
# src/bench/results/cluster.json: date, machine (nproc, load average at start and end), calls, failures
# by status, p50/p99, acknowledged writes missing afterwards (asserted 0), tasks run more than once,
# stale reads after writes by method (asserted 0 for replica-routable reads). About 3 minutes. Extra arguments go to Maven, e.g.
# -Dfinehero.cluster.seconds=90 -Dfinehero.cluster.workers=16.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
. bin/jdk.sh
finehero_select_jdk
for tool in haproxy redis-sentinel; do command -v "$tool" >/dev/null || { echo "cluster: $tool is not installed (apt-get install $tool)" >&2; exit 1; }; done
mkdir -p src/bench/results
nice -n 19 "$root/mvnw" -B -f "$root/pom.xml" -pl server -am test -Pfaults -Dtest=ClusterTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfinehero.cluster.results="$root/src/bench/results/cluster.json" "$@"
echo "cluster: results in src/bench/results/cluster.json"
