#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The Debian packages (debian/), built and tested per release (root only):
#
#   devtools/packages.sh [--no-build] [RELEASE...]  (default: 22.11 24.11)
#
# For each release, into build-packages/<suite>/:
#   1. build: `dpkg-buildpackage -us -uc` (source and binary packages) in a
#      copy of the tree; 22.11 on this host (Debian 12), 24.11 in the
#      Debian 13 chroot of devtools/chroot.sh (in its fresh /tmp: the
#      chroot keeps nothing); then lintian on the .changes (default
#      level, overrides in debian/*.lintian-overrides with their reasons);
#   2. install test, in a fresh Debian chroot of that release: a minbase
#      debootstrap cached once in $VMP_CHROOT_DIR/base-<suite>, used
#      through an overlay in a private mount namespace (the overlay's
#      upper directory is thrown away; apt's downloads are kept in
#      $VMP_CHROOT_DIR/apt-<suite>). devtools/package-check.sh inside:
#      `apt-get install ./*.deb`, the external application builds and
#      runs, `vm_power_mgr --help`, `systemd-analyze verify` on the unit,
#      `apt-get purge` leaves nothing behind.
# --no-build: step 2 only, on the packages already in build-packages/.
# Last line: "packages: N passed, M failed" (one per release and step).
# Each step is also a line of build-packages/testlog.json, in meson's
# test log format, which ./run.sh test counts as its 'packages' leg.
#
# Internal: `packages.sh build-here OUT` (step 1 on the running system).
set -euo pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
CACHE=${VMP_CHROOT_DIR:-/var/cache/vmpower/chroot}
OUT=${VMP_PACKAGES_DIR:-build-packages}
PKG_VERSION=$(sed -n '1s/^vmpower (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")

log() { printf '==> %s\n' "$*"; }

# A step's result as a line of $OUT/testlog.json (meson's format):
# name, OK or FAIL, seconds, and on failure the end of log $4.
record() {
	python3 - "$OUT/testlog.json" "$@" <<'PY'
import json, sys
path, name, result, secs = sys.argv[1:5]
out = ""
if result != "OK" and len(sys.argv) > 5:
    try:
        out = "".join(open(sys.argv[5], errors="replace").readlines()[-30:])
    except OSError:
        pass
with open(path, "a") as f:
    f.write(json.dumps({"name": f"packages / {name}", "result": result,
                        "duration": float(secs), "stdout": out}) + "\n")
PY
}

# Step 1 on this system: the packages and lintian's verdict into $1.
build_here() {
	local out=$1 tmp rc=0
	tmp=$(mktemp -d /tmp/vmp_pkg.XXXXXX)
	mkdir -p "$out" "$tmp/vmpower-$PKG_VERSION"
	rm -f "$out"/*.deb "$out"/*.changes "$out"/*.dsc "$out"/*.tar.* \
		"$out"/*.buildinfo
	# The tree as git sees it (tracked and new files), no build dirs;
	# in a chroot without git, all but build directories and .git.
	if command -v git >/dev/null && git -C "$SRC" rev-parse 2>/dev/null; then
		(cd "$SRC" && git ls-files -co --exclude-standard |
			grep -v '^build' | tar -cf - -T -)
	else
		tar -C "$SRC" --exclude='./build*' --exclude=./.git \
			--exclude='./obj-*' -cf - .
	fi | tar -xf - -C "$tmp/vmpower-$PKG_VERSION"
	log "$(. /etc/os-release && echo "$PRETTY_NAME"): dpkg-buildpackage (DPDK $(pkg-config --modversion libdpdk))"
	(cd "$tmp/vmpower-$PKG_VERSION" &&
		dpkg-buildpackage -us -uc -j"${VMP_JOBS:-$(nproc)}") \
		>"$out/build.log" 2>&1 || {
		tail -n 30 "$out/build.log"
		rm -rf "$tmp"
		return 1
	}
	cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.dsc "$tmp"/*.tar.* \
		"$tmp"/*.buildinfo "$out"/
	rm -rf "$tmp"
	log "lintian"
	lintian --allow-root --info "$out"/*.changes >"$out/lintian.txt" 2>&1 ||
		rc=1
	# E: and W: fail; I: (info) and N: are shown in the file only.
	if grep -q '^[EW]: ' "$out/lintian.txt"; then
		grep '^[EW]: ' "$out/lintian.txt"
		rc=1
	fi
	local info over
	info=$(grep -c '^I: ' "$out/lintian.txt" || true)
	over=$(grep -c '^O: ' "$out/lintian.txt" || true)
	[ $rc -eq 0 ] && log "lintian: no error, no warning ($info info," \
		"$over overridden)"
	return $rc
}

suite_of() {
	case "$1" in
	22.11 | bookworm | deb12) echo bookworm ;;
	24.11 | trixie | deb13) echo trixie ;;
	*) echo "unknown release '$1': 22.11 or 24.11" >&2; return 2 ;;
	esac
}

# The cached minbase of suite $1 (made once).
base_chroot() {
	local suite=$1 dir=$CACHE/base-$1
	mkdir -p "$CACHE"
	exec 8>"$CACHE/.base-$suite.lock"
	flock 8
	if [ ! -f "$dir/.vmpower-ready" ]; then
		rm -rf "$dir"
		log "debootstrap $suite minbase into $dir (once)"
		debootstrap --variant=minbase "$suite" "$dir" \
			"$("$SRC/devtools/chroot.sh" mirror)" \
			>"$CACHE/base-$suite.debootstrap.log" 2>&1 || {
			tail -n 5 "$CACHE/base-$suite.debootstrap.log"
			return 1
		}
		echo 'Acquire::Check-Valid-Until "false";' \
			>"$dir/etc/apt/apt.conf.d/99vmpower"
		touch "$dir/.vmpower-ready"
	fi
	exec 8>&-
}

# CMD in a fresh chroot of suite $1: an overlay over its base, the tree
# read-only at /src, the packages of $2 at /debs.
in_fresh_chroot() {
	local suite=$1 debs=$2 run
	shift 2
	base_chroot "$suite" || return 1
	mkdir -p "$CACHE/apt-$suite/partial"
	run=$(mktemp -d "$CACHE/run-$suite.XXXXXX")
	mkdir -p "$run/upper" "$run/work" "$run/root"
	unshare -m --propagation private -- sh -c '
		base=$1 run=$2 src=$3 debs=$4 apt=$5; shift 5
		r=$run/root
		mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$r" &&
		mount -t proc proc "$r/proc" &&
		mount -t sysfs sys "$r/sys" &&
		mount --rbind /dev "$r/dev" &&
		mount -t tmpfs tmp "$r/tmp" &&
		mount -t tmpfs run "$r/run" &&
		mkdir -p "$r/src" "$r/debs" &&
		mount --bind -o ro "$src" "$r/src" &&
		mount --bind "$debs" "$r/debs" &&
		mount --bind "$apt" "$r/var/cache/apt/archives" &&
		cp /etc/resolv.conf "$r/etc/resolv.conf" &&
		exec chroot "$r" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 "$@"
	' sh "$CACHE/base-$suite" "$run" "$SRC" "$(readlink -f "$debs")" \
		"$CACHE/apt-$suite" "$@"
	local rc=$?
	rm -rf "$run"
	return $rc
}

# Step 1 for release $1 (suite $2) into $3: on this host for Debian 12,
# in the chroot of devtools/chroot.sh for 13.
build_release() {
	if [ "$2" = bookworm ]; then
		build_here "$3"
	else
		devtools/chroot.sh create "$1" &&
			devtools/chroot.sh run "$1" \
				/src/devtools/packages.sh build-here "/src/$3"
	fi
}

main() {
	local build=1 r suite out start passed=0 failed=0 lines=() releases
	if [ "${1:-}" = --no-build ]; then
		build=0
		shift
	fi
	releases=("$@")
	[ ${#releases[@]} -gt 0 ] || releases=(22.11 24.11)
	[ "$(id -u)" -eq 0 ] || { echo "packages.sh: needs root" >&2; exit 2; }
	cd "$SRC"
	mkdir -p "$OUT"
	rm -f "$OUT/testlog.json"
	for r in "${releases[@]}"; do
		suite=$(suite_of "$r") || exit 2
		out=$OUT/$suite
		mkdir -p "$out"
		start=$SECONDS
		if [ $build -eq 0 ]; then
			log "$suite: the packages of an earlier build ($out)"
		else
			log "$suite: build"
			if build_release "$r" "$suite" "$out"; then
				passed=$((passed + 1))
				lines+=("$suite build+lintian: ok, $((SECONDS - start))s")
				record "${suite}_build_lintian" OK $((SECONDS - start))
			else
				failed=$((failed + 1))
				lines+=("$suite build+lintian: FAILED, $((SECONDS - start))s")
				record "${suite}_build_lintian" FAIL \
					$((SECONDS - start)) "$out/build.log"
			fi
		fi
		start=$SECONDS
		if ! ls "$out"/*.deb >/dev/null 2>&1; then
			# No package to install is a failed step, not a silent one.
			failed=$((failed + 1))
			lines+=("$suite install test: FAILED (no package in $out)")
			record "${suite}_install" FAIL 0
			continue
		fi
		log "$suite: install test in a fresh chroot"
		if in_fresh_chroot "$suite" "$out" /src/devtools/package-check.sh \
				/debs 2>&1 | tee "$out/install.log"; then
			passed=$((passed + 1))
			lines+=("$suite install test: ok, $((SECONDS - start))s")
			record "${suite}_install" OK $((SECONDS - start))
		else
			failed=$((failed + 1))
			lines+=("$suite install test: FAILED, $((SECONDS - start))s")
			record "${suite}_install" FAIL $((SECONDS - start)) \
				"$out/install.log"
		fi
	done
	printf '    %s\n' "${lines[@]}"
	echo "packages: $passed passed, $failed failed"
	[ $failed -eq 0 ]
}

case "${1:-}" in
build-here)
	[ $# -eq 2 ] || { echo "usage: $0 build-here OUT" >&2; exit 2; }
	build_here "$2"
	;;
-h | --help)
	sed -n '5,25s/^# \?//p' "$0"
	;;
*)
	main "$@"
	;;
esac
