#!/usr/bin/env bash
# SearchDocuments as a viewer on PostgreSQL, cache off: a base git ref's build (search before documents
# had a visibility) against this tree's (search filtered by the caller's visibility), both servers up at
# once on the same corpus, rounds alternating between them. Writes src/bench/results/search-visibility.json.
# Usage: src/bench/search-visibility.sh [BASE_REF=b3ec72a] [rounds=3] [seconds=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk.sh"
finehero_select_jdk
base_ref="${1:-b3ec72a}"
rounds="${2:-3}"
seconds="${3:-8}"
base_sha="$(git -C "$root" rev-parse "$base_ref")"
head_sha="$(git -C "$root" rev-parse HEAD)"
base_tree="$(mktemp -d)/base"
git -C "$root" worktree add -q --detach "$base_tree" "$base_sha"
work="$(mktemp -d)"
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for label in base head; do
    psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_search_$label CASCADE" >/dev/null 2>&1 || true
  done
  git -C "$root" worktree remove --force "$base_tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$root/mvnw" -q -B -f "$root/pom.xml" -pl server,bench -am package -DskipTests
"$root/mvnw" -q -B -f "$base_tree/pom.xml" -pl server -am package -DskipTests
. "$root/src/bench/lib.sh"
bench_secure_env
flags=()
if [ "$(finehero_java_major "$JAVA_HOME")" -ge 24 ]; then flags+=(--sun-misc-unsafe-memory-access=allow); fi
start_server() { # $1 = tree, $2 = label, $3 = port
  (cd "$work" && exec env SERVER_PORT="$3" FINEHERO_DB_URL=jdbc:postgresql://127.0.0.1:5432/test FINEHERO_DB_USER=postgres \
      FINEHERO_DB_SCHEMA="bench_search_$2" FINEHERO_DB_POOL_MAX=16 FINEHERO_CACHE_ENABLED=false \
      "$JAVA_HOME/bin/java" "${flags[@]}" -Xmx512m -jar "$1/server/target/finehero-server.jar" >>"$work/$2.log" 2>&1) &
  servers+=($!)
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$3/observe/health/ready")" = 200 ] && return 0
    sleep 0.1
  done
  echo "$2 server did not become ready; see $work/$2.log" >&2; exit 1
}
for label in base head; do
  psql -h 127.0.0.1 -U postgres test -qc "DROP SCHEMA IF EXISTS bench_search_$label CASCADE" >/dev/null 2>&1 || true
done
start_server "$base_tree" base 18291
start_server "$root" head 18292
"$JAVA_HOME/bin/java" "${flags[@]}" -cp "$bench_cp" com.finehero.bench.SearchVisibilityBench 127.0.0.1 18291 18292 \
  "$rounds" "$seconds" "$work/result.json"
python3 - "$work/result.json" "$root/src/bench/results/search-visibility.json" "$base_sha" "$head_sha" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
result["compared"] = {"base": sys.argv[3], "head": sys.argv[4]}
result["method"] = ("both builds' servers up at once on PostgreSQL, cache off, the same 1000 PUBLIC documents in each; "
                    "a new viewer searches (the cache benchmark's 10 queries, 8 callers, page size 10), rounds alternating "
                    "base/head; the head adds the visibility condition to every statement of the search")
json.dump(result, open(sys.argv[2], "w"), indent=1)
print(json.dumps({k: result[k] for k in ("base_median_calls_per_second", "head_median_calls_per_second", "head_to_base",
                                         "load_average_before", "load_average_after")}))
PY
