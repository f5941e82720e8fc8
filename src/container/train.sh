#!/bin/sh
# The image build's training run for the AOT cache: start the server on embedded H2 in /app/data,
# wait for readiness, make a few HTTP calls, stop it with SIGTERM. The JVM writes the cache as it
# exits. Runs inside the build, on its own loopback.
#   train.sh true|false CACHE_FILE ARGS_FILE     (ARGS_FILE: the java @argfile that uses the cache)
set -eu
enabled="$1"
out="$2"
args="$3"
if [ "$enabled" != true ]; then
  echo "# no AOT cache in this image (AOT_CACHE=$enabled)" > "$args"
  exit 0
fi
port="${TRAIN_PORT:-8080}"
export SERVER_PORT="$port" SERVER_HOST=127.0.0.1 FINEHERO_LOG_FORMAT=text
java @/app/jvm.options -XX:AOTCacheOutput="$out" -jar /app/finehero-server.jar > /tmp/train.log 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
check() { java -XX:+UseSerialGC -Xmx16m -XX:TieredStopAtLevel=1 -cp /app/healthcheck HealthCheck "$1" 2>/dev/null; }
i=0
until check "$url/observe/health/ready"; do
  i=$((i + 1))
  if [ "$i" -gt 240 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat /tmp/train.log >&2
    echo "train.sh: the server did not become ready" >&2
    exit 1
  fi
  sleep 0.5
done
# Calls that load the REST bridge, the security checks and the metrics path (answers do not matter).
for path in /observe/health/live /observe/metrics /v1/fines /v1/fines/00000000-0000-0000-0000-000000000000 /openapi.json; do
  check "$url$path" || true
done
kill -TERM "$pid"
wait "$pid" || { cat /tmp/train.log >&2; echo "train.sh: the server did not exit cleanly" >&2; exit 1; }
[ -s "$out" ] || { cat /tmp/train.log >&2; echo "train.sh: no AOT cache written" >&2; exit 1; }
echo "-XX:AOTCache=$out" > "$args"
echo "train.sh: AOT cache $(du -h "$out" | cut -f1)"
