#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# End-to-end test: the real daemon (vm_power_mgr, in a sandboxed cpufreq
# tree: vmp_sandbox --cpus 2) serving real VMs through a real libvirtd and
# QEMU. Asserts on the tree's scaling_setspeed files, the daemon's answers
# and log, and the guests' consoles:
#
#  1. VM A (2 vCPUs pinned to host CPUs 0 and 1, a channel per lcore) runs
#     guest_cli: lcore 0 min and lcore 1 down change exactly CPU 0
#     (1200000) and CPU 1 (2000000); query_cpu_freq answers those;
#     query_cpu_freq_avail answers the host's frequency list.
#  2. virsh vcpupin A 0 1 (live): the daemon follows; the guest sees it
#     (vCPU 0 now reads CPU 1's frequency) and its next request (lcore 0
#     max) lands on CPU 1; CPU 0 lost vCPU 0's vote and is given back.
#  3. virsh destroy A: the daemon logs the stop, show_vm says the channels
#     are disconnected, both CPUs are given back as found (governor
#     powersave, 2400000: the tree starts there).
#  4. virsh start A: the channels come back without any CLI command (the
#     daemon's "connected" lines) and the new boot's requests are served.
#  5. VM B (1 vCPU pinned to CPU 1, beside A's vCPU 1 voting 2000000) runs
#     vmp_vm_interop, Debian's unmodified librte_power in PM_ENV_KVM_VM:
#     its min does not slow CPU 1 (highest vote wins), its max raises it
#     to 2400000, and when B is gone CPU 1 is back at A's 2000000.
#  6. SIGTERM: the daemon exits 0.
#
# Environment (meson sets it; by hand the defaults fit a build in ./build):
#   VMP_VM_GUEST, VMP_VM_BINS   the image's programs, as smoke.sh
#   VMP_SANDBOX, VMP_MGR        vmp_sandbox and vm_power_mgr
#   VMP_VM_WORKDIR, VMP_VM_CPUS see vmtest.sh (CPUS must be 0,1 here)
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/app/test/vm/vmp_vm_interop:$BUILD/examples/l3fwd-power/l3fwd-power:$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
URI=qemu:///system

vmt_init vmp-e2e-
vmt_need_cpus01
NAME2=vmp-e2eb-$$
vmt_on_exit 'stop_daemon'
vmt_on_exit '"$DEV/vm.sh" undefine "$NAME2"'

virsh_() { virsh -q -c "$URI" "$@"; }

# --- the guests
images=("$GUEST")
IFS=: read -r -a extra <<<"$BINS"
for b in "${extra[@]}"; do
	[ -x "$b" ] && images+=("$b")
done
for b in guest_cli vmp_vm_interop; do
	[[ " ${images[*]##*/} " == *" $b "* ]] || vmt_fail "no $b in VMP_VM_BINS"
done
vmt_image "${images[@]}"
vmt_libvirtd
"$DEV/vm.sh" reap vmp-e2eb-

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
# VM A's script, the same on both boots. The first guest_cli waits (60 s)
# for the daemon to connect the channels; phase B starts when vCPU 0 reads
# CPU 1's frequency (2000000), i.e. once the daemon knows the new pinning.
# On the second boot (pinning back as in the XML) it only repeats phase A.
GA='g() { guest_cli '"$EAL"' -- --channels 0,1 --timeout 60000; }
printf "set_cpu_freq 0 min\nset_cpu_freq 1 down\nquery_cpu_freq all\nquery_cpu_freq_avail 0\nquery_cpu_freq_avail 1\n" | g | sed "s/^/e2e-A: /"
echo e2e-A-done
i=0
while [ $i -lt 40 ]; do
  echo "query_cpu_freq 0" | g | grep -q " 2000000 kHz" && break
  i=$((i + 1)); sleep 1
done
echo "e2e-pinned tries=$i"
echo "set_cpu_freq 0 max" | g | sed "s/^/e2e-B: /"
echo e2e-B-done
sleep 600'
vmt_define --channels 2 --run "$GA"
"$DEV/vm.sh" define "$NAME2" --image "$IMAGE" --chandir "$RUN" \
	--cpus 1 --channels 1 --memory 192 --run \
	"vmp_vm_interop $EAL -- sleep:1 min sleep:6 max sleep:6"

start_daemon
expect_freq 0 2400000 "no votes yet"
expect_freq 1 2400000 "no votes yet"
expect_gov 0 powersave "no votes yet: untouched"

# --- 1. requests per lcore, queries
vmt_start
m=$(log_mark)
cli "add_vm $NAME"
cli "add_channels $NAME all"
log_has "$m" "VM $NAME: 2 channels connected" 10
CON=$RUN/$NAME.console
console_wait '^e2e-A-done' 120 "$CON"
vmt_step "start to guest requests done" "$T0"
grep '^e2e-' "$CON"
[ "$(tr -d '\r' <"$CON" | grep -c '^e2e-A: ACK$')" -eq 2 ] || vmt_fail "want 2 ACKs"
vmt_console_has '^e2e-A: vCPU 0: 1200000 kHz' || vmt_fail "query vCPU 0"
vmt_console_has '^e2e-A: vCPU 1: 2000000 kHz' || vmt_fail "query vCPU 1"
for v in 0 1; do
	vmt_console_has "^e2e-A: vCPU $v:( 2401000)? 2400000 2000000 1600000 1200000 kHz" ||
		vmt_fail "frequency list of vCPU $v"
done
expect_freq 0 1200000 "lcore 0 min, vCPU 0 on CPU 0"
expect_freq 1 2000000 "lcore 1 down, vCPU 1 on CPU 1"

# --- 2. live vcpupin
m=$(log_mark)
virsh_ vcpupin "$NAME" 0 1 --live
console_wait '^e2e-B-done' 90 "$CON"
cli "show_vm $NAME"
log_has "$m" "vCPU 0 -> pCPU 1$" 10
grep '^e2e-pinned\|^e2e-B' "$CON"
vmt_console_has '^e2e-B: ACK' || vmt_fail "no ACK after vcpupin"
expect_freq 1 2400000 "lcore 0 max after vcpupin 0 -> 1"
expect_freq 0 2400000 "vcpupin: vCPU 0's vote left CPU 0"
expect_gov 0 powersave "vcpupin: CPU 0 given back"
m=$(log_mark)
cli "show_cpu_freq 1"
log_has "$m" "core 1: 2400000 kHz.*votes 2" 5

# --- 3. destroy: channels closed, votes dropped
cp "$CON" "$RUN/boot1.console"
m=$(log_mark)
"$DEV/vm.sh" destroy "$NAME"
log_has "$m" "VM $NAME stopped: channels closed, votes dropped" 10
expect_freq 0 2400000 "VM destroyed, its votes dropped"
expect_freq 1 2400000 "VM destroyed, its votes dropped"
expect_gov 0 powersave "VM destroyed: CPU 0 given back"
expect_gov 1 powersave "VM destroyed: CPU 1 given back"
m=$(log_mark)
cli "show_vm $NAME"
log_has "$m" "VM $NAME: [a-z ]*, 2 vCPUs, channels: 2 declared \(XML\), 0 connected" 5
log_has "$m" "channel 1: .*disconnected" 5

# --- 4. start again: the channels come back by themselves
m=$(log_mark)
vmt_start
log_has "$m" "VM $NAME started: reconnecting 2 channels" 15
log_has "$m" "channel 0 of VM $NAME connected: $RUN/$NAME.0" 15
log_has "$m" "channel 1 of VM $NAME connected: $RUN/$NAME.1" 15
console_wait '^e2e-A-done' 120 "$CON"
vmt_step "restart to guest requests done" "$T0"
[ "$(tr -d '\r' <"$CON" | grep -c '^e2e-A: ACK$')" -eq 2 ] ||
	vmt_fail "second boot: want 2 ACKs"
expect_freq 0 1200000 "second boot, lcore 0 min"
expect_freq 1 2000000 "second boot, lcore 1 down"

# --- 5. VM B on CPU 1 beside A, through stock DPDK librte_power
t=$(vmt_ms)
"$DEV/vm.sh" start "$NAME2"
m=$(log_mark)
cli "add_vm $NAME2"
cli "add_channels $NAME2 all"
log_has "$m" "VM $NAME2: 1 channel connected" 10
CON2=$RUN/$NAME2.console
console_wait '^interop: min rc=' 120 "$CON2"
vmt_step "interop guest: first request" "$t"
grep '^interop' "$CON2"
grep -q '^interop: min rc=1' "$CON2" || vmt_fail "interop min not sent"
m=$(log_mark)
wait_for 10 'cli "show_cpu_freq 1"; sleep 0.5; tail -n +"$((m + 1))" "$RUN/daemon.log" | grep -q "core 1: .*votes 2"' ||
	vmt_fail "B's vote did not reach CPU 1"
expect_freq 1 2000000 "B votes min (2 votes on CPU 1), A's 2000000 wins"
expect_freq 0 1200000 "B does not touch CPU 0"
console_wait '^interop: max rc=' 30 "$CON2"
expect_freq 1 2400000 "B votes max, highest wins"
m=$(log_mark)
"$DEV/vm.sh" wait "$NAME2" 60 || vmt_fail "VM B did not power off"
grep -q '^VMP-END rc=0' "$CON2" || vmt_fail "interop guest failed"
log_has "$m" "VM $NAME2 stopped" 10
expect_freq 1 2000000 "B gone, its vote dropped; A's stays"
vmt_step "interop guest: done" "$t"

# --- 6. the daemon stops cleanly
"$DEV/vm.sh" destroy "$NAME"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: daemon exited 0 on SIGTERM"
echo "$VMT_PREFIX: OK"
