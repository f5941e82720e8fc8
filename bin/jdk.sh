# Sourced by ./mvnw, bin/finehero-server and the benchmarks: points JAVA_HOME at a JDK 21+ without help
# from the user, and reads the environment the server's JVM runs with (finehero_jvm_env).
# Order: a JAVA_HOME that is already 21+, then `java` on the PATH if 21+, then the newest JDK under
# /usr/lib/jvm (or $FINEHERO_JDK_SEARCH_PATH). Fails with a clear message when there is none.
finehero_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

finehero_select_jdk() {
  local min=21 candidate best="" best_major=0 major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(finehero_java_major "$JAVA_HOME")
    if [ "${major:-0}" -ge "$min" ] 2>/dev/null; then return 0; fi
  fi
  if command -v java >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    major=$(finehero_java_major "$candidate")
    if [ "${major:-0}" -ge "$min" ] 2>/dev/null; then export JAVA_HOME="$candidate"; return 0; fi
  fi
  for candidate in ${FINEHERO_JDK_SEARCH_PATH:-/usr/lib/jvm}/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(finehero_java_major "$candidate")
    if [ "${major:-0}" -ge "$min" ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "finehero: no JDK $min+ found (checked JAVA_HOME, java on PATH, ${FINEHERO_JDK_SEARCH_PATH:-/usr/lib/jvm}/*)." >&2
    echo "finehero: install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# The NAME=value lines of server/jvm.env under the repository root $1: the environment every server JVM
# runs with, beside server/jvm.options.
finehero_jvm_env() {
  grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$1/server/jvm.env"
}
