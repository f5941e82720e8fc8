#!/usr/bin/env bash
# Builds the FineHero image with Podman/Buildah on a machine that reaches no container registry:
#   1. the bases from Debian packages (src/container/base.sh; reused while its record holds),
#   2. a JDK image: the build base plus the JDK this build uses (bin/jdk.sh: JDK 25 for jlink's
#      --multi-release 25), for the stages that jlink the runtime and train the AOT cache,
#   3. src/container/Dockerfile with BASE, JDK_IMAGE and APP_SOURCE=context, from the jar and libraries
#      that ./mvnw -pl server -am package left in server/target.
#
#   src/container/build.sh [TAG]        (default localhost/finehero:<the chart's appVersion>)
#
# Prints the image ID last; writes $FINEHERO_CONTAINER_STATE/image.env (IMAGE_ID, SIZE_BYTES, ...).
# Podman runs with runc and cgroupfs here (crun does not start containers on this cgroup layout);
# set FINEHERO_PODMAN to change that. FINEHERO_AOT_CACHE=false builds without the AOT cache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
podman_cmd=(${FINEHERO_PODMAN:-podman --runtime /usr/sbin/runc --cgroup-manager=cgroupfs})
state="${FINEHERO_CONTAINER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/finehero/container}"
mkdir -p "$state"

die() { echo "build.sh: $*" >&2; exit 1; }
[ -f server/target/finehero-server.jar ] && [ -d server/target/libs ] \
  || die "server/target/finehero-server.jar is missing: run ./mvnw -B -pl server -am package -DskipTests first"

version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"
# The Helm chart's default image is localhost/finehero:<appVersion>.
app_version="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/finehero/Chart.yaml)"
tag="${1:-localhost/finehero:$app_version}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- 2>/dev/null || revision="$revision-dirty"

# 1. base
src/container/base.sh
suite="${FINEHERO_BASE_SUITE:-bookworm}"
base_id="$("${podman_cmd[@]}" image inspect --format '{{.Id}}' "localhost/finehero-base:$suite")"
build_base_id="$("${podman_cmd[@]}" image inspect --format '{{.Id}}' "localhost/finehero-build-base:$suite")"

# 2. the JDK image, keyed by the base and the JDK's release
. bin/jdk.sh
finehero_select_jdk
[ "$(finehero_java_major "$JAVA_HOME")" -ge 25 ] || die "the image's runtime is jlinked from a JDK 25+; $JAVA_HOME is older"
jdk_containerfile='ARG BASE\nFROM ${BASE}\nLABEL com.finehero.jdk=true\nCOPY . /opt/java/openjdk\nENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/sbin:/usr/bin:/sbin:/bin\n'
jdk_key="$( { echo "$build_base_id"; cat "$JAVA_HOME/release"; printf "$jdk_containerfile"; } | sha256sum | cut -c1-16)"
jdk_image="localhost/finehero-jdk:$jdk_key"
if ! "${podman_cmd[@]}" image exists "$jdk_image"; then
  echo "build.sh: making $jdk_image from $JAVA_HOME"
  printf "$jdk_containerfile" > "$state/jdk.Containerfile"
  # A copy in which links out of the JDK (Debian points lib/security/cacerts at /etc/ssl/certs/java)
  # become the files they name: the image has no /etc/ssl/certs/java.
  stage="$(mktemp -d "${TMPDIR:-/var/tmp}/finehero-jdk.XXXXXX")"
  trap 'rm -rf "$stage"' EXIT
  cp -a "$JAVA_HOME/." "$stage/"
  find "$stage" -type l -lname '/*' | while read -r link; do cp --remove-destination -L "$link" "$link.tmp" && mv "$link.tmp" "$link"; done
  "${podman_cmd[@]}" build --quiet --network none --build-arg "BASE=$build_base_id" \
    -f "$state/jdk.Containerfile" -t "$jdk_image" "$stage" >/dev/null
  rm -rf "$stage"
fi

# JDK images of other bases or JDK releases are never used again
for old in $("${podman_cmd[@]}" images --format '{{.Repository}}:{{.Tag}}' localhost/finehero-jdk); do
  [ "$old" = "$jdk_image" ] || "${podman_cmd[@]}" rmi "$old" >/dev/null 2>&1 || true
done

# 3. the image, from the Dockerfile the README shows
previous="$("${podman_cmd[@]}" image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
started=$(date +%s)
"${podman_cmd[@]}" build --network none --format docker --layers \
  --ignorefile src/container/Dockerfile.dockerignore \
  --build-arg "BASE=$base_id" --build-arg "JDK_IMAGE=$jdk_image" --build-arg APP_SOURCE=context \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "AOT_CACHE=${FINEHERO_AOT_CACHE:-true}" \
  --ulimit nofile=4096:4096 \
  -f src/container/Dockerfile -t "$tag" . >&2
image_id="$("${podman_cmd[@]}" image inspect --format '{{.Id}}' "$tag")"
size="$("${podman_cmd[@]}" image inspect --format '{{.Size}}' "$tag")"
# Buildah keeps the build stages' images; theirs carry the JDK image's label, the final image does not.
for stage_image in $("${podman_cmd[@]}" images -q --filter dangling=true --filter label=com.finehero.jdk=true); do
  "${podman_cmd[@]}" rmi "$stage_image" >/dev/null 2>&1 || true
done
# the image this tag named before, unless a container still uses it
[ -n "$previous" ] && [ "$previous" != "$image_id" ] && "${podman_cmd[@]}" rmi "$previous" >/dev/null 2>&1 || true
cat > "$state/image.env" <<EOF
IMAGE_ID=sha256:$image_id
TAG=$tag
SIZE_BYTES=$size
BUILD_SECONDS=$(( $(date +%s) - started ))
BASE_ID=$base_id
JDK_IMAGE=$jdk_image
EOF
echo "build.sh: $tag = sha256:$image_id, $((size / 1000000)) MB" >&2
echo "sha256:$image_id"
