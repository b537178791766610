#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Programs of another DPDK release for the interop tests, each built in that
# release's Debian chroot (devtools/chroot.sh) from unmodified DPDK. Root.
#
#   app/test/vm/build_interop.sh [--create] RELEASE OUTDIR
#       OUTDIR/vmp_vm_interop: the interop guest (vm_interop.c) on the
#       release's own KVM-VM power driver, static (nothing of the chroot
#       to ship into the guest image). RELEASE: 24.11 or 25.11 (meson
#       builds the host's 22.11 one).
#   app/test/vm/build_interop.sh --stock-host [--create] RELEASE OUTDIR
#       OUTDIR/vm_power_mgr: DPDK's own host daemon, built with its
#       Makefile from the release's examples (package dpdk-doc), and
#       OUTDIR/run, which runs it on this host with the chroot's shared
#       libraries (through the chroot's loader: the daemon needs the host's
#       libvirtd socket, channel directory and cpufreq sandbox, which a
#       chroot would hide). RELEASE: 22.11 (built here), 24.11 or 25.11.
#
# Rebuilt only when this script, the sources, or the versions of the
# packages they are built from change. --create makes a missing chroot (a
# few minutes, once). Exit status: 0 built or up to date, 3 no chroot for
# RELEASE (without --create), 1 anything else.
set -euo pipefail

SELF=$(readlink -f "$0")
SRC=$(cd "$(dirname "$SELF")/../../.." && pwd)
CHROOT=$SRC/devtools/chroot.sh
EXAMPLE=/usr/share/dpdk/examples/vm_power_manager

# --- compile here (in the chroot, or on the host for a 22.11 stock host):
# the binary on stdout, messages on stderr
compile_guest() {
	cd "$(mktemp -d)"
	echo "DPDK $(pkg-config --modversion libdpdk)" >&2
	# The driver registers its ops from a constructor: nothing references
	# it, so only --whole-archive keeps it. pkg-config --static is no use
	# (Debian ships no static libsystemd). glibc's "statically linked
	# applications" warnings concern dlopen/NSS paths the guest never uses.
	# shellcheck disable=SC2046 # pkg-config's flags are words
	gcc -O2 -static -std=c11 -D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API \
		-Wall -Wextra -Wno-missing-field-initializers -Werror \
		-I/src/lib/compat $(pkg-config --cflags libdpdk) \
		/src/app/test/vm/vm_interop.c -o vmp_vm_interop \
		-Wl,--whole-archive -l:librte_power_kvm_vm.a \
		-Wl,--no-whole-archive -Wl,--start-group \
		-l:librte_power.a -l:librte_timer.a -l:librte_ethdev.a \
		-l:librte_net.a -l:librte_mbuf.a -l:librte_mempool.a \
		-l:librte_ring.a -l:librte_meter.a -l:librte_eal.a \
		-l:librte_log.a -l:librte_telemetry.a -l:librte_kvargs.a \
		-l:librte_argparse.a -Wl,--end-group \
		-lnuma -lfdt -lbsd -lmd -lm -pthread -ldl -larchive \
		2>gcc.err || { cat gcc.err >&2; exit 1; }
	grep -v 'in statically linked applications requires at runtime\|in function' \
		gcc.err >&2 || true
	cat vmp_vm_interop
}

compile_stock_host() {
	local d
	d=$(mktemp -d)
	echo "DPDK $(pkg-config --modversion libdpdk)" >&2
	cp -r "$EXAMPLE" "$d/"
	make -C "$d/vm_power_manager" >"$d/make.log" 2>&1 ||
		{ cat "$d/make.log" >&2; rm -rf "$d"; exit 1; }
	cat "$d/vm_power_manager/build/vm_power_mgr-shared"
	rm -rf "$d"
}

if [ "${1:-}" = --compile ]; then
	"compile_${2//-/_}"
	exit 0
fi

usage() {
	sed -n '8,20s/^# \{0,1\}//p' "$SELF" >&2
	exit 2
}

log() { printf 'build_interop: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

CREATE=0 KIND=guest
while [ $# -gt 0 ]; do
	case "$1" in
	--create) CREATE=1; shift ;;
	--stock-host) KIND=stock-host; shift ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
REL=$1
OUT=$(readlink -m "$2")
case "$KIND $REL" in
"guest 24.11" | "guest 25.11") ;;
"stock-host 22.11" | "stock-host 24.11" | "stock-host 25.11") ;;
"guest 22.11") die "the 22.11 guest is meson's (build/app/test/vm/vmp_vm_interop)" ;;
*) die "$KIND: unknown release '$REL'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root (chroot)"

# ROOT: the release's system ("" is this host's, 22.11).
ROOT=""
if [ "$REL" != 22.11 ]; then
	ROOT=$("$CHROOT" path "$REL")
	if [ ! -f "$ROOT/.vmpower-ready" ]; then
		if [ "$CREATE" = 0 ]; then
			log "no chroot for DPDK $REL ($ROOT): devtools/chroot.sh create $REL"
			exit 3
		fi
		"$CHROOT" create "$REL" || die "devtools/chroot.sh create $REL failed"
	fi
	# A chroot made before chroot.sh's list had them gets them now.
	if [ "$KIND" = stock-host ] &&
		{ [ ! -d "$ROOT$EXAMPLE" ] || [ ! -x "$ROOT/usr/bin/make" ]; }; then
		"$CHROOT" create "$REL" || die "devtools/chroot.sh create $REL failed"
	fi
elif [ ! -d "$EXAMPLE" ]; then
	log "installing dpdk-doc (DPDK's example sources)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=300 --no-install-recommends \
		dpdk-doc make >/dev/null || die "cannot install dpdk-doc"
fi
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

# What the product is made of: sources in this tree, and packages of the
# release's system (versions read from its dpkg database: no need to enter
# the chroot to know the product is current).
if [ "$KIND" = guest ]; then
	BIN=$OUT/vmp_vm_interop
	SOURCES=(app/test/vm/vm_interop.c lib/compat/vmp_dpdk_compat.h)
	PKGS=(gcc libc6-dev libdpdk-dev libnuma-dev libfdt-dev libbsd-dev
		libmd-dev libarchive-dev)
else
	BIN=$OUT/vm_power_mgr
	SOURCES=()
	PKGS=(gcc libc6-dev libdpdk-dev dpdk-doc libvirt-dev libjansson-dev)
fi
STAMP=$(
	{
		cd "$SRC"
		sha256sum "$SELF" "${SOURCES[@]}"
		echo "$ROOT"
		awk -v want=" ${PKGS[*]} " '
			/^Package: / { p = $2 }
			/^Version: / && index(want, " " p " ") { print p, $2 }' \
			"$ROOT/var/lib/dpkg/status" | LC_ALL=C sort
	} | sha256sum
)
STAMP=${STAMP%% *}
if [ -x "$BIN" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
	log "up to date: $BIN (DPDK $(cat "$OUT/version"))"
	exit 0
fi

T0=$(date +%s%N)
rm -f "$OUT/stamp"
if [ -n "$ROOT" ]; then
	"$CHROOT" run "$REL" /src/app/test/vm/build_interop.sh --compile "$KIND"
else
	"$SELF" --compile "$KIND"
fi >"$BIN.tmp" 2>"$OUT/build.log" || {
	cat "$OUT/build.log" >&2
	rm -f "$BIN.tmp"
	die "DPDK $REL: $KIND: compile failed"
}
[ "$(head -c 4 "$BIN.tmp")" = $'\x7fELF' ] || die "DPDK $REL: no ELF binary came out"
chmod 755 "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
sed -n 's/^DPDK //p' "$OUT/build.log" >"$OUT/version"
grep -v '^DPDK ' "$OUT/build.log" >&2 || true

if [ "$KIND" = stock-host ]; then
	# The chroot's EAL looks for its drivers in a directory this host does
	# not have: give it the cpufreq driver of the sandbox (acpi) by path.
	# 22.11 has that driver inside librte_power.
	if [ -n "$ROOT" ]; then
		lib=$ROOT/usr/lib/x86_64-linux-gnu
		acpi=$(find "$lib"/dpdk/pmds-* -name 'librte_power_acpi.so.*' \
			-print -quit)
		[ -n "$acpi" ] || die "DPDK $REL: no librte_power_acpi in $lib/dpdk"
		cat >"$OUT/run.tmp" <<-EOF
		#!/bin/sh
		# DPDK $(cat "$OUT/version")'s vm_power_mgr, with its chroot's libraries.
		exec $lib/ld-linux-x86-64.so.2 --library-path $lib \\
		    $BIN -d $acpi "\$@"
		EOF
	else
		cat >"$OUT/run.tmp" <<-EOF
		#!/bin/sh
		exec $BIN "\$@"
		EOF
	fi
	chmod 755 "$OUT/run.tmp"
	mv -f "$OUT/run.tmp" "$OUT/run"
fi
echo "$STAMP" >"$OUT/stamp"
log "built $BIN (DPDK $(cat "$OUT/version"), $(($(stat -c %s "$BIN") / 1024)) kB) in $((($(date +%s%N) - T0) / 1000000)) ms"
