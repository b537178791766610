#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Debian chroots for the newer DPDK releases (root only).
#
#   devtools/chroot.sh create RELEASE        make or refresh the chroot
#   devtools/chroot.sh run RELEASE CMD...    run CMD in it, the source tree
#                                            mounted at /src
#   devtools/chroot.sh path RELEASE          print its directory
#   devtools/chroot.sh releases              list the known releases
#
# RELEASE is a DPDK release (24.11, 25.11) or its Debian suite (trixie,
# sid). Chroots are made with debootstrap from Debian's packages, from the
# mirror this machine's own apt sources name, and kept in
# $VMP_CHROOT_DIR (default /var/cache/vmpower/chroot) between runs: a
# second `create` only installs packages the list below gained.
#
# `run` enters a private mount namespace (nothing outlives the command):
# the chroot is bind-mounted on itself, /proc, /sys (with the host's
# cgroup hierarchies: the containers suite makes cpuset cgroups), /dev, a
# fresh /tmp and /run inside, and the source tree at /src. Tests that
# unshare again, or bind a fake cpufreq tree over /sys/devices/system/cpu,
# work inside.
set -euo pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
CACHE=${VMP_CHROOT_DIR:-/var/cache/vmpower/chroot}

# What the build and the tests need inside (the host's run.sh list, less
# what only the host runs: the real-VM suite and the sanitizer builds).
PACKAGES=(gcc libc6-dev pkg-config meson ninja-build python3 util-linux
	libdpdk-dev libvirt-dev libxml2-dev libjansson-dev libvirt-clients socat
	iproute2
	dpdk-dev libxml2-utils groff-base python3-sphinx doxygen
	libnuma-dev libfdt-dev libbsd-dev libarchive-dev libpcap-dev
	procps ca-certificates fuse3 python3-pyfuse3 libsystemd-dev)
# dpdk-telemetry.py (the docs test's telemetry session): in dpdk-dev on
# Debian 12, in dpdk since Debian 13.
PACKAGES+=(dpdk)
# The upstream examples' sources: the vm_interop_stock_host test builds each
# release's own vm_power_mgr from them with their Makefile
# (app/test/vm/build_interop.sh).
PACKAGES+=(dpdk-doc make)
# devtools/packages.sh builds the Debian packages in the Debian 13 chroot
# (their install test uses fresh chroots of its own, not this one).
PACKAGES+=(build-essential debhelper dpkg-dev fakeroot lintian systemd-dev)

log() { printf 'chroot.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

usage() {
	sed -n '6,12s/^# \?//p' "$0" >&2
	exit 2
}

# RELEASE -> Debian suite.
suite_of() {
	case "$1" in
	24.11 | trixie | deb13) echo trixie ;;
	25.11 | sid | unstable | debsid) echo sid ;;
	*) die "unknown release '$1': want 24.11 (trixie) or 25.11 (sid)" ;;
	esac
}

# The Debian mirror of this machine's apt sources (deb822 or one-line).
mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\?$/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(sed -n \
		's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)\/\?[[:space:]].*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$m" ] || die "no Debian mirror in /etc/apt/sources*"
	echo "$m"
}

ensure_host_tools() {
	command -v debootstrap >/dev/null && return 0
	log "installing debootstrap"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=300 --no-install-recommends \
		debootstrap >/dev/null
}

# Packages of the list the chroot lacks.
missing_in() {
	local dir=$1 p
	for p in "${PACKAGES[@]}"; do
		chroot "$dir" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

create() {
	local suite dir missing
	suite=$(suite_of "$1")
	dir=$CACHE/$suite
	[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.$suite.lock"
	flock 9
	if [ ! -f "$dir/.vmpower-ready" ]; then
		ensure_host_tools
		rm -rf "$dir"
		log "debootstrap $suite into $dir (a few minutes, once)"
		# Packages that pull systemd break debootstrap on sid: the base
		# first, the rest with apt inside.
		debootstrap --variant=minbase --include=apt "$suite" \
			"$dir" "$(mirror)" >"$CACHE/$suite.debootstrap.log" 2>&1 ||
			die "debootstrap $suite failed: $CACHE/$suite.debootstrap.log"
		touch "$dir/.vmpower-ready"
	fi
	# The mirror may serve a snapshot whose Release files are past
	# their Valid-Until date (unstable's are short-lived).
	echo 'Acquire::Check-Valid-Until "false";' \
		>"$dir/etc/apt/apt.conf.d/99vmpower"
	mapfile -t missing < <(missing_in "$dir")
	if [ ${#missing[@]} -gt 0 ]; then
		log "$suite: installing ${missing[*]}"
		in_chroot "$dir" sh -c "apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(printf '%q ' "${missing[@]}") \
			>/dev/null" || die "$suite: package install failed"
	fi
}

# CMD in chroot $1, in a private mount namespace; the tree at /src.
in_chroot() {
	local dir=$1
	shift
	mkdir -p "$dir/src"
	unshare -m --propagation private -- sh -c '
		r=$1 src=$2; shift 2
		mount --bind "$r" "$r" &&
		mount -t proc proc "$r/proc" &&
		mount -t sysfs sys "$r/sys" &&
		{ [ ! -d /sys/fs/cgroup ] ||
			mount --rbind /sys/fs/cgroup "$r/sys/fs/cgroup"; } &&
		mount --rbind /dev "$r/dev" &&
		mount -t tmpfs tmp "$r/tmp" &&
		mount -t tmpfs run "$r/run" &&
		mount --bind "$src" "$r/src" &&
		cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 CI="${CI:-}" \
			VMP_TEST_SLOW="${VMP_TEST_SLOW:-}" "$@"
	' sh "$dir" "$SRC" "$@"
}

case "${1:-}" in
create)
	[ $# -eq 2 ] || usage
	create "$2"
	;;
run)
	[ $# -ge 3 ] || usage
	suite=$(suite_of "$2")
	shift 2
	[ -f "$CACHE/$suite/.vmpower-ready" ] ||
		die "no $suite chroot: devtools/chroot.sh create $suite"
	in_chroot "$CACHE/$suite" "$@"
	;;
path)
	[ $# -eq 2 ] || usage
	echo "$CACHE/$(suite_of "$2")"
	;;
releases)
	printf '%s\n' "24.11 trixie" "25.11 sid"
	;;
mirror)
	mirror
	;;
*)
	usage
	;;
esac
