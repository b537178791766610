#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# The interoperability guest (vm_interop.c) built against a newer DPDK
# release's own, unmodified KVM-VM power driver, in that release's Debian
# chroot (devtools/chroot.sh). Root only.
#
#   app/test/vm/build_interop.sh [--create] RELEASE OUTDIR
#
# RELEASE is 24.11 or 25.11 (22.11 is the host's: meson builds that one).
# Produces OUTDIR/vmp_vm_interop, a static binary (no shared libraries of
# the chroot to ship into the guest image). Rebuilt only when this script,
# the sources or the chroot's compiler or DPDK packages change.
# --create makes the chroot when it is missing (a few minutes, once).
# Exit status: 0 built or up to date, 3 no chroot for RELEASE (without
# --create), 1 anything else.
set -euo pipefail

SELF=$(readlink -f "$0")
SRC=$(cd "$(dirname "$SELF")/../../.." && pwd)
CHROOT=$SRC/devtools/chroot.sh
# What the binary is made of, relative to the tree (/src in the chroot).
SOURCES=(app/test/vm/vm_interop.c lib/compat/vmp_dpdk_compat.h)
# The chroot's packages whose version shapes the binary.
PKGS=(gcc libc6-dev libdpdk-dev libnuma-dev libfdt-dev libbsd-dev libmd-dev
	libarchive-dev)

# --- inside the chroot: compile, the binary on stdout, messages on stderr
if [ "${1:-}" = --in-chroot ]; then
	cd /tmp
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
	exit 0
fi

usage() {
	sed -n '9,17s/^# \{0,1\}//p' "$SELF" >&2
	exit 2
}

log() { printf 'build_interop: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

CREATE=0
[ "${1:-}" != --create ] || { CREATE=1; shift; }
[ $# -eq 2 ] || usage
REL=$1
OUT=$2
case "$REL" in
24.11 | 25.11) ;;
*) die "release '$REL': want 24.11 or 25.11 (22.11 is meson's build)" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root (chroot)"
ROOT=$("$CHROOT" path "$REL")
if [ ! -f "$ROOT/.vmpower-ready" ]; then
	if [ "$CREATE" = 0 ]; then
		log "no chroot for DPDK $REL ($ROOT): devtools/chroot.sh create $REL"
		exit 3
	fi
	"$CHROOT" create "$REL" || die "devtools/chroot.sh create $REL failed"
fi
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

# The stamp: the sources, this script, the chroot's package versions (read
# from its dpkg database: no need to enter it to know it is current).
STAMP=$(
	{
		cd "$SRC"
		sha256sum "$SELF" "${SOURCES[@]}"
		awk -v want=" ${PKGS[*]} " '
			/^Package: / { p = $2 }
			/^Version: / && index(want, " " p " ") { print p, $2 }' \
			"$ROOT/var/lib/dpkg/status" | LC_ALL=C sort
	} | sha256sum
)
STAMP=${STAMP%% *}
BIN=$OUT/vmp_vm_interop
if [ -x "$BIN" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
	log "up to date: $BIN (DPDK $(cat "$OUT/version"))"
	exit 0
fi

T0=$(date +%s%N)
rm -f "$OUT/stamp"
"$CHROOT" run "$REL" /src/app/test/vm/build_interop.sh --in-chroot \
	>"$BIN.tmp" 2>"$OUT/build.log" || {
	cat "$OUT/build.log" >&2
	rm -f "$BIN.tmp"
	die "DPDK $REL: compile failed"
}
[ "$(head -c 4 "$BIN.tmp")" = $'\x7fELF' ] || die "DPDK $REL: no ELF binary came out"
chmod 755 "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
sed -n 's/^DPDK //p' "$OUT/build.log" >"$OUT/version"
grep -v '^DPDK ' "$OUT/build.log" >&2 || true
echo "$STAMP" >"$OUT/stamp"
log "built $BIN (DPDK $(cat "$OUT/version"), $(($(stat -c %s "$BIN") / 1024)) kB) in $((($(date +%s%N) - T0) / 1000000)) ms"
