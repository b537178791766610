#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Interop on every supported DPDK release, with a real VM: a guest program
# that uses only a release's own, unmodified KVM-VM power driver
# (vm_interop.c: rte_power_set_env(PM_ENV_KVM_VM), rte_power_init,
# rte_power_freq_max/min) drives our daemon (vm_power_mgr, built here on
# DPDK 22.11, in a sandboxed cpufreq tree).
#
# The guest binaries: 22.11 is meson's (the host's DPDK, shared); 24.11 and
# 25.11 are static builds from their Debian chroots (build_interop.sh,
# cached; built here when missing). One VM (1 vCPU pinned to host CPU 1, as
# e2e.sh's VM B) runs them one after another, so one boot serves them all:
#
#   baseline   the 22.11 binary asks min: CPU 1 at 1200000 (with no vote
#              it would sit at max, and a max request would change nothing)
#   RELEASE    for each: max, then min; CPU 1's scaling_setspeed must go to
#              2400000 while that release's max is its last request, then
#              to 1200000 while its min is; CPU 0 stays at 2400000
#   end        the VM powers off: its vote is dropped, CPU 1 back at max
#
# A release whose binary cannot be had (no chroot) fails the test when
# CI=true, and makes it skip (77) otherwise, after the other releases ran.
# In CI a missing chroot is created (devtools/chroot.sh create: cached,
# the chroot legs of ./run.sh test use it too).
#
# Environment (meson sets it; by hand the defaults fit a build in ./build):
#   VMP_VM_INTEROP              the 22.11 vmp_vm_interop
#   VMP_SANDBOX, VMP_MGR        vmp_sandbox and vm_power_mgr
#   VMP_INTEROP_RELEASES        the releases (default "22.11 24.11 25.11")
#   VMP_VM_WORKDIR              see vmtest.sh
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
HOSTBIN=${VMP_VM_INTEROP:-$BUILD/app/test/vm/vmp_vm_interop}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
RELEASES=${VMP_INTEROP_RELEASES:-22.11 24.11 25.11}
URI=qemu:///system
MAX=2400000 MIN=1200000

vmt_init vmp-interop-
[ "$(nproc --all)" -ge 2 ] || { echo "SKIP: needs host CPUs 0 and 1"; exit 77; }
VMP_VM_CPUS=1
IMAGE=$WORKDIR/guest-interop
vmt_on_exit 'stop_daemon'
[ -x "$HOSTBIN" ] || vmt_fail "no 22.11 guest program $HOSTBIN"

# --- the guest binaries, one per release
declare -A GBIN=()
RUNS=() MISSING=() files=()
create=()
[ "${CI:-}" != true ] || create=(--create)
for r in $RELEASES; do
	if [ "$r" = 22.11 ]; then
		GBIN[$r]=vmp_vm_interop
		RUNS+=("$r")
		continue
	fi
	t=$(vmt_ms)
	rc=0
	"$HERE/build_interop.sh" "${create[@]}" "$r" "$WORKDIR/interop-$r" || rc=$?
	case $rc in
	0)
		vmt_step "DPDK $r guest binary" "$t"
		GBIN[$r]=vmp_vm_interop-$r
		files+=(--file "$WORKDIR/interop-$r/vmp_vm_interop:/usr/bin/${GBIN[$r]}")
		RUNS+=("$r")
		;;
	3) MISSING+=("$r (no chroot: devtools/chroot.sh create $r)") ;;
	*) vmt_fail "no guest binary for DPDK $r: build_interop.sh failed (above)" ;;
	esac
done
if [ ${#MISSING[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
	vmt_fail "no guest binary for DPDK ${MISSING[*]}"
fi
[ ${#RUNS[@]} -gt 0 ] || { echo "SKIP: no release to run: ${MISSING[*]}"; exit 77; }

vmt_image "$HOSTBIN" "${files[@]}"
vmt_libvirtd

# --- the guest's script: a marker line before each run, its output
# prefixed, its status after; sleeps long enough for the host to see
# every frequency (it polls every 0.2 s).
EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
GS='run() { r=$1; shift; echo "interop-$r: start"
  { "$@"; echo "rc=$?"; } 2>&1 | sed "s/^/interop-$r: /"; }
run baseline vmp_vm_interop '"$EAL"' -- min'
for r in "${RUNS[@]}"; do
	GS+="
run $r ${GBIN[$r]} $EAL -- max sleep:3 min sleep:3"
done
vmt_define --channels 1 --memory 192 --run "$GS"
CON=$RUN/$NAME.console

start_daemon
expect_freq 0 $MAX "no votes yet"
expect_freq 1 $MAX "no votes yet"
vmt_start
m=$(log_mark)
cli "add_vm $NAME"
cli "add_channels $NAME all"
log_has "$m" "VM $NAME: 1 channel connected" 10
vmt_check_pinning

console_wait '^interop-baseline: rc=' 120 "$CON"
grep '^interop-baseline' "$CON"
grep -q '^interop-baseline: rc=0' "$CON" || vmt_fail "baseline run failed"
expect_freq 1 $MIN "baseline: min from the 22.11 guest"
vmt_step "start to baseline" "$T0"

# expect_step RELEASE OP KHZ NEXT: CPU 1 reaches KHZ, and the console shows
# it came from RELEASE's OP: its line is there (within 5 s: the console
# may lag the channel) and NEXT, the line after it, is not yet.
expect_step() {
	local r=$1 op=$2 khz=$3 next=$4
	expect_freq 1 "$khz" "DPDK $r guest: $op"
	if grep -q "^interop-$r: $next" "$CON"; then
		vmt_fail "DPDK $r: CPU 1 at $khz only after '$next'"
	fi
	console_wait "^interop-$r: interop: $op rc=1" 5 "$CON"
	[ "$(freq 0)" = $MAX ] || vmt_fail "DPDK $r: CPU 0 moved to $(freq 0)"
}

# Marked before the last request: the guest powers off right after it,
# and the stop may be logged before vmt_wait_off returns.
m=$(log_mark)
for r in "${RUNS[@]}"; do
	console_wait "^interop-$r: start" 60 "$CON"
	t=$(vmt_ms)
	expect_step "$r" max $MAX "interop: min rc="
	vmt_step "DPDK $r: start to max on CPU 1" "$t"
	expect_step "$r" min $MIN "rc="
	vmt_step "DPDK $r: start to min on CPU 1" "$t"
done

vmt_wait_off 120
grep '^interop-' "$CON"
for r in "${RUNS[@]}"; do
	for l in "interop: init rc=0" "interop: max rc=1" "interop: min rc=1" "rc=0"; do
		vmt_console_has "^interop-$r: $l" || vmt_fail "DPDK $r: no '$l'"
	done
done
vmt_console_has '^VMP-END rc=0' || vmt_fail "the guest script failed"
log_has "$m" "VM $NAME stopped" 10
expect_freq 1 $MAX "VM gone, its vote dropped"

stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: served DPDK ${RUNS[*]} guests"
if [ ${#MISSING[@]} -gt 0 ]; then
	echo "SKIP: no guest binary for DPDK ${MISSING[*]}"
	exit 77
fi
echo "$VMT_PREFIX: OK"
