#!/usr/bin/env bash
# The search benchmark: a seeded statute-like corpus (SearchCorpus: Zipf vocabulary of 50,000 words,
# a three-level jurisdiction hierarchy, a few hundred KB for the largest documents) bulk-imported into
# PostgreSQL and into the embedded H2, then the fixed query set (single words, 2-4-word conjunctions,
# phrases, prefixes, filters, deep pages) at 8 callers through SearchDocuments with the cache off; on
# PostgreSQL, in alternating rounds, the floor: the same queries hand-written over the GIN index
# through plain JDBC. Also CreateDocument throughput, search latency while documents are written,
# bulk-import throughput and index sizes. Writes src/bench/results/search.json.
# Usage: src/bench/search.sh [documents=100000] [seconds=20] [rounds=3] [seed=20261203]
# A short run proving it works: src/bench/search.sh 10000 5 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
documents="${1:-100000}"
seconds="${2:-20}"
rounds="${3:-3}"
seed="${4:-20261203}"
port=18293
schema=bench_search_corpus
pg_url=jdbc:postgresql://127.0.0.1:5432/test
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
work="$(mktemp -d)"
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
h2_url="jdbc:h2:$work/h2/finehero;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
server=""
start_server() { # $1 = JDBC URL, $2 = user
  (cd "$work" && exec env SERVER_PORT=$port FINEHERO_DB_URL="$1" FINEHERO_DB_USER="$2" \
      FINEHERO_DB_SCHEMA="$( [ "$2" = postgres ] && echo $schema || echo '')" FINEHERO_DB_POOL_MAX=16 \
      FINEHERO_REDIS_ADDRESS= FINEHERO_CACHE_ENABLED=false FINEHERO_DOCUMENTS_QUERY_dash_TIMEOUT=PT60S \
      "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx1g -jar "$root/server/target/finehero-server.jar" >>"$work/server.log" 2>&1) &
  server=$!
  # the embedded server indexes an imported corpus with Lucene before it is ready
  for _ in $(seq 1 6000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/observe/health/ready")" = 200 ] && return 0
    sleep 0.1
  done
  echo "server did not become ready; see $work/server.log" >&2; exit 1
}
stop_server() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
cleanup() {
  stop_server
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
run() { "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx2g -cp "$bench_cp" com.finehero.bench.SearchBench "$@"; }

# PostgreSQL: the server migrates its schema, the corpus is imported beside it, then measured
psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
start_server "$pg_url" postgres
run load-postgres "$pg_url" postgres "$schema" "$documents" "$seed" "$work/pg-load.json"
run measure 127.0.0.1 $port postgres "$pg_url" postgres "$schema" "$documents" "$seed" "$seconds" "$rounds" "$work/pg.json"
stop_server

# embedded: the server creates its H2 file and stops, the corpus is imported into the file, then measured
mkdir -p "$work/h2"
start_server "$h2_url" sa
stop_server
run load-h2 "$h2_url" "$documents" "$seed" "$work/h2-load.json"
h2_bytes_before_start=$(du -sb "$work/h2" | cut -f1)
index_started=$(date +%s.%N)
start_server "$h2_url" sa
index_seconds=$(echo "$(date +%s.%N) - $index_started" | bc)
index_bytes=$(du -sb "$work/h2/finehero.search" | cut -f1)
run measure 127.0.0.1 $port embedded - sa - "$documents" "$seed" "$seconds" "$rounds" "$work/h2.json"
stop_server
h2_bytes=$(du -sb "$work/h2" | cut -f1)

python3 - "$work" "$root/src/bench/results/search.json" "$h2_bytes_before_start" "$h2_bytes" "$(git -C "$root" rev-parse HEAD)" \
    "$index_seconds" "$index_bytes" <<'PY'
import json, sys, datetime, os
work, out, h2_before, h2_after, head, index_seconds, index_bytes = sys.argv[1:8]
load = lambda name: json.load(open(os.path.join(work, name)))
pg, h2 = load("pg.json"), load("h2.json")
pg["bulk_import"] = load("pg-load.json")
h2["bulk_import"] = load("h2-load.json")
h2["disk_bytes"] = {"h2_directory_after_import": int(h2_before), "h2_directory_at_end": int(h2_after),
                    "lucene_index_after_start": int(index_bytes)}
# the first start after the bulk import finds no index and builds it from the database before it is ready
h2["lucene_index_at_start"] = {"seconds_to_ready": float(index_seconds),
                               "documents_per_second": round(pg["documents"] / float(index_seconds), 1)}
targets = {
    "postgres_search_to_floor_min": 0.5, "postgres_p99_ms_max": 50, "embedded_p99_ms_max": 200, "indexing_documents_per_second_min": 500,
}
met = {
    "postgres_search_to_floor": pg["search_to_floor"] >= 0.5,
    "postgres_p99": pg["search"]["p99_ms"] <= 50,
    "embedded_p99": h2["search"]["p99_ms"] <= 200,
    "indexing_create_document_postgres": pg["create_document"]["calls_per_second"] >= 500,
    "indexing_bulk_import_postgres": pg["bulk_import"]["documents_per_second"] >= 500,
}
result = {"benchmark": "search", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "cpus": os.cpu_count(),
          "commit": head, "documents": pg["documents"], "targets": targets, "met": met, "postgresql": pg, "embedded": h2,
          "note": "figures are only comparable within one run; load_average fields say how busy the box was"}
json.dump(result, open(out, "w"), indent=1)
print(json.dumps({"search_to_floor": pg["search_to_floor"], "pg_p99": pg["search"]["p99_ms"], "floor_p99": pg["floor"]["p99_ms"],
                  "embedded_p99": h2["search"]["p99_ms"], "met": met}))
PY
