#!/usr/bin/env bash
# Builds FineHero's base images from Debian's packages, imports them into Podman and records their
# digests. Nothing is fetched but Debian packages, from the mirror this machine's apt already uses.
#
#   src/container/base.sh [--force]
#
# Both images come from one `debootstrap --variant=minbase` of one pinned Debian suite, brought up to
# that suite's -updates and -security pockets, plus CA certificates and tzdata, and the non-root user
# finehero (uid/gid 10001):
#   build base    that root filesystem with apt and what only it needs purged: a shell, coreutils and
#                 dpkg for the image build's stages (jlink, the AOT cache's training run).
#   runtime base  only what a JVM and its user need of it: the C library, CA certificates, time zones,
#                 /etc/os-release, users and groups, and dpkg's record of exactly those packages for
#                 scanners. No shell and no package manager: nothing to exec but the image's own java.
# Files get no time later than the suite's Release date and each tar is written in name order with
# numeric owners, so the same archive state gives the same layer digests.
#
# Output (the record lets the container tests and CI reuse bases they already built):
#   images  localhost/finehero-base:<suite>        and  localhost/finehero-base:<key>         (runtime)
#           localhost/finehero-build-base:<suite>  and  localhost/finehero-build-base:<key>   (build)
#   record  $FINEHERO_CONTAINER_STATE/base-<key>.env  (IMAGE_ID, BUILD_IMAGE_ID, ROOTFS_DIGEST, ...)
#           $FINEHERO_CONTAINER_STATE/base-<key>.packages  (the runtime base's packages: name version)
# <key> hashes this script, the suite and the mirror, so changing any of them builds new bases.
# With a record whose images are still in Podman's store, nothing is rebuilt unless --force is given.
# Environment: FINEHERO_BASE_SUITE (default bookworm), FINEHERO_BASE_MIRROR (default: the URI apt's
# sources use for that suite), FINEHERO_CONTAINER_STATE (default ${XDG_CACHE_HOME:-~/.cache}/finehero/container).
set -euo pipefail

suite="${FINEHERO_BASE_SUITE:-bookworm}"
force=false
[ "${1:-}" = "--force" ] && force=true

die() { echo "base.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "debootstrap needs root (run as root or under 'podman unshare')"
for tool in debootstrap podman sha256sum tar apt-get chroot; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install debootstrap podman)"
done

# The mirror apt uses for this suite here: a machine that reaches only its configured Debian mirror
# (or a proxy of it) builds the base from exactly that.
apt_uri() { # $1 = codename; prints the first repository URI apt has for it, without trailing slash
  apt-get indextargets --format '$(CODENAME) $(IDENTIFIER) $(REPO_URI)' 2>/dev/null \
    | awk -v c="$1" '$1 == c && $2 == "Packages" { sub(/\/$/, "", $3); print $3; exit }'
}
mirror="${FINEHERO_BASE_MIRROR:-$(apt_uri "$suite")}"
[ -n "$mirror" ] || die "apt has no source for '$suite' (run apt-get update, or set FINEHERO_BASE_MIRROR)"
security="$(apt_uri "$suite-security")"
updates="$(apt_uri "$suite-updates")"

key="$( { cat "${BASH_SOURCE[0]}"; echo "$suite $mirror $updates $security"; } | sha256sum | cut -c1-16)"
state="${FINEHERO_CONTAINER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/finehero/container}"
record="$state/base-$key.env"
mkdir -p "$state"

if ! $force && [ -f "$record" ]; then
  # shellcheck disable=SC1090
  . "$record"
  if podman image exists "$IMAGE_ID" && podman image exists "${BUILD_IMAGE_ID:-none}"; then
    podman tag "$IMAGE_ID" "localhost/finehero-base:$suite" "localhost/finehero-base:$key"
    podman tag "$BUILD_IMAGE_ID" "localhost/finehero-build-base:$suite" "localhost/finehero-build-base:$key"
    echo "base.sh: reusing $IMAGE_ID (rootfs $ROOTFS_DIGEST) and build base $BUILD_IMAGE_ID recorded in $record"
    exit 0
  fi
  echo "base.sh: a recorded image is gone; building again"
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/finehero-base.XXXXXX")"
rootfs="$work/rootfs"
cleanup() {
  for m in proc sys dev/pts dev; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "base.sh: debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase --include=ca-certificates,tzdata --components=main \
  "$suite" "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# The suite's Release date: the latest time any file in the image may carry.
release_file="$(ls "$rootfs"/var/lib/apt/lists/*_dists_"${suite}"_Release 2>/dev/null | head -n 1 || true)"
[ -n "$release_file" ] || release_file="$(ls "$rootfs"/var/lib/apt/lists/*_InRelease | head -n 1)"
epoch="$(date -d "$(sed -n 's/^Date: //p' "$release_file" | head -n 1)" +%s)"

# Security and point updates of the same suite, from the same mirror host apt uses.
{
  echo "deb $mirror $suite main"
  [ -n "$updates" ] && echo "deb $updates $suite-updates main"
  [ -n "$security" ] && echo "deb $security $suite-security main"
} > "$rootfs/etc/apt/sources.list"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c 'apt-get -qq update && apt-get -qq -y -o Dpkg::Options::=--force-confold upgrade && apt-get -qq clean' \
  > "$work/upgrade.log" 2>&1 || { tail -n 30 "$work/upgrade.log" >&2; die "apt-get upgrade in the base failed"; }
for f in "$rootfs"/var/lib/apt/lists/*Release; do
  d="$(date -d "$(sed -n 's/^Date: //p' "$f" | head -n 1)" +%s)"
  [ "$d" -gt "$epoch" ] && epoch="$d"
done
# A runtime installs nothing: apt, its signature and TLS stack and e2fsprogs go (about 15 MB); dpkg's
# database stays, so scanners still see exactly which packages the image holds.
chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  dpkg --purge apt libapt-pkg6.0 gpgv debian-archive-keyring libgnutls30 libp11-kit0 libidn2-0 \
    libunistring2 libtasn1-6 libnettle8 libhogweed6 libstdc++6 libxxhash0 libseccomp2 \
    e2fsprogs libext2fs2 libss2 logsave libffi8 \
  > "$work/purge.log" 2>&1 || { tail -n 30 "$work/purge.log" >&2; die "dpkg --purge in the base failed"; }
umount -l "$rootfs/proc"
dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Package} ${Version}\n' | sort > "$work/packages"

# The runtime user: written directly (useradd would stamp today's date into /etc/shadow).
grep -q '^finehero:' "$rootfs/etc/passwd" \
  || echo 'finehero:x:10001:10001:FineHero:/app:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
grep -q '^finehero:' "$rootfs/etc/group" || echo 'finehero:x:10001:' >> "$rootfs/etc/group"
grep -q '^finehero:' "$rootfs/etc/shadow" || echo 'finehero:!::0:99999:7:::' >> "$rootfs/etc/shadow"
grep -q '^finehero:' "$rootfs/etc/gshadow" || echo 'finehero:!::' >> "$rootfs/etc/gshadow"
# Password-change days that base-passwd stamped at install time: emptied, they mean "no date".
sed -i -E 's/^([^:]*:[^:]*:)[0-9]+:/\1:/' "$rootfs/etc/shadow"
mkdir -p "$rootfs/app/data"
chown 10001:10001 "$rootfs/app/data"

# What a runtime never reads, and what differs between two builds of the same packages.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/var/cache/ldconfig/aux-cache \
  "$rootfs"/var/log/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian "$rootfs"/usr/share/bug \
  "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id \
  "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.bash_history
# Files a container runtime mounts over: present and empty, so a read-only root needs no new entry in
# /etc for them (and no host's copy travels in the image).
: > "$rootfs/etc/resolv.conf"
: > "$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
# Podman replaces any other /etc/mtab with this link at every start, which `podman diff` reports.
ln -sfn /proc/mounts "$rootfs/etc/mtab"
# iconv's charset modules (8 MB): the JVM converts charsets itself and nothing else here calls iconv.
find "$rootfs"/usr/lib/*-linux-gnu/gconv -name '*.so' -delete
find "$rootfs" -xdev -name '__pycache__' -prune -exec rm -rf {} +
# dpkg keeps these listings short of the files removed above; `dpkg -V` would report them, nothing else.
printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/locale/*\npath-exclude=/usr/lib/*-linux-gnu/gconv/*.so\n' \
  > "$rootfs/etc/dpkg/dpkg.cfg.d/finehero-slim"

# The runtime's root filesystem: the files of the packages a JVM and its user need, taken from the
# configured root filesystem above (so with what their maintainer scripts generated: the CA bundle and
# its links, /etc/localtime, the users), and dpkg's record of exactly those packages.
runtime="$work/runtime"
runtime_packages="base-files libc6 libgcc-s1 $(dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Package}\n' 'gcc-*-base') ca-certificates tzdata"
mkdir -p "$runtime"
# merged /usr: /bin, /lib, /lib64 and /sbin are links into /usr, as in the full root filesystem
for link in bin lib lib64 sbin; do
  if [ -L "$rootfs/$link" ]; then cp -a "$rootfs/$link" "$runtime/$link" && mkdir -p "$runtime/$(readlink "$rootfs/$link")"; fi
done
{
  for package in $runtime_packages; do dpkg-query --admindir="$rootfs/var/lib/dpkg" -L "$package"; done
  # written by maintainer scripts (ca-certificates, tzdata, base-passwd, ldconfig) or by this script
  (cd "$rootfs" && find etc/ssl/certs usr/share/ca-certificates -printf '/%p\n')
  printf '/%s\n' etc/ca-certificates.conf etc/localtime etc/timezone etc/passwd etc/group etc/shadow etc/gshadow \
    etc/nsswitch.conf etc/ld.so.cache etc/ld.so.conf etc/ld.so.conf.d etc/hosts etc/hostname etc/resolv.conf etc/mtab \
    tmp var/tmp run proc sys dev root home app app/data var/lib/dpkg var/lib/dpkg/info
} | sort -u | while IFS= read -r path; do
  # what the cleanup above removed (documentation, translations, charset modules) stays out
  if [ -e "$rootfs$path" ] || [ -L "$rootfs$path" ]; then printf '.%s\n' "$path"; fi
done > "$work/runtime.files"
tar --create --directory "$rootfs" --no-recursion --files-from "$work/runtime.files" --numeric-owner --xattrs \
  | tar --extract --directory "$runtime" --keep-directory-symlink --numeric-owner --same-permissions --xattrs
for package in $runtime_packages; do
  dpkg-query --admindir="$rootfs/var/lib/dpkg" -s "$package"
  echo
  for listing in "$rootfs/var/lib/dpkg/info/$package".{list,md5sums} "$rootfs/var/lib/dpkg/info/$package":*.{list,md5sums}; do
    if [ -f "$listing" ]; then cp -a "$listing" "$runtime/var/lib/dpkg/info/"; fi
  done
done > "$runtime/var/lib/dpkg/status"
dpkg-query --admindir="$runtime/var/lib/dpkg" -W -f '${Package} ${Version}\n' | sort > "$work/packages"

import_rootfs() { # $1 = root filesystem, $2 = image name, $3 = description, $4 = CMD; prints "image-id rootfs-digest"
  local tarball digest id old
  tarball="$work/$(basename "$2").tar"
  tar --create --file "$tarball" --directory "$1" --sort=name --numeric-owner \
    --mtime="@$epoch" --clamp-mtime --format=pax \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --xattrs --one-file-system .
  digest="sha256:$(sha256sum "$tarball" | cut -d' ' -f1)"
  id="$(podman import --quiet \
    --change "CMD $4" \
    --change "LABEL org.opencontainers.image.title=$(basename "$2")" \
    --change "LABEL org.opencontainers.image.description=$3" \
    --change "LABEL org.opencontainers.image.created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)" \
    --change "LABEL com.finehero.base.key=$key" \
    --change "LABEL com.finehero.base.rootfs=$digest" \
    --message "debootstrap minbase $suite" \
    "$tarball" "$2:$key")"
  rm -f "$tarball"
  podman tag "$id" "$2:$suite"
  # bases of an older script, suite or mirror: their records go, and their images unless still in use
  for old in $(podman images --format '{{.Repository}}:{{.Tag}}' "$2"); do
    case "$old" in *":$key"|*":$suite") ;; *) podman rmi "$old" >/dev/null 2>&1 || true; rm -f "$state/base-${old##*:}".* ;; esac
  done
  echo "sha256:${id#sha256:} $digest"
}
read -r build_image_id build_digest < <(import_rootfs "$rootfs" localhost/finehero-build-base \
  "Debian $suite minbase with CA certificates, tzdata and user 10001, for build stages" '["/bin/bash"]')
read -r image_id rootfs_digest < <(import_rootfs "$runtime" localhost/finehero-base \
  "Debian $suite: the C library, CA certificates, tzdata and user 10001 only" '["/usr/bin/false"]')

cp "$work/packages" "$state/base-$key.packages"
cat > "$record" <<EOF
IMAGE_ID=$image_id
ROOTFS_DIGEST=$rootfs_digest
BUILD_IMAGE_ID=$build_image_id
BUILD_ROOTFS_DIGEST=$build_digest
SUITE=$suite
MIRROR=$mirror
EPOCH=$epoch
PACKAGES=$(wc -l < "$work/packages")
SIZE_BYTES=$(podman image inspect --format '{{.Size}}' "$image_id")
BUILD_SIZE_BYTES=$(podman image inspect --format '{{.Size}}' "$build_image_id")
EOF
echo "base.sh: built localhost/finehero-base:$suite = $image_id (rootfs $rootfs_digest, $(wc -l < "$work/packages") packages)"
echo "base.sh: built localhost/finehero-build-base:$suite = $build_image_id (rootfs $build_digest)"
echo "base.sh: recorded in $record"
