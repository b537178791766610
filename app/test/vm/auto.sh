#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
#
# Auto-serving with a real libvirtd and QEMU, and no add_vm or
# add_channels typed: the daemon (in a sandboxed cpufreq tree, --auto
# narrowed to this run's domain with --vm, since other runs may share
# the libvirtd) serves a VM whose guest keeps asking for "lcore 0 min"
# (vCPU 0 on host CPU 0):
#
#  1. started before the VM is defined: the definition makes it served,
#     the start connects its channel, the request lands (CPU 0 1200000);
#  2. started again while the VM runs: served at start, request lands;
#  3. rm_vm sticks through a destroy+start (no vote, CPU 0 stays at
#     2400000), until add_vm brings it back with its channel;
#  4. undefined: no longer served.
#
# Environment: as e2e.sh.
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=app/test/vm/vmtest.sh
. "$HERE/vmtest.sh"
# shellcheck source=app/test/vm/vmdaemon.sh
. "$HERE/vmdaemon.sh"
BUILD=$VMT_SRC/build
GUEST=${VMP_VM_GUEST:-$BUILD/app/test/vm/vmp_vm_guest}
BINS=${VMP_VM_BINS-$BUILD/examples/vm_power_manager/guest_cli/guest_cli}
SANDBOX=${VMP_SANDBOX:-$BUILD/app/test/vmp_sandbox}
MGR=${VMP_MGR:-$BUILD/examples/vm_power_manager/vm_power_mgr}
URI=qemu:///system

vmt_init vmp-auto-
vmt_need_cpus01
vmt_on_exit 'stop_daemon'

vmt_guest_image

EAL="-l 0 --no-huge --no-pci -m 64 --no-shconf --no-telemetry --log-level=lib.eal:error"
G='n=0; echo auto-boot
while :; do
  r=$(echo "set_cpu_freq 0 min" | guest_cli '"$EAL"' -- --channels 0 --timeout 60000 2>&1 | grep -c "^ACK$")
  n=$((n + 1)); echo "auto-req $n acks=$r"; sleep 1
done'

# The daemon with its own EAL defaults (only the prefix given, for
# stop_daemon's cleanup), auto-serving this run's domain only.
start_auto() {
	start_in_sandbox --cpus 2 --start 2400000 -- "$MGR" \
		--file-prefix "$DPREFIX" --log-level=lib.eal:warning -- \
		--auto --vm "$NAME" --libvirt-uri "$URI" --channel-dir "$RUN" \
		--state-dir "$RUN/state"
}

# --- 1. the daemon before the VM
start_auto
log_has 0 "auto-serving: every libvirt domain with power channels among" 20
log_has 0 "VM_SYNC: read: 0 VMs served" 30
expect_freq 0 2400000 "no votes yet"
m=$(log_mark)
vmt_define --channels 1 --run "$G"
log_has "$m" "VM $NAME served automatically: 1 power channels" 30
vmt_start
CON=$RUN/$NAME.console
log_has "$m" "channel 0 of VM $NAME connected" 30
console_wait '^auto-req [0-9]+ acks=1' 120 "$CON"
vmt_step "start to first request" "$T0"
expect_freq 0 1200000 "defined and started after the daemon, no CLI command"

# --- 2. the daemon restarted while the VM runs
stop_daemon >"$RUN/daemon.1" || vmt_fail "daemon exit status $?"
t=$(vmt_ms)
start_auto
expect_freq 0 2400000 "a fresh tree"
log_has 0 "VM $NAME served automatically" 30
log_has 0 "channel 0 of VM $NAME connected" 30
wait_for 120 '[ "$(freq 0)" = 1200000 ]' ||
	vmt_fail "daemon started after the VM: CPU 0 at $(freq 0), want 1200000"
vmt_step "daemon start to request served" "$t"

# --- 3. rm_vm sticks until add_vm
m=$(log_mark)
cli "rm_vm $NAME"
log_has "$m" "VM $NAME left out of auto-serving until add_vm" 10
expect_freq 0 2400000 "rm_vm: its vote dropped"
virsh -q -c "$URI" destroy "$NAME" >/dev/null
virsh -q -c "$URI" start "$NAME" >/dev/null
# The STARTED event is applied at once (auto-serving would connect the
# channel then); the guest boots (~6 s under TCG) and asks within 20 s.
sleep 20
if tail -n +"$((m + 1))" "$RUN/daemon.log" | grep -q "VM $NAME served automatically"; then
	vmt_fail "rm_vm did not stick: auto-serving added $NAME again"
fi
[ "$(freq 0)" = 2400000 ] || vmt_fail "rm_vm: CPU 0 at $(freq 0), want 2400000"
m=$(log_mark)
cli "add_vm $NAME"
log_has "$m" "channel 0 of VM $NAME connected" 30
wait_for 120 '[ "$(freq 0)" = 1200000 ]' ||
	vmt_fail "after add_vm: CPU 0 at $(freq 0), want 1200000"
echo "$VMT_PREFIX: rm_vm stuck through destroy+start, add_vm brought it back"

# --- 4. undefined: no longer served
m=$(log_mark)
"$DEV/vm.sh" undefine "$NAME"
log_has "$m" "VM $NAME was undefined in libvirt: removed" 30
expect_freq 0 2400000 "undefined: its vote dropped"
stop_daemon >"$RUN/daemon.tail" || vmt_fail "daemon exit status $?"
echo "$VMT_PREFIX: daemon exited 0 on SIGTERM"
echo "$VMT_PREFIX: OK"
